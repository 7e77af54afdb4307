"""Rules as operators manage them, stored and audited, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fraud.thresholds import DEFAULT_THRESHOLDS, FraudThresholds, Threshold
from hub import bootstrap
from hub.adapters.repositories.rules import BUDGET_IDS_MAX, SqlRuleRepository
from hub.adapters.tables import campaign_budgets
from hub.domain.errors import (
    CampaignsOverlap,
    HubError,
    InvalidRule,
    PartnerNotFound,
    RuleEnded,
    RuleInPast,
    RuleNotFound,
)
from hub.domain.rules import (
    Campaign,
    Cap,
    CapPeriod,
    EventKind,
    EventRule,
    Exclusions,
    Funder,
    RuleKind,
    Ruleset,
    RuleVersion,
    Stacking,
    StackingMode,
    Tier,
    TierBenefits,
    TierScheme,
    WelcomeBonus,
)
from hub.services.audit import verify_audit
from hub.services.commands import EndRule, ListRules, PutRule
from tests.conftest import OPERATOR, START, add_partner, settings_for
from tests.integration.helpers import row_counts

TIERS = TierScheme((Tier("base", 0), Tier("silver", 1000), Tier("gold", 5000)))
DAY = timedelta(days=1)


def put(hub: bootstrap.Hub, definition, rule_id: str = "", effective_from=None):
    return hub.operator.put_rule(PutRule(rule_id, definition, effective_from, changed_by=OPERATOR))


def end(hub: bootstrap.Hub, rule_id: str, effective_from=None):
    return hub.operator.end_rule(EndRule(rule_id, effective_from, changed_by=OPERATOR))


def listed(hub: bootstrap.Hub, partner_id: str | None = None, at=None):
    return hub.operator.list_rules(ListRules(partner_id, at))


def generation(hub: bootstrap.Hub) -> int:
    with hub.uow_factory(read_only=True) as uow:
        return uow.rules.generation()


def double_points(**changes: object) -> Campaign:
    campaign = Campaign("Double week", START, START + 7 * DAY, multiplier=Decimal(2))
    return replace(campaign, **changes)  # type: ignore[arg-type]


def rule_ids(versions) -> list[tuple[str, int]]:
    return [(version.rule_id, version.version) for version in versions]


# -- putting, changing, scheduling, ending ----------------------------------------------------


def test_a_rule_put_is_stored_with_its_definition_and_author(hub, coffee):
    version = put(hub, TIERS)
    assert (version.rule_id, version.version, version.kind) == ("tiers", 1, RuleKind.TIERS)
    assert (version.effective_from, version.created_at) == (START, START)
    assert version.created_by == OPERATOR.actor
    [stored] = hub.operator.rule_history("tiers").versions
    assert stored == version


def test_every_kind_of_definition_comes_back_as_it_was_put(hub, coffee):
    put(hub, TIERS)
    definitions = {
        "": TierBenefits("coffee", {"gold": Decimal("2")}, {"gold": Decimal("0.012")}),
        "campaign-1": double_points(
            partner_id="coffee",
            categories=("pastry",),
            weekdays=(0, 4),
            day_start_min=420,
            day_end_min=600,
            tiers=("gold",),
            budget_points=5000,
            funder=Funder.COALITION,
        ),
        "cap-1": Cap(CapPeriod.MONTH, 5000, "coffee"),
        "welcome-1": WelcomeBonus(100),
        "review-1": EventRule("coffee", EventKind.REVIEW, 50, 3),
    }
    for rule_id, definition in definitions.items():
        put(hub, definition, rule_id)
    put(hub, Exclusions("coffee", ("tobacco",), False, ("gift-cards",)))
    put(hub, Stacking("coffee", StackingMode.STACK, Decimal(3)))
    in_force = {v.rule_id: v.definition for v in listed(hub).in_force}
    assert in_force["tier-benefits:coffee"] == definitions[""]
    for rule_id in ("campaign-1", "cap-1", "welcome-1", "review-1"):
        assert in_force[rule_id] == definitions[rule_id]
    assert in_force["exclusions:coffee"] == Exclusions(
        "coffee", ("tobacco",), False, ("gift-cards",)
    )
    assert in_force["stacking:coffee"] == Stacking("coffee", StackingMode.STACK, Decimal(3))


def test_fraud_thresholds_come_back_as_they_were_put_with_their_thresholds_off(hub, coffee):
    partner = FraudThresholds(
        "coffee",
        velocity_window_s=1800,
        velocity_count=Threshold(10, 30),
        velocity_points=Threshold(None, 50_000),
        linked_members=Threshold(),
        farming_days=14,
    )
    coalition = FraudThresholds(dormant_days=365, dormant_burn_percent=Threshold(70, 95))
    stored = put(hub, partner)
    put(hub, coalition, "fraud")
    assert (stored.rule_id, stored.kind, stored.partner_id) == (
        "fraud:coffee",
        RuleKind.FRAUD,
        "coffee",
    )
    [history] = hub.operator.rule_history("fraud:coffee").versions
    assert history.definition == partner
    in_force = listed(hub, "coffee").in_force
    assert {v.rule_id: v.definition for v in in_force} == {
        "fraud": coalition,
        "fraud:coffee": partner,
    }
    rules = Ruleset.in_force(in_force, START)
    assert rules.fraud_thresholds("coffee") == partner
    assert rules.fraud_thresholds("fuel") == coalition


def test_a_partner_without_fraud_thresholds_gets_the_defaults_until_some_are_put(hub, coffee):
    def in_force() -> FraudThresholds:
        return Ruleset.in_force(listed(hub).in_force, START).fraud_thresholds("coffee")

    assert in_force() == DEFAULT_THRESHOLDS
    put(hub, FraudThresholds("coffee", till_window_s=60))
    assert in_force() == FraudThresholds("coffee", till_window_s=60)
    [added] = hub.operator.list_audit(limit=1, action="rule.put")
    assert (added.event.target, added.event.details["partner"]) == ("rule:fraud:coffee", "coffee")


def test_each_change_raises_the_generation_by_one(hub, coffee):
    before = generation(hub)
    put(hub, TIERS)
    put(hub, replace(TIERS, tiers=(*TIERS.tiers, Tier("platinum", 20_000))))
    end(hub, "tiers")
    assert generation(hub) == before + 3


def test_a_version_added_straight_to_the_store_raises_the_generation_too(hub, coffee):
    before = generation(hub)
    version = RuleVersion("daily", 1, RuleKind.CAP, START, Cap(CapPeriod.DAY, 5), START, "test")
    with hub.uow_factory() as uow:
        uow.rules.add(version)
        uow.commit()
    assert generation(hub) == before + 1
    assert hub.operator.rule_history("daily").versions == (version,)


def test_a_change_is_a_new_version_and_the_old_one_stays(hub, coffee, clock):
    put(hub, TIERS)
    clock.advance(DAY)
    changed = put(hub, replace(TIERS, tiers=TIERS.tiers[:2]))
    history = hub.operator.rule_history("tiers").versions
    assert [v.version for v in history] == [1, 2]
    assert history[0].definition == TIERS
    assert changed.effective_from == START + DAY
    assert listed(hub, at=START).in_force[0].definition == TIERS
    assert listed(hub).in_force[0].definition == changed.definition


def test_a_scheduled_change_is_listed_as_scheduled_until_it_takes_effect(hub, coffee):
    put(hub, TIERS)
    later = START + 30 * DAY
    put(hub, replace(TIERS, tiers=TIERS.tiers[:2]), effective_from=later)
    now = listed(hub)
    assert rule_ids(now.in_force) == [("tiers", 1)]
    assert rule_ids(now.scheduled) == [("tiers", 2)]
    then = listed(hub, at=later)
    assert rule_ids(then.in_force) == [("tiers", 2)]
    assert then.scheduled == ()


def test_an_ended_rule_leaves_the_rules_in_force(hub, coffee, clock):
    put(hub, double_points(partner_id="coffee"), "double")
    ending = end(hub, "double", START + DAY)
    assert (ending.version, ending.kind, ending.ended) == (2, RuleKind.CAMPAIGN, True)
    assert rule_ids(listed(hub, "coffee").scheduled) == [("double", 2)]
    clock.advance(DAY)
    assert listed(hub).in_force == ()
    assert [v.ended for v in hub.operator.rule_history("double").versions] == [False, True]


def test_a_partners_list_shows_its_own_rules_and_the_coalitions(hub, coffee):
    add_partner(hub, "fuel")
    put(hub, TIERS)
    put(hub, Cap(CapPeriod.DAY, 500), "daily")
    put(hub, Cap(CapPeriod.DAY, 300, "coffee"), "coffee-daily")
    put(hub, Cap(CapPeriod.DAY, 200, "fuel"), "fuel-daily")
    end(hub, "fuel-daily", START + DAY)
    coffee_view = listed(hub, "coffee")
    assert {v.rule_id for v in coffee_view.in_force} == {"tiers", "daily", "coffee-daily"}
    assert coffee_view.scheduled == ()
    assert rule_ids(listed(hub, "fuel").scheduled) == [("fuel-daily", 2)]
    assert len(listed(hub).in_force) == 4


# -- campaign budgets -------------------------------------------------------------------------


def budget_rows(hub: bootstrap.Hub) -> dict[str, int]:
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(campaign_budgets)).all()
    return {row.rule_id: row.spent_points for row in rows}


def test_a_campaign_with_a_budget_opens_its_budget_row_once(hub, coffee):
    put(hub, double_points(budget_points=1000), "budgeted")
    put(hub, double_points(), "unbudgeted")
    put(hub, double_points(budget_points=2000), "budgeted")
    assert budget_rows(hub) == {"budgeted": 0}


def test_spending_a_budget_adds_up_and_is_reported(hub, coffee):
    put(hub, double_points(budget_points=1000), "budgeted")
    for points in (120, 30):
        with hub.uow_factory() as uow:
            spent = uow.rules.budget_spent(["budgeted", "other"], lock=True)
            assert spent["other"] == 0
            uow.rules.spend_budget({"budgeted": points})
            uow.commit()
    with hub.uow_factory(read_only=True) as uow:
        assert uow.rules.budget_spent(["budgeted", "missing"], lock=False) == {
            "budgeted": 150,
            "missing": 0,
        }
    assert hub.operator.rule_history("budgeted").budget_spent_points == 150


def test_budgets_of_many_campaigns_are_read_in_chunks(hub, coffee):
    ids = [f"c-{n:03d}" for n in range(BUDGET_IDS_MAX + 6)]
    with hub.uow_factory() as uow:
        uow.rules.spend_budget(dict.fromkeys(ids, 5))
        uow.commit()
    with hub.uow_factory(read_only=True) as uow:
        assert uow.rules.budget_spent(ids, lock=False) == dict.fromkeys(ids, 5)


def test_a_rolled_back_spend_leaves_the_budget(hub, coffee):
    put(hub, double_points(budget_points=1000), "budgeted")
    with hub.uow_factory() as uow:
        uow.rules.spend_budget({"budgeted": 999})
    assert budget_rows(hub) == {"budgeted": 0}


# -- the audit log ----------------------------------------------------------------------------


def test_every_change_is_audited_and_the_chain_still_verifies(hub, coffee):
    put(hub, Exclusions("coffee", ("tobacco",)))
    end(hub, "exclusions:coffee")
    ended, added = hub.operator.list_audit(limit=2)
    assert (added.event.action, added.event.target) == ("rule.put", "rule:exclusions:coffee")
    assert dict(added.event.details) == {
        "kind": "exclusions",
        "version": 1,
        "effective_from": START.isoformat(),
        "partner": "coffee",
    }
    assert (ended.event.action, ended.event.details["version"]) == ("rule.end", 2)
    assert ended.event.details["partner"] == "coffee"
    assert (added.event.actor, added.event.reason) == (OPERATOR.actor, OPERATOR.reason)
    assert verify_audit(uow_factory=hub.uow_factory, keys=hub.settings.audit_keys()).ok


def test_a_change_without_a_reason_is_refused_and_writes_nothing(hub, coffee):
    counts = row_counts(hub)
    with pytest.raises(HubError) as refused:
        hub.operator.put_rule(PutRule("", TIERS, changed_by=replace(OPERATOR, reason=" ")))
    assert refused.value.reason == "INVALID_FIELD"
    assert row_counts(hub) == counts


# -- refusals: each provoked, nothing written -------------------------------------------------


def refused(hub: bootstrap.Hub, error: type[HubError], call) -> HubError:
    counts, before = row_counts(hub), generation(hub)
    with pytest.raises(error) as caught:
        call()
    assert row_counts(hub) == counts
    assert generation(hub) == before
    return caught.value


def test_a_rule_cannot_take_effect_in_the_past(hub, coffee):
    error = refused(hub, RuleInPast, lambda: put(hub, TIERS, effective_from=START - DAY))
    assert (error.reason, error.metadata["field"]) == ("RULE_IN_PAST", "effective_from")


def test_ending_or_showing_an_unknown_rule_is_rule_not_found(hub, coffee):
    assert refused(hub, RuleNotFound, lambda: end(hub, "nope")).reason == "RULE_NOT_FOUND"
    with pytest.raises(RuleNotFound):
        hub.operator.rule_history("nope")


def test_an_ended_rule_stays_ended(hub, coffee):
    put(hub, Cap(CapPeriod.DAY, 500), "daily")
    end(hub, "daily")
    error = refused(hub, RuleEnded, lambda: put(hub, Cap(CapPeriod.DAY, 600), "daily"))
    assert error.reason == "RULE_ENDED"
    refused(hub, RuleEnded, lambda: end(hub, "daily"))


def test_exclusive_campaigns_may_not_overlap(hub, coffee):
    put(hub, double_points(exclusive=True), "first")
    error = refused(hub, CampaignsOverlap, lambda: put(hub, double_points(exclusive=True), "two"))
    assert error.reason == "CAMPAIGNS_OVERLAP"
    put(hub, double_points(exclusive=True, starts_at=START + 7 * DAY, ends_at=None), "after")


@pytest.mark.parametrize(
    ("definition", "rule_id", "field"),
    [
        (double_points(multiplier=Decimal("0.5")), "half", "campaign.multiplier"),
        (Cap(CapPeriod.DAY, 0), "zero", "cap.limit_points"),
        (Cap(CapPeriod.DAY, 10), "", "rule_id"),
        (TierBenefits("coffee", {"gold": Decimal(2)}), "", "tier_benefits.multipliers.gold"),
        (
            FraudThresholds("coffee", velocity_count=Threshold(60, 20)),
            "",
            "fraud.velocity_count.deny_at",
        ),
        (FraudThresholds(farming_days=91), "", "fraud.farming_days"),
        (FraudThresholds("coffee"), "fraud", "rule_id"),
        (Cap(CapPeriod.DAY, 10), "fraud:coffee", "rule_id"),
    ],
)
def test_an_invalid_rule_names_its_field(hub, coffee, definition, rule_id, field):
    error = refused(hub, InvalidRule, lambda: put(hub, definition, rule_id))
    assert (error.reason, error.metadata["field"]) == ("INVALID_RULE", field)


def test_a_rule_of_an_unknown_partner_is_partner_not_found(hub, coffee):
    error = refused(hub, PartnerNotFound, lambda: put(hub, Exclusions("ghost", ("tobacco",))))
    assert error.reason == "PARTNER_NOT_FOUND"
    refused(hub, PartnerNotFound, lambda: listed(hub, "ghost"))
    ghost = refused(hub, PartnerNotFound, lambda: put(hub, FraudThresholds("ghost")))
    assert ghost.reason == "PARTNER_NOT_FOUND"


# -- races ------------------------------------------------------------------------------------


@pytest.fixture
def pg_hub(pg_url, clock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(settings_for(pg_url), clock=clock)
    add_partner(wired, "coffee")
    yield wired
    wired.close()


def racing(calls, monkeypatch) -> tuple[list[object], int]:
    """Run ``calls`` at once, each first attempt holding until all have read the rules; their
    results (or errors), and how many attempts read the rules."""
    read_all = threading.Barrier(len(calls))
    first = threading.local()
    original = SqlRuleRepository.versions
    reads: list[int] = []

    def versions(self: SqlRuleRepository):
        found = original(self)
        reads.append(1)
        if not getattr(first, "done", False):
            first.done = True
            read_all.wait(timeout=10)
        return found

    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except HubError as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with monkeypatch.context() as patch:
        patch.setattr(SqlRuleRepository, "versions", versions)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return results, len(reads)


@pytest.mark.postgres
def test_two_changes_of_one_rule_at_once_both_land_one_after_the_other(pg_hub, monkeypatch):
    put(pg_hub, Cap(CapPeriod.DAY, 100), "daily")
    results, attempts = racing(
        [lambda n=n: put(pg_hub, Cap(CapPeriod.DAY, 200 + n), "daily") for n in range(2)],
        monkeypatch,
    )
    assert attempts == 3  # the loser ran again on what the winner committed
    assert sorted(result.version for result in results) == [2, 3]  # type: ignore[union-attr]
    assert [v.version for v in pg_hub.operator.rule_history("daily").versions] == [1, 2, 3]
    assert generation(pg_hub) == 3


@pytest.mark.postgres
def test_two_overlapping_exclusive_campaigns_put_at_once_one_is_refused(pg_hub, monkeypatch):
    results, attempts = racing(
        [lambda n=n: put(pg_hub, double_points(exclusive=True), f"excl-{n}") for n in range(2)],
        monkeypatch,
    )
    assert attempts == 3
    kinds = sorted(type(result).__name__ for result in results)
    assert kinds == ["CampaignsOverlap", "RuleVersion"]
    assert len(listed(pg_hub).in_force) == 1
