"""Previewing fraud thresholds: a partner's past operations replayed from the ledger under the
thresholds in force and under a proposal, rule by rule, with nothing written."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fraud.thresholds import FraudThresholds, Threshold
from fraud.verdicts import RuleCode
from hub import bootstrap
from hub.domain.clock import ManualClock
from hub.domain.errors import InvalidRule, PartnerNotFound, PreviewOutOfRange, UnknownFraudSetting
from hub.domain.purchases import Channel, PointOfSale
from hub.services.commands import PutRule
from hub.services.fraud_tuning import PreviewThresholds, RulePreview, ThresholdsPreview
from tests.conftest import OPERATOR
from tests.integration.helpers import card, earn_command, enroll, row_counts

RUSH = 16
TERMINAL_REVIEW_AT = 10


def _earn_at_till(hub: bootstrap.Hub, number: str, amount_minor: int) -> None:
    command = earn_command(card(number), amount_minor)
    pos = PointOfSale(Channel.POS, "store-1", "T1", f"C{number[-2:]}", None)
    hub.partner_api().earn(replace(command, purchase=replace(command.purchase, point_of_sale=pos)))


def _a_day_at_the_coffee_shop(hub: bootstrap.Hub, clock: ManualClock) -> None:
    """A morning rush of ``RUSH`` cards at one terminal of a partner that reviews 10 an hour,
    and a regular's five coffees, then a round for the office ten times their usual."""
    thresholds = FraudThresholds("coffee", terminal_cards=Threshold(TERMINAL_REVIEW_AT))
    hub.operator.put_rule(PutRule("", thresholds, changed_by=OPERATOR))
    numbers = [f"41000000000000{i:02d}" for i in range(RUSH)]
    for number in numbers:
        enroll(hub, "coffee", card(number))
    for number in numbers:
        _earn_at_till(hub, number, 400)
        clock.advance(timedelta(minutes=3))
    clock.advance(timedelta(hours=3))  # the regular, after the rush
    regular = "4200000000000001"
    enroll(hub, "coffee", card(regular))
    for amount_minor in (400, 400, 400, 400, 400, 4_000):
        hub.partner_api().earn(earn_command(card(regular), amount_minor))
        clock.advance(timedelta(minutes=30))


def _preview(hub: bootstrap.Hub, *settings: tuple[str, str], days: int = 1) -> ThresholdsPreview:
    return hub.operator.preview_fraud_thresholds(PreviewThresholds("coffee", days, None, settings))


def _rule(preview: ThresholdsPreview, code: RuleCode) -> RulePreview:
    return next(rule for rule in preview.rules if rule.rule is code)


def test_a_replay_under_the_thresholds_in_force_counts_what_the_hub_raised(hub, coffee, clock):
    _a_day_at_the_coffee_shop(hub, clock)

    preview = _preview(hub)

    assert preview.operations_examined == RUSH + 6
    assert preview.truncated is False
    assert preview.current == preview.proposed
    for rule in preview.rules:
        if rule.replayed:
            assert (rule.current_flags, rule.proposed_flags) == (rule.raised_flags,) * 2, rule
    cards = _rule(preview, RuleCode.TERMINAL_MANY_CARDS)
    assert cards.raised_flags == RUSH - TERMINAL_REVIEW_AT + 1
    assert _rule(preview, RuleCode.EARN_ABOVE_HISTORY).raised_flags == 1


def test_a_proposal_says_per_rule_what_it_would_have_flagged_and_writes_nothing(hub, coffee, clock):
    _a_day_at_the_coffee_shop(hub, clock)
    before = row_counts(hub)

    preview = _preview(
        hub,
        ("terminal_cards.review_at", "20"),
        ("history_multiple.review_at", "11"),
        ("history_multiple.deny_at", "10000"),
    )

    cards = _rule(preview, RuleCode.TERMINAL_MANY_CARDS)
    assert (cards.current_flags, cards.proposed_flags) == (RUSH - TERMINAL_REVIEW_AT + 1, 0)
    history = _rule(preview, RuleCode.EARN_ABOVE_HISTORY)
    assert (history.current_flags, history.proposed_flags) == (1, 0)
    assert preview.proposed.terminal_cards == Threshold(20)
    assert preview.proposed.history_multiple == Threshold(11, 10_000)
    assert preview.proposed_flagged_operations == 0
    assert preview.current_flagged_operations == RUSH - TERMINAL_REVIEW_AT + 2
    assert row_counts(hub) == before


def test_a_stricter_deny_threshold_counts_declines(hub, coffee, clock):
    _a_day_at_the_coffee_shop(hub, clock)

    preview = _preview(hub, ("terminal_cards.deny_at", "12"))

    cards = _rule(preview, RuleCode.TERMINAL_MANY_CARDS)
    assert (cards.current_declines, cards.proposed_declines) == (0, RUSH - 12 + 1)
    assert preview.proposed_declined_operations == RUSH - 12 + 1


def test_rules_a_replay_cannot_judge_say_why_and_count_nothing(hub, coffee, clock):
    _a_day_at_the_coffee_shop(hub, clock)

    linked = _rule(_preview(hub), RuleCode.LINKED_MEMBERS)

    assert linked.replayed is False
    assert "as they are now" in linked.note
    assert (linked.current_flags, linked.proposed_flags) == (0, 0)


def test_operations_before_the_days_asked_are_not_replayed(hub, coffee, clock):
    _a_day_at_the_coffee_shop(hub, clock)
    clock.advance(timedelta(days=2))

    assert _preview(hub, days=1).operations_examined == 0
    assert _preview(hub, days=3).operations_examined == RUSH + 6


@pytest.mark.parametrize("days", [0, 31])
def test_days_out_of_range_are_refused(hub, coffee, days):
    with pytest.raises(PreviewOutOfRange) as refused:
        _preview(hub, days=days)
    assert refused.value.field == "days"


def test_an_unknown_setting_is_refused_naming_it(hub, coffee):
    with pytest.raises(UnknownFraudSetting) as refused:
        _preview(hub, ("terminal_cards.warn_at", "5"))
    assert refused.value.field == "settings[0].name"
    assert "terminal_cards.review_at" in refused.value.message


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        (("terminal_cards.review_at", "lots"), "fraud.terminal_cards.review_at"),
        (("till_window_s", "never"), "fraud.till_window_s"),
        (("history_min_earns", "51"), "fraud.history_min_earns"),
        (("terminal_cards.deny_at", "5"), "fraud.terminal_cards.deny_at"),
    ],
)
def test_a_value_that_could_not_be_saved_is_refused_naming_the_field(hub, coffee, setting, field):
    with pytest.raises(InvalidRule) as refused:
        _preview(hub, setting)
    assert refused.value.field == field


def test_an_unknown_partner_is_not_found(hub, coffee):
    with pytest.raises(PartnerNotFound):
        hub.operator.preview_fraud_thresholds(PreviewThresholds("nobody", 7))
