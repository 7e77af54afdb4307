"""Rule tuning: a partner's fraud thresholds, how many flags and declines a proposed setting
would have raised over the last N days against those in force (the hub's
``FraudTuningService`` replays the partner's operations), and saving it as a new version of
the partner's fraud rule (``RulesService``).

The form always carries every number as the hub resolved it (defaults filled in): a saved
version says exactly what is in force, never "0" for a default it did not show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from coalition.hub.v1 import admin_pb2, rules_pb2, tuning_pb2
from hub.console.app import Desk, Route
from hub.console.http import Refusal, Response

PREVIEW_DAYS_DEFAULT = 7
PREVIEW_DAYS_MAX = 30
"""What the hub's FraudTuningService replays at most."""
_THRESHOLD = "FraudThreshold"
_SETTINGS = [
    field for field in rules_pb2.FraudThresholds.DESCRIPTOR.fields if field.name != "partner_id"
]


@dataclass(frozen=True)
class Setting:
    """One row of the form: a window or count (``value``), or a review/deny threshold."""

    name: str
    is_threshold: bool
    value: int = 0
    review_at: int = 0
    deny_at: int = 0


def _settings_of(thresholds: rules_pb2.FraudThresholds) -> list[Setting]:
    rows = []
    for field in _SETTINGS:
        value = getattr(thresholds, field.name)
        if field.message_type is not None and field.message_type.name == _THRESHOLD:
            rows.append(Setting(field.name, True, review_at=value.review_at, deny_at=value.deny_at))
        else:
            rows.append(Setting(field.name, False, value=value))
    return rows


def _thresholds_from(desk: Desk, partner: str) -> rules_pb2.FraudThresholds:
    given: dict[str, Any] = {}
    for field in _SETTINGS:
        if field.message_type is not None and field.message_type.name == _THRESHOLD:
            given[field.name] = rules_pb2.FraudThreshold(
                review_at=_number(desk, f"{field.name}.review_at"),
                deny_at=_number(desk, f"{field.name}.deny_at"),
            )
        else:
            given[field.name] = _number(desk, field.name)
    return rules_pb2.FraudThresholds(partner_id=partner, **given)


def _number(desk: Desk, name: str) -> int:
    text = desk.request.field(name, "0")
    if not text.isdigit():
        raise Refusal(400, f"{name} is a whole number of 0 or more, not {text!r}.")
    return int(text)


def _partners(desk: Desk) -> list[str]:
    listed = desk.call(desk.link.admin.ListPartners, admin_pb2.ListPartnersRequest())
    return sorted(partner.partner_id for partner in listed.partners)


def _days(desk: Desk) -> int:
    text = desk.request.field("days") or desk.request.arg("days", str(PREVIEW_DAYS_DEFAULT))
    if not text.isdigit() or not 1 <= int(text) <= PREVIEW_DAYS_MAX:
        raise Refusal(400, f"Preview over 1 to {PREVIEW_DAYS_MAX} days.")
    return int(text)


def thresholds_page(desk: Desk) -> Response:
    """A partner's thresholds in force, every number filled in, with what they flagged over
    the last days (the hub's replay with nothing proposed)."""
    partners = _partners(desk)
    partner = desk.request.arg("partner") or (partners[0] if partners else "")
    if not partner:
        raise Refusal(404, "No partner yet: thresholds are tuned partner by partner.")
    request = tuning_pb2.PreviewThresholdsRequest(partner_id=partner, days=_days(desk))
    replayed = desk.call(desk.link.tuning.PreviewThresholds, request)
    return _page(desk, partner, partners, replayed.current, replayed)


def preview(desk: Desk) -> Response:
    """What each rule would have flagged and declined with the form's thresholds, against
    those in force, over the same replayed operations; nothing is saved."""
    partner = desk.request.field("partner")
    if not partner:
        raise Refusal(400, "Choose a partner: a preview replays one partner's operations.")
    request = tuning_pb2.PreviewThresholdsRequest(
        thresholds=_thresholds_from(desk, partner), days=_days(desk)
    )
    replayed = desk.call(desk.link.tuning.PreviewThresholds, request)
    return _page(desk, partner, _partners(desk), replayed.proposed, replayed)


def save(desk: Desk) -> Response:
    partner = desk.request.field("partner")
    note = desk.request.field("note")
    if not note:
        raise Refusal(400, "Say why in the note: it is recorded with your name.")
    definition = rules_pb2.RuleDefinition(fraud=_thresholds_from(desk, partner))
    saved = desk.call(
        desk.link.rules.PutRule, rules_pb2.PutRuleRequest(definition=definition, reason=note)
    )
    notice = quote(f"{saved.rule_id} version {saved.version} saved")
    return Response.redirect(f"/tuning?partner={quote(partner)}&notice={notice}")


def _page(
    desk: Desk,
    partner: str,
    partners: list[str],
    thresholds: rules_pb2.FraudThresholds,
    replayed: Any,
) -> Response:
    return desk.render(
        "tuning.html",
        partner=partner,
        partners=partners,
        settings=_settings_of(thresholds),
        days=_days(desk),
        preview=replayed,
    )


ROUTES = (
    Route("GET", r"/tuning", thresholds_page),
    Route("POST", r"/tuning/preview", preview),
    Route("POST", r"/tuning/save", save),
)
