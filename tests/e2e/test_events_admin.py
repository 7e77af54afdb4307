"""A partner's webhook and event settings, set by an operator with ``hub partner webhook``
(over the admin API, with the operator's certificate): HTTPS only, the secret printed once,
audited (issue 20, item 2)."""

from __future__ import annotations

import pytest

from hub.cli import main
from tests.e2e.operator_desk import ok, open_desk, refused


def test_an_operator_sets_a_webhook_and_rotates_its_secret_from_the_command_line(
    hub, coffee, tmp_path
):
    with open_desk(hub, tmp_path) as desk:
        made = ok(
            desk,
            "partner",
            "webhook",
            "set",
            "coffee",
            "https://shop.example/hooks",
            "--reason",
            "T-1",
        )
        shown = ok(desk, "partner", "webhook", "show", "coffee")
        rotated = ok(desk, "partner", "webhook", "rotate-secret", "coffee", "--reason", "T-2")
        noticed = ok(
            desk,
            "partner",
            "webhook",
            "expiry-notice",
            "coffee",
            "--days",
            "30",
            "--reason",
            "T-3",
        )
    first_secret = made.strip().splitlines()[-1]
    assert first_secret.startswith("whsec_")
    assert "whsec_" not in shown
    assert "https://shop.example/hooks" in shown
    assert rotated.strip().splitlines()[-1] not in (first_secret, "")
    assert " 30" in noticed
    actions = [r.event.action for r in hub.operator.list_audit(limit=3)]
    assert actions == [
        "partner.set_expiry_notice_days",
        "partner.rotate_webhook_secret",
        "partner.set_webhook",
    ]
    assert all("whsec_" not in str(r.event.details) for r in hub.operator.list_audit(limit=3))


def test_a_webhook_url_that_is_not_https_is_refused_with_its_reason(hub, coffee, tmp_path):
    with open_desk(hub, tmp_path) as desk:
        error = refused(
            desk,
            "partner",
            "webhook",
            "set",
            "coffee",
            "http://shop.example/hooks",
            "--reason",
            "T-1",
        )
        shown = ok(desk, "partner", "webhook", "show", "coffee")
    assert "WEBHOOK_SETTING_REFUSED" in error
    assert "https://" in error
    assert "(none)" in shown


def test_an_unreadable_relay_setting_is_one_line_and_status_two(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUB_RELAY_POLL_S", "soon")
    monkeypatch.setenv("HUB_WEBHOOK_ATTEMPTS_MAX", "0")

    assert main(["relay", "--once"]) == 2
    err = capsys.readouterr().err
    assert "HUB_RELAY_POLL_S must be a number of seconds" in err
    assert "HUB_WEBHOOK_ATTEMPTS_MAX must be 1..100 (got 0)" in err
    assert "Traceback" not in err
