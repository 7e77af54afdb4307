"""Configuration, from ``HUB_*`` environment variables and command-line flags."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.domain.members import IDENTIFIER_KEY_BYTES_MIN

DEFAULT_DATABASE_URL = "sqlite:///hub.db"
DEFAULT_LISTEN = "127.0.0.1:50051"


class ConfigError(Exception):
    """The configuration is missing something or holds an invalid value."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    identifier_key_hex: str = ""
    """Key of the identifier HMAC, hex; never stored in the database, never logged."""
    listen: str = DEFAULT_LISTEN
    timezone: str = "UTC"
    """The coalition's time zone: calendar expiry and business dates."""
    workers: int = 8
    """Threads serving RPCs; also the database pool size. A few threads hide database
    latency; many more only contend for the GIL (measured: 8 threads beat 32 by half)."""
    db_pool_timeout_s: float = 2.0
    """How long a call waits for a free database connection before answering SERVER_BUSY."""
    max_concurrent_rpcs: int = 512
    """Calls beyond this are refused at once with RESOURCE_EXHAUSTED instead of queueing."""
    shutdown_grace_s: float = 20.0
    """On SIGTERM, how long in-flight calls may take to finish."""
    sweep_interval_s: float = 5.0
    """How often ``hub serve`` expires holds and matures and expires points; 0 turns it off."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> Settings:
        """Settings from ``env``; ``overrides`` that are not ``None`` win (command-line flags)."""
        settings = cls(
            database_url=env.get("HUB_DATABASE_URL", DEFAULT_DATABASE_URL),
            identifier_key_hex=env.get("HUB_IDENTIFIER_KEY", ""),
            listen=env.get("HUB_LISTEN", DEFAULT_LISTEN),
            timezone=env.get("HUB_TIMEZONE", "UTC"),
            workers=_int(env, "HUB_WORKERS", 8),
            max_concurrent_rpcs=_int(env, "HUB_MAX_CONCURRENT_RPCS", 512),
            db_pool_timeout_s=float(env.get("HUB_DB_POOL_TIMEOUT_S", "2")),
            shutdown_grace_s=float(env.get("HUB_SHUTDOWN_GRACE_S", "20")),
            sweep_interval_s=float(env.get("HUB_SWEEP_INTERVAL_S", "5")),
        )
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})

    def identifier_key(self) -> bytes:
        """The identifier key, or ``ConfigError`` explaining how to make one."""
        if not self.identifier_key_hex:
            raise ConfigError("HUB_IDENTIFIER_KEY is not set; create one with `hub keygen`")
        try:
            key = bytes.fromhex(self.identifier_key_hex)
        except ValueError:
            raise ConfigError("HUB_IDENTIFIER_KEY must be hex (see `hub keygen`)") from None
        if len(key) < IDENTIFIER_KEY_BYTES_MIN:
            raise ConfigError(
                f"HUB_IDENTIFIER_KEY must hold at least {IDENTIFIER_KEY_BYTES_MIN} bytes"
            )
        return key

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"HUB_TIMEZONE {self.timezone!r} is not an IANA time zone") from None


def new_identifier_key_hex() -> str:
    return secrets.token_hex(32)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be an integer") from None
