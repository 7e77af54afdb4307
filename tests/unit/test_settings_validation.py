"""Every ``HUB_*`` setting is checked when settings are loaded, one sentence per bad value."""

from __future__ import annotations

import pytest

from hub.config import ConfigError, Settings
from tests.conftest import KEYS_ENV

SHORT_KEY = "ab" * 16  # 16 bytes: hex, but too short for any key
LONG_KEY = "ab" * 40  # 40 bytes: enough for an HMAC key, not for AES-256 or Ed25519

BAD_VALUES = [
    ("HUB_DATABASE_URL", "mysql://root@db/hub", "postgresql://USER@HOST:PORT/DATABASE"),
    ("HUB_DATABASE_URL", "not a url", "sqlite:///PATH (got 'not a url')"),
    ("HUB_DATABASE_URL", "postgresql://u@h:port/x", "postgresql://USER@HOST:PORT/DATABASE"),
    ("HUB_IDENTIFIER_KEY", "zz" * 32, "at least 64 hex digits (32 bytes)"),
    ("HUB_IDENTIFIER_KEY", SHORT_KEY, "at least 64 hex digits (32 bytes)"),
    ("HUB_IDENTIFIER_KEYS_RETIRED", f"{LONG_KEY},{SHORT_KEY}", "separated by commas"),
    ("HUB_DATA_KEY", LONG_KEY, "64 hex digits (32 bytes)"),
    ("HUB_DATA_KEYS_RETIRED", "not-hex", "64 hex digits (32 bytes) each"),
    ("HUB_AUDIT_KEY", "12345", "at least 64 hex digits"),
    ("HUB_AUDIT_KEYS_RETIRED", SHORT_KEY, "at least 64 hex digits (32 bytes) each"),
    ("HUB_SIGNING_KEY", LONG_KEY, "64 hex digits (32 bytes)"),
    ("HUB_PARTNER_RATE_LIMIT_PER_S", "0", "at least 1, not 0"),
    ("HUB_PARTNER_RATE_LIMIT_PER_S", "lots", "must be an integer"),
    ("HUB_LISTEN", "50051", "HOST:PORT such as 127.0.0.1:50051 or [::]:50051 (got '50051')"),
    ("HUB_LISTEN", "127.0.0.1:99999", "HOST:PORT"),
    ("HUB_SERVE_CONSOLE_LISTEN", "8443", "HUB_SERVE_CONSOLE_LISTEN must be HOST:PORT"),
    ("HUB_SERVE_REST_LISTEN", "8444", "HUB_SERVE_REST_LISTEN must be HOST:PORT"),
    ("HUB_OPS_LISTEN", "9090", "HUB_OPS_LISTEN must be HOST:PORT"),
    ("HUB_TIMEZONE", "Mars/Olympus", "IANA time zone such as UTC or Europe/Paris"),
    ("HUB_THREADS", "eight", "must be an integer"),
    ("HUB_THREADS", "-4", "between 1 and 256, not -4"),
    ("HUB_WORKERS", "1.5", "must be an integer"),
    ("HUB_MAX_CONCURRENT_RPCS", "-1", "at least 1, not -1"),
    ("HUB_DB_POOL_TIMEOUT_S", "0", "more than 0 seconds, not 0"),
    ("HUB_DB_POOL_TIMEOUT_S", "2s", "a number of seconds such as 20 or 2.5 (got '2s')"),
    ("HUB_SHUTDOWN_GRACE_S", "20s", "a number of seconds such as 20 or 2.5 (got '20s')"),
    ("HUB_SHUTDOWN_GRACE_S", "-1", "0 or more seconds, not -1"),
    ("HUB_SHUTDOWN_GRACE_S", "inf", "a number of seconds such as 20 or 2.5 (got 'inf')"),
    ("HUB_SWEEP_INTERVAL_S", "nan", "a number of seconds such as 20 or 2.5 (got 'nan')"),
    ("HUB_FRAUD_CHECKS", "maybe", "one of 1, true, yes, on, 0, false, no, off (got 'maybe')"),
    ("HUB_SETTLEMENT_CURRENCY", "eur", "ISO-4217 currency code such as EUR or USD"),
    ("HUB_SETTLEMENT_CUTOFF", "25:00", "time of day HH:MM such as 00:00 or 22:00"),
    ("HUB_SETTLEMENT_CUTOFF", "22:00:00", "time of day HH:MM"),
    ("HUB_SETTLEMENT_CUTOFF", "-0:30", "time of day HH:MM"),
    ("HUB_SETTLEMENT_GRACE_S", "-300", "at least 0, not -300"),
    ("HUB_SETTLEMENT_NIGHTLY", "nightly", "must be one of 1, true"),
    ("HUB_GOODWILL_APPROVAL_POINTS", "-1", "at least 0, not -1"),
    ("HUB_GOODWILL_APPROVAL_POINTS", "lots", "must be an integer"),
]
FREE_FORM = {"HUB_TLS_CERT", "HUB_TLS_KEY", "HUB_TLS_CLIENT_CA", "HUB_PKI_DIR"}
"""Paths: any text names a file; ``hub serve`` says which one it cannot read."""


class _Recording(dict[str, str]):
    """An environment that notes every variable asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


def test_every_setting_the_hub_reads_is_checked_or_free_form():
    env = _Recording()
    Settings.from_env(env)
    checked = {name for name, _, _ in BAD_VALUES}
    assert env.asked == checked | FREE_FORM


@pytest.mark.parametrize(("name", "value", "form"), BAD_VALUES)
def test_a_bad_value_is_one_sentence_naming_the_variable_and_its_form(name, value, form):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({**KEYS_ENV, name: value})
    (problem,) = caught.value.problems
    assert problem.startswith(f"{name} must be ")
    assert form in problem
    assert "\n" not in problem


def test_every_bad_value_is_reported_at_once_one_sentence_each():
    env = {"HUB_SHUTDOWN_GRACE_S": "20s", "HUB_THREADS": "x", "HUB_TIMEZONE": "Nowhere"}
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    named = sorted(problem.split()[0] for problem in caught.value.problems)
    assert named == ["HUB_SHUTDOWN_GRACE_S", "HUB_THREADS", "HUB_TIMEZONE"]


def test_a_key_is_never_quoted_back():
    secret = "cd" * 31 + "zz"
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"HUB_DATA_KEY": secret, "HUB_AUDIT_KEYS_RETIRED": secret})
    assert secret not in str(caught.value)
    assert "cd" * 31 not in str(caught.value)


def test_a_database_password_is_never_quoted_back():
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"HUB_DATABASE_URL": "mysql://hub:s3cret@db/hub"})
    assert "s3cret" not in str(caught.value)
    assert "mysql://hub:***@db/hub" in str(caught.value)


def test_a_command_line_flag_is_checked_like_the_variable_it_overrides():
    with pytest.raises(ConfigError, match="HUB_DATABASE_URL must be"):
        Settings.from_env({}, database_url="oracle://db/hub")
    with pytest.raises(ConfigError, match="HUB_LISTEN must be HOST:PORT"):
        Settings.from_env({}, listen="localhost")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HUB_DATABASE_URL", "postgresql://hub:pw@db.internal:5432/hub"),
        ("HUB_DATABASE_URL", "sqlite:///var/lib/hub/hub.db"),
        ("HUB_LISTEN", "[::]:50051"),
        ("HUB_LISTEN", "127.0.0.1:0"),
        ("HUB_SHUTDOWN_GRACE_S", "2.5"),
        ("HUB_SWEEP_INTERVAL_S", "0"),
        ("HUB_SETTLEMENT_CUTOFF", "22:00"),
        ("HUB_TIMEZONE", "Europe/Paris"),
        ("HUB_FRAUD_CHECKS", "OFF"),
        ("HUB_IDENTIFIER_KEYS_RETIRED", f"{LONG_KEY}, {'ef' * 32}"),
    ],
)
def test_the_accepted_forms_are_accepted(name, value):
    Settings.from_env({**KEYS_ENV, name: value})


def test_unset_keys_are_not_a_problem_until_a_command_needs_them():
    settings = Settings.from_env({})
    with pytest.raises(ConfigError, match="HUB_SIGNING_KEY is not set"):
        settings.signing_key_seed()


def test_settings_built_directly_still_refuse_a_bad_key_when_it_is_used():
    settings = Settings(data_key_hex=KEYS_ENV["HUB_DATA_KEY"], data_keys_retired_hex=SHORT_KEY)
    with pytest.raises(ConfigError, match="HUB_DATA_KEYS_RETIRED must be keys of 64 hex"):
        settings.data_keys()
    assert len(Settings(data_key_hex=KEYS_ENV["HUB_DATA_KEY"]).data_keys()) == 1
