"""Reconciliation on both stores: partners' reports matched against a settled day, the
exceptions, their acceptance, and approval by another officer.

The day (2026-11-22, UTC, cutoff midnight), all at coffee (1 point per euro):

  earn A-1 EUR 10: 10 points        earn A-2 EUR 25: 25 points      earn A-3 EUR 40: 40 points
  hold of 30 points, 20 captured    5 of them refunded              EUR 10 of A-3 refunded: 10
  a review bonus: 20 points         and at fuel, another partner, an earn of its own
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import settlement_exceptions, settlement_report_items, settlement_reports
from hub.domain.audit import AuditEvent
from hub.domain.clock import ManualClock
from hub.domain.currencies import currency
from hub.domain.errors import (
    ExceptionAlreadyAccepted,
    ExceptionNotFound,
    ExceptionsOpen,
    InvalidField,
    InvalidReport,
    PartnerNotFound,
    SameOfficer,
    SettlementApproved,
    SettlementNotFound,
)
from hub.domain.money import Money
from hub.domain.rules import EventKind, EventRule
from hub.services.commands import (
    AcceptException,
    ApproveSettlement,
    Attribution,
    GrantEvent,
    ImportReport,
    ListExceptions,
    PutRule,
    RefundEarn,
    RefundRedemption,
    RunSettlement,
)
from hub.services.ports.reconciliation import (
    ExceptionKind,
    ExceptionStatus,
    ReconciliationExceptionView,
)
from hub.services.results import EarnRefunded, ReconciliationView, RunStatus, SettlementRunView
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.integration.helpers import authorize_command, capture, card, earn, enroll, row_counts

DAY = date(2026, 11, 22)
RUNNER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
APPROVER = Attribution("spiffe://coalition.hub/staff/officer/igor", "reports reconciled")
COFFEE = Attribution("spiffe://coalition.hub/partner/coffee", "coffee's report")
HEADER = "kind,order_id,transaction_id,points"


@pytest.fixture
def hub(database_url: str, clock: ManualClock) -> Iterator[bootstrap.Hub]:
    # Earns, a burn and refunds of one member within minutes would rightly be held for review
    # by the fraud checks; reconciliation is what is under test here.
    settings = replace(settings_for(database_url), fraud_checks=False)
    wired = bootstrap.build(settings, clock=clock)
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    assert report.ok, report.violations


@dataclass(frozen=True)
class Day:
    """The settled day's transactions at coffee (and fuel's earn), by name."""

    earn_1: uuid.UUID
    earn_2: uuid.UUID
    earn_3: uuid.UUID
    capture: uuid.UUID
    refund_redemption: uuid.UUID
    refund_earn: uuid.UUID
    bonus: uuid.UUID
    fuel_earn: uuid.UUID

    def lines(self) -> list[Line]:
        """Coffee's report as its books have it: some lines by transaction id, some by order."""
        return [
            ("earn", "A-1", "", 10),
            ("earn", "", self.earn_2, 25),
            ("earn", "A-3", self.earn_3, 40),
            ("redemption", "H-1", "", 20),
            ("refund_redemption", "", self.refund_redemption, 5),
            ("refund_earn", "A-3", "", 10),
            ("bonus", "", self.bonus, 20),
        ]


Line = tuple[str, str, object, int]


def csv_report(*lines: Line) -> bytes:
    rows = [",".join(str(field) for field in line) for line in lines]
    return "\n".join([HEADER, *rows]).encode()


def euros(amount_minor: int) -> Money:
    return Money(amount_minor, currency("EUR"))


def refund_earn(hub: bootstrap.Hub, earn_id: uuid.UUID, amount_minor: int) -> EarnRefunded:
    command = RefundEarn("coffee", uuid.uuid4().hex, earn_id, euros(amount_minor))
    return hub.partner_api().refund_earn(command)


def make_day(
    hub: bootstrap.Hub, clock: ManualClock, *, also: Callable[[Day], None] | None = None
) -> Day:
    """The day above, and what ``also`` does before it is settled."""
    add_partner(hub, "coffee")
    add_partner(hub, "fuel")
    rule = EventRule("coffee", EventKind.REVIEW, 20, max_per_member=1)
    hub.operator.put_rule(PutRule("review", rule, changed_by=OPERATOR))
    enroll(hub)
    partners = hub.partner_api()
    earns = [
        earn(hub, card(), minor, order_id=f"A-{n}")
        for n, minor in ((1, 1_000), (2, 2_500), (3, 4_000))
    ]
    command = authorize_command(card(), 30)
    hold = partners.authorize(replace(command, purchase=replace(command.purchase, order_id="H-1")))
    captured = capture(hub, hold.hold_id, 20).transaction_id
    refund = RefundRedemption("coffee", uuid.uuid4().hex, hold.hold_id, 5)
    refunded = partners.refund_redemption(refund)
    bonus = partners.grant_event(GrantEvent("coffee", uuid.uuid4().hex, card(), EventKind.REVIEW))
    fuel_earn = earn(hub, card(), 1_000, partner_id="fuel", order_id="A-1").transaction_id
    day = Day(
        *(e.transaction_id for e in earns),
        captured,
        refunded.transaction_id,
        refund_earn(hub, earns[2].transaction_id, 1_000).transaction_id,
        bonus.transaction_id,
        fuel_earn,
    )
    if also is not None:
        also(day)
    settle(hub, clock)
    return day


def settle(hub: bootstrap.Hub, clock: ManualClock) -> None:
    """Close the day (its cutoff and grace passed) and settle it."""
    clock.advance(datetime(2026, 11, 23, 0, 10, tzinfo=UTC) - clock.now())
    assert hub.settlement_api().run(RunSettlement(DAY, RUNNER)).status is RunStatus.RAN


@pytest.fixture
def day(hub: bootstrap.Hub, clock: ManualClock) -> Day:
    return make_day(hub, clock)


def import_report(
    hub: bootstrap.Hub, report: bytes, partner_id: str = "coffee", business_date: date = DAY
) -> ReconciliationView:
    command = ImportReport(business_date, partner_id, report, COFFEE)
    return hub.settlement_api().import_report(command)


def one_missing_at_hub(hub: bootstrap.Hub, day: Day) -> ReconciliationExceptionView:
    """Import coffee's report with one line more than the hub has, and that line's exception."""
    [missing] = import_report(hub, csv_report(*day.lines(), ("earn", "A-9", "", 7))).exceptions
    return missing


def exceptions(hub: bootstrap.Hub, **options: object) -> tuple[ReconciliationExceptionView, ...]:
    page = hub.settlement_api().list_exceptions(ListExceptions(DAY, **options))  # type: ignore[arg-type]
    return page.exceptions


def accept(
    hub: bootstrap.Hub, exception_id: uuid.UUID, note: str = "agreed with coffee"
) -> ReconciliationExceptionView:
    by = Attribution(APPROVER.actor, note)
    return hub.settlement_api().accept_exception(AcceptException(exception_id, by))


def approve(
    hub: bootstrap.Hub, by: Attribution = APPROVER, business_date: date = DAY
) -> SettlementRunView:
    return hub.settlement_api().approve(ApproveSettlement(business_date, by))


def summary(view: ReconciliationView) -> list[tuple[object, ...]]:
    """Each exception as (kind, item kind, line, order id, hub points, partner points)."""
    return [
        (e.kind, e.item_kind, e.report_line, e.order_id, e.hub_points, e.partner_points)
        for e in view.exceptions
    ]


def audited(hub: bootstrap.Hub, action: str) -> list[AuditEvent]:
    return [record.event for record in hub.operator.list_audit(limit=100, action=action)]


def count(hub: bootstrap.Hub, table: sa.Table) -> int:
    with hub.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# -- matching -------------------------------------------------------------------------------


def test_a_report_agreeing_with_the_ledger_matches_every_line_by_id_or_order(hub, day):
    view = import_report(hub, csv_report(*day.lines()))
    assert (view.matched, view.exceptions) == (7, ())
    with hub.engine.connect() as connection:
        stored = connection.execute(sa.select(settlement_reports)).one()
    assert (stored.partner_id, stored.line_count, stored.matched) == ("coffee", 7, 7)
    assert (stored.submitted_by, stored.submitted_at) == (COFFEE.actor, hub.clock.now())
    assert hub.settlement_api().get(DAY).open_exceptions == 0


def test_the_run_names_the_partners_that_sent_no_report(hub, day):
    assert hub.settlement_api().get(DAY).unreported == ("coffee", "fuel")

    import_report(hub, csv_report(*day.lines()))

    assert hub.settlement_api().get(DAY).unreported == ("fuel",)


def test_every_kind_of_difference_becomes_an_open_exception(hub, day):
    report = csv_report(
        ("earn", "A-1", "", 12),  # the hub has 10
        ("earn", "A-2", "", 25),
        ("earn", "A-9", "", 7),  # no such order
        ("redemption", "H-1", day.capture, 20),
        ("bonus", "", day.bonus, 20),
    )
    view = import_report(hub, report)
    assert view.matched == 3
    assert summary(view) == [
        (ExceptionKind.AMOUNT_MISMATCH, "earn", 1, "A-1", 10, 12),
        (ExceptionKind.MISSING_AT_HUB, "earn", 3, "A-9", None, 7),
        (ExceptionKind.MISSING_AT_PARTNER, "earn", None, "A-3", 40, None),
        (ExceptionKind.MISSING_AT_PARTNER, "refund_earn", None, "A-3", 10, None),
        (ExceptionKind.MISSING_AT_PARTNER, "refund_redemption", None, "H-1", 5, None),
    ]
    ids = [e.transaction_id for e in view.exceptions]
    assert ids == [day.earn_1, None, day.earn_3, day.refund_earn, day.refund_redemption]
    assert {e.status for e in view.exceptions} == {ExceptionStatus.OPEN}
    assert hub.settlement_api().get(DAY).open_exceptions == 5


def test_a_transaction_id_matches_only_an_item_of_the_same_kind(hub, day):
    lines = day.lines()
    lines[1] = ("redemption", "", day.earn_2, 25)
    view = import_report(hub, csv_report(*lines))
    assert view.matched == 6
    assert [(e.kind, e.item_kind, e.transaction_id) for e in view.exceptions] == [
        (ExceptionKind.MISSING_AT_HUB, "redemption", day.earn_2),
        (ExceptionKind.MISSING_AT_PARTNER, "earn", day.earn_2),
    ]


def test_an_item_matched_by_its_transaction_id_is_not_matched_again_by_its_order_id(hub, day):
    view = import_report(hub, csv_report(*day.lines(), ("earn", "A-3", "", 40)))
    assert view.matched == 7
    assert summary(view) == [(ExceptionKind.MISSING_AT_HUB, "earn", 8, "A-3", None, 40)]


def test_items_sharing_an_order_id_pair_in_order_of_points(hub, clock):
    # A second partial refund of A-3: two refund_earn items of order A-3, of 10 and 20 points.
    day = make_day(hub, clock, also=lambda day: refund_earn(hub, day.earn_3, 2_000) and None)
    others = [line for line in day.lines() if line[0] != "refund_earn"]
    agreeing = [("refund_earn", "A-3", "", 20), ("refund_earn", "A-3", "", 10)]
    assert import_report(hub, csv_report(*agreeing, *others)).exceptions == ()
    differing = [("refund_earn", "A-3", "", n) for n in (25, 10, 10)]
    view = import_report(hub, csv_report(*differing, *others))
    assert view.matched == 7
    # Fewest points first on each side: lines 2 and 3 (10 each) pair with the hub's 10 and 20.
    assert summary(view) == [
        (ExceptionKind.AMOUNT_MISMATCH, "refund_earn", 3, "A-3", 20, 10),
        (ExceptionKind.MISSING_AT_HUB, "refund_earn", 1, "A-3", None, 25),
    ]


def test_a_refund_that_reversed_no_points_is_not_expected_in_the_report(hub, clock):
    # Refunds reverse ceil(points * refunded share), cumulatively: a cent of A-1's EUR 10
    # reverses 1 of its 10 points, and a second cent none.
    refunds: list[EarnRefunded] = []
    day = make_day(
        hub, clock, also=lambda day: refunds.extend(refund_earn(hub, day.earn_1, 1) for _ in "12")
    )
    assert [refund.points_reversed for refund in refunds] == [1, 0]
    view = import_report(hub, csv_report(*day.lines(), ("refund_earn", "A-1", "", 1)))
    assert (view.matched, view.exceptions) == (8, ())


def test_only_the_partners_own_transactions_in_the_runs_window_are_expected(hub, day):
    tomorrow = earn(hub, card(), 1_000, order_id="B-1").transaction_id
    lines = [("earn", "B-1", tomorrow, 10), ("earn", "", day.fuel_earn, 10)]
    view = import_report(hub, csv_report(*day.lines(), *lines))
    assert view.matched == 7
    assert [(e.kind, e.report_line) for e in view.exceptions] == [
        (ExceptionKind.MISSING_AT_HUB, 8),
        (ExceptionKind.MISSING_AT_HUB, 9),
    ]
    fuel = import_report(hub, csv_report(("earn", "A-1", "", 10)), partner_id="fuel")
    assert (fuel.matched, fuel.exceptions) == (1, ())


def test_a_new_report_replaces_the_partners_previous_one_and_its_exceptions(hub, day):
    accept(hub, one_missing_at_hub(hub, day).id)
    second = import_report(hub, csv_report(*day.lines()))
    assert (second.matched, second.exceptions) == (7, ())
    assert exceptions(hub, include_accepted=True) == ()
    assert (count(hub, settlement_reports), count(hub, settlement_report_items)) == (1, 7)


def test_importing_a_report_is_audited(hub, day):
    report = csv_report(("earn", "A-1", "", 12))
    import_report(hub, report)
    [event] = audited(hub, "settlement.report.import")
    assert (event.actor, event.target, event.reason) == (
        COFFEE.actor,
        "settlement:2026-11-22:coffee",
        COFFEE.reason,
    )
    assert event.details == {
        "lines": 1,
        "matched": 0,
        "missing_at_hub": 0,
        "missing_at_partner": 6,
        "amount_mismatch": 1,
        "sha256": hashlib.sha256(report).hexdigest(),
    }


# -- refused reports ------------------------------------------------------------------------


def test_a_report_for_a_day_not_settled_is_refused_and_nothing_is_written(hub, day):
    before = row_counts(hub)
    with pytest.raises(SettlementNotFound):
        import_report(hub, csv_report(*day.lines()), business_date=DAY + timedelta(days=1))
    assert row_counts(hub) == before


def test_a_report_for_an_approved_day_is_refused_and_nothing_is_written(hub, day):
    approve(hub)
    before = row_counts(hub)
    with pytest.raises(SettlementApproved):
        import_report(hub, csv_report(*day.lines()))
    assert row_counts(hub) == before


def test_a_report_of_an_unknown_partner_is_refused_and_nothing_is_written(hub, day):
    before = row_counts(hub)
    with pytest.raises(PartnerNotFound):
        import_report(hub, csv_report(*day.lines()), partner_id="nobody")
    assert row_counts(hub) == before


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("earn,A-2,,0", "points must be 1.."),
        ("earn,A-2,,1.5", "points must be a positive integer"),
        ("earn,,not-a-uuid,5", "transaction_id must be a UUID"),
        ("cashback,A-2,,5", "kind must be one of"),
        ("earn,,,5", "order_id and transaction_id are both empty"),
    ],
)
def test_a_bad_line_refuses_the_report_naming_it_and_keeps_the_previous_one(
    hub, day, bad_line, message
):
    import_report(hub, csv_report(*day.lines()))
    before = row_counts(hub)
    report = f"{HEADER}\nearn,A-1,,10\n\n{bad_line}\nearn,A-3,,40".encode()
    with pytest.raises(InvalidReport, match=f"^line 3: {message}") as raised:
        import_report(hub, report)
    assert raised.value.field == "line 3"
    assert row_counts(hub) == before
    assert count(hub, settlement_exceptions) == 0


def test_a_transaction_id_reported_twice_refuses_the_report_and_nothing_is_written(hub, day):
    before = row_counts(hub)
    report = csv_report(*day.lines(), ("earn", "A-2", day.earn_2, 25))
    with pytest.raises(InvalidReport, match="repeated") as raised:
        import_report(hub, report)
    assert raised.value.field == "line 8"
    assert row_counts(hub) == before


def test_a_report_without_its_header_is_refused_and_nothing_is_written(hub, day):
    before = row_counts(hub)
    with pytest.raises(InvalidReport, match="unknown column"):
        import_report(hub, b"earn,A-1,,10\n")
    assert row_counts(hub) == before


# -- listing and accepting exceptions --------------------------------------------------------


def test_exceptions_are_listed_by_partner_and_only_open_ones_unless_asked(hub, day):
    coffee_missing = one_missing_at_hub(hub, day)
    fuel = import_report(hub, csv_report(("earn", "Z-1", "", 3)), partner_id="fuel")
    fuel_missing, fuel_unreported = fuel.exceptions
    assert (fuel_missing.kind, fuel_unreported.kind) == (
        ExceptionKind.MISSING_AT_HUB,
        ExceptionKind.MISSING_AT_PARTNER,
    )
    assert fuel_unreported.transaction_id == day.fuel_earn
    assert exceptions(hub) == (coffee_missing, fuel_missing, fuel_unreported)
    assert exceptions(hub, partner_id="fuel") == (fuel_missing, fuel_unreported)
    accepted = accept(hub, fuel_missing.id)
    assert exceptions(hub, partner_id="fuel") == (fuel_unreported,)
    assert exceptions(hub, partner_id="fuel", include_accepted=True) == (accepted, fuel_unreported)


def test_listing_the_exceptions_of_a_day_not_settled_is_refused(hub, day):
    with pytest.raises(SettlementNotFound):
        hub.settlement_api().list_exceptions(ListExceptions(DAY - timedelta(days=1)))


def test_an_officer_accepts_an_exception_with_a_note_and_it_is_audited(hub, day, clock):
    missing = one_missing_at_hub(hub, day)
    clock.advance(timedelta(minutes=5))
    accepted = accept(hub, missing.id, "coffee's till counted A-9 twice")
    assert accepted == replace(
        missing,
        status=ExceptionStatus.ACCEPTED,
        accepted_at=clock.now(),
        accepted_by=APPROVER.actor,
        note="coffee's till counted A-9 twice",
    )
    assert exceptions(hub, include_accepted=True) == (accepted,)
    [event] = audited(hub, "settlement.exception.accept")
    assert (event.actor, event.target, event.reason) == (
        APPROVER.actor,
        f"exception:{missing.id}",
        "coffee's till counted A-9 twice",
    )
    assert event.details == {
        "business_date": "2026-11-22",
        "partner": "coffee",
        "kind": "missing_at_hub",
    }


def test_accepting_an_unknown_exception_is_refused_and_nothing_is_written(hub, day):
    before = row_counts(hub)
    with pytest.raises(ExceptionNotFound):
        accept(hub, uuid.uuid4())
    assert row_counts(hub) == before


def test_accepting_an_exception_twice_is_refused_and_nothing_is_written(hub, day):
    accepted = accept(hub, one_missing_at_hub(hub, day).id)
    before = row_counts(hub)
    with pytest.raises(ExceptionAlreadyAccepted):
        accept(hub, accepted.id, "again")
    assert row_counts(hub) == before
    assert exceptions(hub, include_accepted=True) == (accepted,)


def test_accepting_an_exception_without_a_note_is_refused_and_nothing_is_written(hub, day):
    missing = one_missing_at_hub(hub, day)
    before = row_counts(hub)
    with pytest.raises(InvalidField) as raised:
        accept(hub, missing.id, "  ")
    assert raised.value.field == "note"
    assert row_counts(hub) == before
    assert exceptions(hub) == (missing,)


def test_accepting_an_exception_of_an_approved_day_is_refused_and_nothing_is_written(hub, day):
    accepted = accept(hub, one_missing_at_hub(hub, day).id)
    approve(hub)
    before = row_counts(hub)
    with pytest.raises(SettlementApproved):
        accept(hub, accepted.id, "again")
    assert row_counts(hub) == before


# -- approval -------------------------------------------------------------------------------


def test_a_run_is_approved_by_another_officer_once_every_exception_is_accepted(hub, day, clock):
    view = import_report(hub, csv_report(("earn", "A-1", "", 12)))
    with pytest.raises(ExceptionsOpen, match=r"^7 reconciliation exceptions"):
        approve(hub)
    for exception in view.exceptions:
        accept(hub, exception.id)
    clock.advance(timedelta(minutes=30))
    approved = approve(hub)
    assert (approved.status, approved.approved_by, approved.approved_at) == (
        RunStatus.APPROVED,
        APPROVER.actor,
        clock.now(),
    )
    assert approved.open_exceptions == 0
    assert hub.settlement_api().get(DAY) == approved
    [event] = audited(hub, "settlement.approve")
    assert (event.actor, event.target, event.reason) == (
        APPROVER.actor,
        "settlement:2026-11-22",
        APPROVER.reason,
    )


def test_partners_without_a_report_do_not_hold_approval_back(hub, day):
    assert approve(hub).status is RunStatus.APPROVED
    assert count(hub, settlement_reports) == 0


def test_the_officer_who_ran_a_settlement_cannot_approve_it_and_nothing_is_written(hub, day):
    before = row_counts(hub)
    with pytest.raises(SameOfficer):
        approve(hub, Attribution(RUNNER.actor, "looks right to me"))
    assert row_counts(hub) == before
    assert hub.settlement_api().get(DAY).status is RunStatus.RAN


def test_approving_with_open_exceptions_is_refused_and_nothing_is_written(hub, day):
    one_missing_at_hub(hub, day)
    before = row_counts(hub)
    with pytest.raises(ExceptionsOpen):
        approve(hub)
    assert row_counts(hub) == before
    assert hub.settlement_api().get(DAY).status is RunStatus.RAN


def test_approving_a_day_not_settled_is_refused_and_nothing_is_written(hub, day):
    before = row_counts(hub)
    with pytest.raises(SettlementNotFound):
        approve(hub, business_date=DAY + timedelta(days=1))
    assert row_counts(hub) == before


def test_approving_a_run_twice_is_refused_and_nothing_is_written(hub, day):
    approve(hub)
    before = row_counts(hub)
    with pytest.raises(SettlementApproved):
        approve(hub)
    assert row_counts(hub) == before


def test_approving_without_a_note_is_refused_and_nothing_is_written(hub, day):
    before = row_counts(hub)
    with pytest.raises(InvalidField):
        approve(hub, Attribution(APPROVER.actor, ""))
    assert row_counts(hub) == before


# -- races ----------------------------------------------------------------------------------


def race(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` at once, each on its own thread and connection; what each returned or
    raised."""
    start, outcomes = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = calls[index]()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(5))
def test_an_import_racing_an_approval_never_leaves_an_approved_day_with_exceptions_open(
    pg_url, clock, attempt
):
    wired = bootstrap.build(replace(settings_for(pg_url), fraud_checks=False), clock=clock)
    try:
        make_day(wired, clock)
        report = csv_report(("earn", "A-9", "", 7))
        approved, imported = race(lambda: approve(wired), lambda: import_report(wired, report))
        if isinstance(imported, SettlementApproved):
            assert wired.settlement_api().get(DAY) == approved
        else:
            assert isinstance(approved, ExceptionsOpen)
            assert isinstance(imported, ReconciliationView)
            assert wired.settlement_api().get(DAY).open_exceptions == len(imported.exceptions)
    finally:
        wired.close()
