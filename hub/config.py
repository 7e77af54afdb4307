"""Configuration, from ``HUB_*`` environment variables and command-line flags."""

from __future__ import annotations

import math
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import ArgumentError

from hub.adapters.database import normalize_url
from hub.domain.currencies import currency
from hub.domain.errors import UnknownCurrency
from hub.domain.members import IDENTIFIER_KEY_BYTES_MIN

DEFAULT_DATABASE_URL = "sqlite:///hub.db"
DEFAULT_LISTEN = "127.0.0.1:50051"
THREADS_MAX = 256
"""Each thread holds a database connection; PostgreSQL's default allows 100 in all."""
WORKERS_MAX = 64
"""Server processes: more than a machine's cores only adds connections and memory."""
PORT_MAX = 65_535
DATA_KEY_BYTES = 32
"""AES-256 and Ed25519 seeds both take exactly 32 bytes."""


class ConfigError(Exception):
    """The configuration is missing something or holds invalid values: one sentence per
    problem, each naming the setting and the form it takes."""

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)
        self.problems = problems

    def __str__(self) -> str:
        return "; ".join(self.problems)


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
    ops_listen: str = ""
    """Plain HTTP for probes and metrics (``/livez``, ``/readyz``, ``/metrics``), e.g.
    ``0.0.0.0:9090`` in a pod; empty serves none."""
    console_listen: str = ""
    """Where ``hub serve`` also serves the staff web console (HTTPS); empty serves none."""
    rest_listen: str = ""
    """Where ``hub serve`` also serves the partner API's REST gateway (HTTPS); empty: none."""
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
    goodwill_approval_points: int = 1000
    """Goodwill credits above this many points wait for a second person's approval (four
    eyes); at or below it they are posted at once."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> Settings:
        """Settings from ``env``; ``overrides`` that are not ``None`` win (command-line flags).

        Every value is checked before anything runs: ``ConfigError`` lists each bad one."""
        read = EnvReader(env)
        settings = cls(
            database_url=read.text("HUB_DATABASE_URL", DEFAULT_DATABASE_URL),
            identifier_key_hex=read.text("HUB_IDENTIFIER_KEY", ""),
            identifier_keys_retired_hex=read.text("HUB_IDENTIFIER_KEYS_RETIRED", ""),
            data_key_hex=read.text("HUB_DATA_KEY", ""),
            data_keys_retired_hex=read.text("HUB_DATA_KEYS_RETIRED", ""),
            audit_key_hex=read.text("HUB_AUDIT_KEY", ""),
            audit_keys_retired_hex=read.text("HUB_AUDIT_KEYS_RETIRED", ""),
            tls_cert_file=read.text("HUB_TLS_CERT", ""),
            tls_key_file=read.text("HUB_TLS_KEY", ""),
            tls_client_ca_file=read.text("HUB_TLS_CLIENT_CA", ""),
            pki_dir=read.text("HUB_PKI_DIR", "pki"),
            partner_rate_limit_per_s=read.integer("HUB_PARTNER_RATE_LIMIT_PER_S", 1000),
            listen=read.text("HUB_LISTEN", DEFAULT_LISTEN),
            ops_listen=read.text("HUB_OPS_LISTEN", ""),
            console_listen=read.text("HUB_SERVE_CONSOLE_LISTEN", ""),
            rest_listen=read.text("HUB_SERVE_REST_LISTEN", ""),
            timezone=read.text("HUB_TIMEZONE", "UTC"),
            threads=read.integer("HUB_THREADS", 8),
            workers=read.integer("HUB_WORKERS", 1),
            max_concurrent_rpcs=read.integer("HUB_MAX_CONCURRENT_RPCS", 512),
            db_pool_timeout_s=read.seconds("HUB_DB_POOL_TIMEOUT_S", 2.0),
            shutdown_grace_s=read.seconds("HUB_SHUTDOWN_GRACE_S", 20.0),
            sweep_interval_s=read.seconds("HUB_SWEEP_INTERVAL_S", 5.0),
            fraud_checks=read.flag("HUB_FRAUD_CHECKS", default=True),
            signing_key_hex=read.text("HUB_SIGNING_KEY", ""),
            settlement_currency=read.text("HUB_SETTLEMENT_CURRENCY", "EUR"),
            settlement_cutoff=read.text("HUB_SETTLEMENT_CUTOFF", "00:00"),
            settlement_grace_s=read.integer("HUB_SETTLEMENT_GRACE_S", 300),
            settlement_nightly=read.flag("HUB_SETTLEMENT_NIGHTLY", default=False),
            goodwill_approval_points=read.integer("HUB_GOODWILL_APPROVAL_POINTS", 1000),
        )
        settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
        problems = read.problems + settings.problems()
        if problems:
            raise ConfigError(*problems)
        return settings

    def problems(self) -> list[str]:
        """What is wrong with these settings, one sentence per bad value naming its variable
        and the form it takes; empty when every value can be used. Unset keys are not
        problems here: the commands that need one say so."""
        found = [
            _range_problem("HUB_THREADS", self.threads, 1, THREADS_MAX),
            _range_problem("HUB_WORKERS", self.workers, 1, WORKERS_MAX),
            _at_least_problem("HUB_MAX_CONCURRENT_RPCS", self.max_concurrent_rpcs, 1),
            _at_least_problem("HUB_PARTNER_RATE_LIMIT_PER_S", self.partner_rate_limit_per_s, 1),
            _at_least_problem("HUB_SETTLEMENT_GRACE_S", self.settlement_grace_s, 0),
            _at_least_problem("HUB_GOODWILL_APPROVAL_POINTS", self.goodwill_approval_points, 0),
            _seconds_problem("HUB_DB_POOL_TIMEOUT_S", self.db_pool_timeout_s, zero_allowed=False),
            _seconds_problem("HUB_SHUTDOWN_GRACE_S", self.shutdown_grace_s),
            _seconds_problem("HUB_SWEEP_INTERVAL_S", self.sweep_interval_s),
            _database_url_problem(self.database_url),
            _listen_problem(self.listen),
            _listen_problem(self.ops_listen, "HUB_OPS_LISTEN") if self.ops_listen else None,
            _listen_problem(self.console_listen, "HUB_SERVE_CONSOLE_LISTEN")
            if self.console_listen
            else None,
            _listen_problem(self.rest_listen, "HUB_SERVE_REST_LISTEN")
            if self.rest_listen
            else None,
            _problem_of(self.zone),
            _problem_of(self.cutoff),
            _currency_problem(self.settlement_currency),
            *self._key_problems(),
        ]
        return [problem for problem in found if problem]

    def _key_problems(self) -> list[str | None]:
        exact = DATA_KEY_BYTES  # AES-256 and Ed25519 keys; the HMAC keys take any length
        return [
            _key_problem("HUB_IDENTIFIER_KEY", self.identifier_key_hex),
            _key_problem(
                "HUB_IDENTIFIER_KEYS_RETIRED", self.identifier_keys_retired_hex, many=True
            ),
            _key_problem("HUB_DATA_KEY", self.data_key_hex, exact_bytes=exact),
            _key_problem(
                "HUB_DATA_KEYS_RETIRED", self.data_keys_retired_hex, exact_bytes=exact, many=True
            ),
            _key_problem("HUB_AUDIT_KEY", self.audit_key_hex),
            _key_problem("HUB_AUDIT_KEYS_RETIRED", self.audit_keys_retired_hex, many=True),
            _key_problem("HUB_SIGNING_KEY", self.signing_key_hex, exact_bytes=exact),
        ]

    def identifier_keys(self) -> tuple[bytes, ...]:
        """The current identifier key first, then the retired ones still matched."""
        return _keyring(
            ("HUB_IDENTIFIER_KEY", self.identifier_key_hex),
            ("HUB_IDENTIFIER_KEYS_RETIRED", self.identifier_keys_retired_hex),
        )

    def data_keys(self) -> tuple[bytes, ...]:
        """The current data key first, then the retired ones that still decrypt."""
        return _keyring(
            ("HUB_DATA_KEY", self.data_key_hex),
            ("HUB_DATA_KEYS_RETIRED", self.data_keys_retired_hex),
            exact_bytes=DATA_KEY_BYTES,
        )

    def audit_keys(self) -> tuple[bytes, ...]:
        """The current audit key first, then the retired ones older records are chained under."""
        return _keyring(
            ("HUB_AUDIT_KEY", self.audit_key_hex),
            ("HUB_AUDIT_KEYS_RETIRED", self.audit_keys_retired_hex),
        )

    def signing_key_seed(self) -> bytes:
        """The statement-signing key's 32-byte Ed25519 seed (``ConfigError`` without one)."""
        if not self.signing_key_hex:
            raise ConfigError("HUB_SIGNING_KEY is not set; create keys with `hub keygen`")
        _require_key("HUB_SIGNING_KEY", self.signing_key_hex, DATA_KEY_BYTES)
        return bytes.fromhex(self.signing_key_hex)

    def cutoff(self) -> time:
        """The business day's cutoff as a local time of day."""
        matched = _CUTOFF.fullmatch(self.settlement_cutoff)
        try:
            if matched is None:
                raise ValueError(self.settlement_cutoff)
            return time(int(matched["hours"]), int(matched["minutes"]))
        except ValueError:
            raise ConfigError(
                "HUB_SETTLEMENT_CUTOFF must be a time of day HH:MM such as 00:00 or 22:00 "
                f"(got {self.settlement_cutoff!r})"
            ) from None

    def zone(self) -> ZoneInfo:
        """The coalition's time zone."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                "HUB_TIMEZONE must be an IANA time zone such as UTC or Europe/Paris "
                f"(got {self.timezone!r})"
            ) from None


def new_identifier_key_hex() -> str:
    return secrets.token_hex(32)


def new_keys_env() -> dict[str, str]:
    """A fresh key for each ``HUB_*_KEY`` setting, as ``hub keygen`` prints them."""
    return {name: secrets.token_hex(32) for name in KEY_SETTINGS}


KEY_SETTINGS = ("HUB_IDENTIFIER_KEY", "HUB_DATA_KEY", "HUB_AUDIT_KEY", "HUB_SIGNING_KEY")


def _keyring(
    current: tuple[str, str], retired: tuple[str, str], *, exact_bytes: int | None = None
) -> tuple[bytes, ...]:
    """The keys of ``current`` (name, hex) then of ``retired`` (name, comma-separated hex)."""
    name, current_hex = current
    if not current_hex:
        raise ConfigError(f"{name} is not set; create keys with `hub keygen`")
    _require_key(name, current_hex, exact_bytes)
    _require_key(*retired, exact_bytes, many=True)
    return tuple(bytes.fromhex(text) for text in (current_hex, *_split_keys(retired[1])))


def _require_key(name: str, text: str, exact_bytes: int | None, *, many: bool = False) -> None:
    problem = _key_problem(name, text, exact_bytes, many=many)
    if problem:
        raise ConfigError(problem)


def _key_problem(
    name: str, text: str, exact_bytes: int | None = None, *, many: bool = False
) -> str | None:
    """Why ``text`` (one hex key, or ``many`` comma-separated) is not a key, if it is not.

    The value is never quoted back: it is a secret, and may be one with a typo."""
    texts = _split_keys(text) if many else [text] if text else []
    if all(_is_key(part, exact_bytes) for part in texts):
        return None
    if exact_bytes is None:
        form = (
            f"at least {2 * IDENTIFIER_KEY_BYTES_MIN} hex digits ({IDENTIFIER_KEY_BYTES_MIN} bytes)"
        )
    else:
        form = f"{2 * exact_bytes} hex digits ({exact_bytes} bytes)"
    if many:
        return f"{name} must be keys of {form} each, separated by commas"
    return f"{name} must be {form}, as `hub keygen` prints"


def _split_keys(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _is_key(text: str, exact_bytes: int | None) -> bool:
    try:
        size = len(bytes.fromhex(text))
    except ValueError:
        return False
    return size == exact_bytes if exact_bytes is not None else size >= IDENTIFIER_KEY_BYTES_MIN


_T = TypeVar("_T")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_CUTOFF = re.compile(r"(?P<hours>\d{1,2}):(?P<minutes>\d{2})")


class EnvReader:
    """Reads ``HUB_*`` variables into typed values. An unreadable one is noted and its
    default used, so that every bad value is reported at once, not one per attempt."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self.problems: list[str] = []

    def text(self, name: str, default: str) -> str:
        return self._env.get(name, default)

    def integer(self, name: str, default: int) -> int:
        raw = self._env.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            return self._bad(f"{name} must be an integer", default)

    def seconds(self, name: str, default_s: float) -> float:
        raw = self._env.get(name)
        if raw is None:
            return default_s
        try:
            value_s = float(raw)
        except ValueError:
            value_s = math.nan
        if math.isfinite(value_s):
            return value_s
        return self._bad(
            f"{name} must be a number of seconds such as 20 or 2.5 (got {raw!r})", default_s
        )

    def flag(self, name: str, *, default: bool) -> bool:
        raw = self._env.get(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        return self._bad(
            f"{name} must be one of {', '.join(_TRUE + _FALSE)} (got {raw!r})", default
        )

    def _bad(self, problem: str, default: _T) -> _T:
        self.problems.append(problem)
        return default


def _range_problem(name: str, value: int, low: int, high: int) -> str | None:
    if low <= value <= high:
        return None
    return f"{name} must be between {low} and {high}, not {value}"


def _at_least_problem(name: str, value: int, low: int) -> str | None:
    return None if value >= low else f"{name} must be at least {low}, not {value}"


def _seconds_problem(name: str, value_s: float, *, zero_allowed: bool = True) -> str | None:
    if value_s > 0 or (zero_allowed and value_s == 0):
        return None
    least = "0 or more" if zero_allowed else "more than 0"
    return f"{name} must be {least} seconds, not {value_s:g}"


def _database_url_problem(url: str) -> str | None:
    try:
        normalize_url(url)  # the one place that knows which databases the hub runs on
    except (ValueError, ArgumentError):
        return (
            "HUB_DATABASE_URL must be postgresql://USER@HOST:PORT/DATABASE or sqlite:///PATH "
            f"(got {_without_password(url)!r})"
        )
    return None


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _listen_problem(listen: str, name: str = "HUB_LISTEN") -> str | None:
    host, _, port = listen.rpartition(":")
    if host and port.isdigit() and int(port) <= PORT_MAX:
        return None
    return f"{name} must be HOST:PORT such as 127.0.0.1:50051 or [::]:50051 (got {listen!r})"


def _currency_problem(code: str) -> str | None:
    try:
        currency(code, field="HUB_SETTLEMENT_CURRENCY")
    except UnknownCurrency:
        return (
            "HUB_SETTLEMENT_CURRENCY must be an ISO-4217 currency code such as EUR or USD "
            f"(got {code!r})"
        )
    return None


def _problem_of(check: Callable[[], object]) -> str | None:
    """The ``ConfigError`` that ``check`` raises, as a problem."""
    try:
        check()
    except ConfigError as error:
        return str(error)
    return None
