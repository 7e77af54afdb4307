"""Configuration, from ``HUB_*`` environment variables and command-line flags."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.domain.members import IDENTIFIER_KEY_BYTES_MIN

DEFAULT_DATABASE_URL = "sqlite:///hub.db"
DEFAULT_LISTEN = "127.0.0.1:50051"
THREADS_MAX = 256
"""Each thread holds a database connection; PostgreSQL's default allows 100 in all."""
WORKERS_MAX = 64
"""Server processes: more than a machine's cores only adds connections and memory."""


class ConfigError(Exception):
    """The configuration is missing something or holds an invalid value."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    identifier_key_hex: str = ""
    """Key of the identifier HMAC, hex; never stored in the database, never logged."""
    identifier_keys_retired_hex: str = ""
    """Earlier identifier keys, comma-separated: still matched until each identifier is
    re-keyed under the current key (which happens when a partner next presents it)."""
    data_key_hex: str = ""
    """AES-256-GCM key for member contact data at rest, hex (32 bytes)."""
    data_keys_retired_hex: str = ""
    """Earlier data keys, comma-separated: still decrypt until ``hub member rekey``."""
    audit_key_hex: str = ""
    """Key of the audit log's MAC chain, hex: without it nobody can forge a record."""
    audit_keys_retired_hex: str = ""
    """Earlier audit keys, comma-separated: records chained under them still verify."""
    tls_cert_file: str = ""
    """The hub's server certificate (PEM); ``hub certs init`` makes one."""
    tls_key_file: str = ""
    tls_client_ca_file: str = ""
    """The coalition CA that client certificates must chain to."""
    pki_dir: str = "pki"
    """Where ``hub certs`` keeps the coalition CA (its key never goes into the database)."""
    partner_rate_limit_per_s: int = 1000
    """Requests per second a partner may make, per hub process, unless set on the partner."""
    listen: str = DEFAULT_LISTEN
    timezone: str = "UTC"
    """The coalition's time zone: calendar expiry and business dates."""
    threads: int = 8
    """Threads serving RPCs in each worker; also its database pool size. A few threads hide
    database latency; many more only contend for the GIL (measured: 8 threads beat 32 by half)."""
    workers: int = 1
    """Server processes sharing the listening port (``SO_REUSEPORT``) and nothing else but the
    database: one Python process uses one core, whatever its threads."""
    db_pool_timeout_s: float = 2.0
    """How long a call waits for a free database connection before answering SERVER_BUSY."""
    max_concurrent_rpcs: int = 512
    """Calls beyond this are refused at once with RESOURCE_EXHAUSTED instead of queueing."""
    shutdown_grace_s: float = 20.0
    """On SIGTERM, how long in-flight calls may take to finish."""
    sweep_interval_s: float = 5.0
    """How often ``hub serve`` expires holds and matures and expires points; 0 turns it off."""
    fraud_checks: bool = True
    """Whether earns and redemptions pass the fraud checks; off only to measure their cost."""
    signing_key_hex: str = ""
    """Ed25519 private key (its 32-byte seed, hex) that signs settlement statements."""
    settlement_currency: str = "EUR"
    """The coalition's one settlement currency: issue and redemption prices are in it."""
    settlement_cutoff: str = "00:00"
    """When a business day closes, HH:MM in the coalition's time zone: ``22:00`` closes the
    5th at 22:00 on the 5th (later operations belong to the 6th); ``00:00`` at midnight."""
    settlement_grace_s: int = 300
    """How long after the cutoff a day may be settled: operations stamped before the cutoff
    are given this long to commit."""
    settlement_nightly: bool = False
    """Whether ``hub serve`` settles each closed day itself (cron can run ``hub settle run``)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> Settings:
        """Settings from ``env``; ``overrides`` that are not ``None`` win (command-line flags)."""
        settings = cls(
            database_url=env.get("HUB_DATABASE_URL", DEFAULT_DATABASE_URL),
            identifier_key_hex=env.get("HUB_IDENTIFIER_KEY", ""),
            identifier_keys_retired_hex=env.get("HUB_IDENTIFIER_KEYS_RETIRED", ""),
            data_key_hex=env.get("HUB_DATA_KEY", ""),
            data_keys_retired_hex=env.get("HUB_DATA_KEYS_RETIRED", ""),
            audit_key_hex=env.get("HUB_AUDIT_KEY", ""),
            audit_keys_retired_hex=env.get("HUB_AUDIT_KEYS_RETIRED", ""),
            tls_cert_file=env.get("HUB_TLS_CERT", ""),
            tls_key_file=env.get("HUB_TLS_KEY", ""),
            tls_client_ca_file=env.get("HUB_TLS_CLIENT_CA", ""),
            pki_dir=env.get("HUB_PKI_DIR", "pki"),
            partner_rate_limit_per_s=_int(env, "HUB_PARTNER_RATE_LIMIT_PER_S", 1000),
            listen=env.get("HUB_LISTEN", DEFAULT_LISTEN),
            timezone=env.get("HUB_TIMEZONE", "UTC"),
            threads=_int(env, "HUB_THREADS", 8),
            workers=_int(env, "HUB_WORKERS", 1),
            max_concurrent_rpcs=_int(env, "HUB_MAX_CONCURRENT_RPCS", 512),
            db_pool_timeout_s=float(env.get("HUB_DB_POOL_TIMEOUT_S", "2")),
            shutdown_grace_s=float(env.get("HUB_SHUTDOWN_GRACE_S", "20")),
            sweep_interval_s=float(env.get("HUB_SWEEP_INTERVAL_S", "5")),
            fraud_checks=_flag(env, "HUB_FRAUD_CHECKS", default=True),
            signing_key_hex=env.get("HUB_SIGNING_KEY", ""),
            settlement_currency=env.get("HUB_SETTLEMENT_CURRENCY", "EUR"),
            settlement_cutoff=env.get("HUB_SETTLEMENT_CUTOFF", "00:00"),
            settlement_grace_s=_int(env, "HUB_SETTLEMENT_GRACE_S", 300),
            settlement_nightly=_flag(env, "HUB_SETTLEMENT_NIGHTLY", default=False),
        )
        settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
        settings.check_concurrency()
        return settings

    def check_concurrency(self) -> None:
        """Refuse thread and worker counts that cannot serve (``ConfigError`` names the bad one)."""
        _check_range("HUB_THREADS", self.threads, 1, THREADS_MAX)
        _check_range("HUB_WORKERS", self.workers, 1, WORKERS_MAX)

    def identifier_keys(self) -> tuple[bytes, ...]:
        """The current identifier key first, then the retired ones still matched."""
        return _keyring(
            "HUB_IDENTIFIER_KEY", self.identifier_key_hex, self.identifier_keys_retired_hex
        )

    def data_keys(self) -> tuple[bytes, ...]:
        """The current data key first, then the retired ones that still decrypt."""
        return _keyring(
            "HUB_DATA_KEY", self.data_key_hex, self.data_keys_retired_hex, exact_bytes=32
        )

    def audit_keys(self) -> tuple[bytes, ...]:
        """The current audit key first, then the retired ones older records are chained under."""
        return _keyring("HUB_AUDIT_KEY", self.audit_key_hex, self.audit_keys_retired_hex)

    def signing_key_seed(self) -> bytes:
        """The statement-signing key's 32-byte Ed25519 seed (``ConfigError`` without one)."""
        if not self.signing_key_hex:
            raise ConfigError("HUB_SIGNING_KEY is not set; create keys with `hub keygen`")
        return _key("HUB_SIGNING_KEY", self.signing_key_hex, 32)

    def cutoff(self) -> time:
        """The business day's cutoff as a local time of day."""
        try:
            hours, minutes = (int(part) for part in self.settlement_cutoff.split(":"))
            return time(hours, minutes)
        except ValueError:
            raise ConfigError(
                f"HUB_SETTLEMENT_CUTOFF {self.settlement_cutoff!r} is not a time HH:MM"
            ) from None

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"HUB_TIMEZONE {self.timezone!r} is not an IANA time zone") from None


def new_identifier_key_hex() -> str:
    return secrets.token_hex(32)


def new_keys_env() -> dict[str, str]:
    """A fresh key for each ``HUB_*_KEY`` setting, as ``hub keygen`` prints them."""
    return {name: secrets.token_hex(32) for name in KEY_SETTINGS}


KEY_SETTINGS = ("HUB_IDENTIFIER_KEY", "HUB_DATA_KEY", "HUB_AUDIT_KEY", "HUB_SIGNING_KEY")


def _keyring(
    name: str, current_hex: str, retired_hex: str, *, exact_bytes: int | None = None
) -> tuple[bytes, ...]:
    if not current_hex:
        raise ConfigError(f"{name} is not set; create keys with `hub keygen`")
    retired = [part.strip() for part in retired_hex.split(",") if part.strip()]
    return tuple(_key(name, text, exact_bytes) for text in (current_hex, *retired))


def _key(name: str, text: str, exact_bytes: int | None) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(f"{name} keys must be hex (see `hub keygen`)") from None
    if exact_bytes is not None and len(key) != exact_bytes:
        raise ConfigError(f"{name} keys must hold exactly {exact_bytes} bytes")
    if len(key) < IDENTIFIER_KEY_BYTES_MIN:
        raise ConfigError(f"{name} keys must hold at least {IDENTIFIER_KEY_BYTES_MIN} bytes")
    return key


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be an integer") from None


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of {', '.join(_TRUE + _FALSE)}")
