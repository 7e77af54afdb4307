"""Reconciliation at any size, on both stores: counts from the database, exceptions a page at a
time, bulk acceptance with one note; refunds matched by their original's order id; late
operations matched on the day that settled them.

The day is ``test_reconciliation``'s (coffee's earns A-1..A-3, hold H-1, refunds, a bonus).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from hub import bootstrap
from hub.domain.clock import ManualClock
from hub.domain.errors import (
    ExceptionsOpen,
    InvalidField,
    InvalidPageToken,
    PartnerNotFound,
    SameOfficer,
    SettlementApproved,
)
from hub.services.commands import AcceptExceptions, Attribution, ListExceptions, RunSettlement
from hub.services.exception_pages import EXCEPTIONS_PAGE_SIZE_DEFAULT, EXCEPTIONS_PAGE_SIZE_MAX
from hub.services.ports.reconciliation import ExceptionCounts, ExceptionKind, ExceptionStatus
from hub.services.results import ExceptionPage
from tests.integration import test_reconciliation as base
from tests.integration.helpers import card, earn, row_counts
from tests.integration.test_reconciliation import (
    APPROVER,
    DAY,
    RUNNER,
    Day,
    approve,
    audited,
    csv_report,
    import_report,
)

hub = base.hub
day = base.day

OFFICER = Attribution(APPROVER.actor, "coffee's till was offline; checked with its back office")
EXTRA_LINES = 250
"""More lines the hub does not have than a default page holds."""


def extra(count: int = EXTRA_LINES) -> list[tuple[str, str, str, int]]:
    return [("earn", f"X-{n:04}", "", 1) for n in range(count)]


def page(hub: bootstrap.Hub, **options: object) -> ExceptionPage:
    return hub.settlement_api().list_exceptions(ListExceptions(DAY, **options))  # type: ignore[arg-type]


def accept_all(hub: bootstrap.Hub, **options: object) -> int:
    command = AcceptExceptions(DAY, OFFICER, **options)  # type: ignore[arg-type]
    return hub.settlement_api().accept_exceptions(command).accepted


def test_an_import_counts_every_exception_in_the_database_and_answers_with_the_first_page(
    hub: bootstrap.Hub, day: Day
) -> None:
    view = import_report(hub, csv_report(*day.lines(), *extra()))

    assert view.matched == 7
    assert view.page.counts == ExceptionCounts(missing_at_hub=EXTRA_LINES)
    assert view.count(ExceptionKind.MISSING_AT_HUB) == EXTRA_LINES
    assert len(view.exceptions) == EXCEPTIONS_PAGE_SIZE_DEFAULT
    assert view.page.showing == f"showing {EXCEPTIONS_PAGE_SIZE_DEFAULT} of {EXTRA_LINES}"
    assert view.page.next_page_token


def test_the_pages_of_a_listing_hold_every_exception_once_in_order(
    hub: bootstrap.Hub, day: Day
) -> None:
    import_report(hub, csv_report(*day.lines()[:-2], *extra()))
    seen, token, sizes = [], "", []
    while True:
        found = page(hub, page_size=97, page_token=token)
        assert found.total == EXTRA_LINES + 2
        sizes.append(len(found.exceptions))
        seen.extend(found.exceptions)
        if not (token := found.next_page_token):
            break

    assert sizes == [97, 97, 58]
    assert len({e.id for e in seen}) == EXTRA_LINES + 2
    kinds = [e.kind for e in seen]
    assert kinds == sorted(kinds, key=lambda kind: kind.value)
    lines = [e.report_line for e in seen if e.kind is ExceptionKind.MISSING_AT_HUB]
    assert lines == sorted(lines)


def test_a_listing_counts_what_its_filter_selects(hub: bootstrap.Hub, day: Day) -> None:
    import_report(hub, csv_report(*day.lines()[:-1], ("earn", "A-1", "", 11), *extra(3)))
    import_report(hub, csv_report(("earn", "Z-1", "", 1)), partner_id="fuel")

    assert page(hub).counts == ExceptionCounts(5, 2, 0)
    assert page(hub, partner_id="fuel").counts == ExceptionCounts(1, 1, 0)
    assert page(hub, partner_id="coffee").showing == "showing 5 of 5"


def test_a_page_size_out_of_range_is_refused_naming_the_field(hub: bootstrap.Hub, day: Day) -> None:
    for size in (-1, EXCEPTIONS_PAGE_SIZE_MAX + 1):
        with pytest.raises(InvalidField) as refused:
            page(hub, page_size=size)
        assert refused.value.field == "page_size"
    assert len(page(hub, page_size=EXCEPTIONS_PAGE_SIZE_MAX).exceptions) == 0


@pytest.mark.parametrize("token", ["not base64 !", "W10", "WyJhIiwiYiIsMSwiYyIsImQiLCJ4Il0"])
def test_a_page_token_the_hub_did_not_issue_is_refused(
    hub: bootstrap.Hub, day: Day, token: str
) -> None:
    with pytest.raises(InvalidPageToken) as refused:
        page(hub, page_token=token)
    assert refused.value.field == "page_token"


def test_exceptions_of_one_kind_and_partner_are_accepted_at_once_with_one_note(
    hub: bootstrap.Hub, day: Day
) -> None:
    import_report(hub, csv_report(*day.lines()[:-1], *extra(5)))
    import_report(hub, csv_report(("earn", "Z-1", "", 1)), partner_id="fuel")

    assert accept_all(hub, partner_id="coffee", kind="missing_at_hub") == 5
    accepted = page(hub, include_accepted=True, partner_id="coffee", page_size=1000).exceptions
    missing_at_hub = [e for e in accepted if e.kind is ExceptionKind.MISSING_AT_HUB]
    assert {(e.status, e.accepted_by, e.note) for e in missing_at_hub} == {
        (ExceptionStatus.ACCEPTED, OFFICER.actor, OFFICER.reason)
    }
    assert page(hub).counts == ExceptionCounts(1, 2, 0)  # coffee's bonus, fuel's two
    [event] = audited(hub, "settlement.exceptions.accept")
    assert (event.actor, event.target, event.reason) == (
        OFFICER.actor,
        "settlement:2026-11-22:coffee",
        OFFICER.reason,
    )
    assert event.details == {
        "business_date": "2026-11-22",
        "partner": "coffee",
        "kind": "missing_at_hub",
        "accepted": 5,
    }
    # What is left, every partner's and kind, in one go; then the day can be approved.
    assert accept_all(hub) == 3
    assert accept_all(hub) == 0
    assert approve(hub).open_exceptions == 0


def test_the_officer_who_ran_the_day_may_accept_in_bulk_but_not_approve(
    hub: bootstrap.Hub, day: Day
) -> None:
    import_report(hub, csv_report(*extra(2)))
    by_runner = AcceptExceptions(DAY, Attribution(RUNNER.actor, "checked"))

    assert hub.settlement_api().accept_exceptions(by_runner).accepted == 9
    with pytest.raises(SameOfficer):
        approve(hub, by=Attribution(RUNNER.actor, "approving my own"))


@pytest.mark.parametrize(
    ("options", "error", "field"),
    [
        ({"kind": "missing"}, InvalidField, "kind"),
        ({"partner_id": "nobody"}, PartnerNotFound, None),
    ],
)
def test_a_bulk_acceptance_with_bad_input_is_refused_and_writes_nothing(
    hub: bootstrap.Hub, day: Day, options: dict[str, str], error: type[Exception], field: str | None
) -> None:
    import_report(hub, csv_report(*extra(2)))
    before = row_counts(hub)
    with pytest.raises(error) as refused:
        accept_all(hub, **options)
    assert getattr(refused.value, "field", None) == field
    assert row_counts(hub) == before
    assert page(hub).total == 9


def test_a_bulk_acceptance_needs_a_note(hub: bootstrap.Hub, day: Day) -> None:
    import_report(hub, csv_report(*extra(2)))
    blank = AcceptExceptions(DAY, Attribution(APPROVER.actor, "  "))
    with pytest.raises(InvalidField) as refused:
        hub.settlement_api().accept_exceptions(blank)
    assert refused.value.field == "note"
    assert page(hub).total == 9
    with pytest.raises(ExceptionsOpen):
        approve(hub)


def test_a_bulk_acceptance_of_an_approved_day_is_refused(hub: bootstrap.Hub, day: Day) -> None:
    approve(hub)
    with pytest.raises(SettlementApproved):
        accept_all(hub)


def test_a_refund_of_a_redemption_is_matched_by_its_holds_order_id(
    hub: bootstrap.Hub, day: Day
) -> None:
    lines = [line for line in day.lines() if line[0] != "refund_redemption"]
    view = import_report(hub, csv_report(*lines, ("refund_redemption", "H-1", "", 5)))

    assert (view.matched, view.page.total) == (7, 0)


def test_a_late_operation_is_reconciled_on_the_day_that_settled_it(
    hub: bootstrap.Hub, day: Day, clock: ManualClock
) -> None:
    # At 00:20 on the 23rd a replica 40 minutes behind stamps an earn at 23:40 on the 22nd,
    # after the 22nd was settled: the 23rd settles it, and its report has it.
    clock.advance(datetime(2026, 11, 23, 0, 20, tzinfo=UTC) - timedelta(minutes=40) - clock.now())
    late = earn(hub, card(), 700, order_id="A-7")
    clock.advance(datetime(2026, 11, 24, 0, 10, tzinfo=UTC) - clock.now())
    hub.settlement_api().run(RunSettlement(DAY + timedelta(days=1), RUNNER))

    assert import_report(hub, csv_report(*day.lines())).page.total == 0
    next_day = import_report(
        hub, csv_report(("earn", "A-7", "", 7)), business_date=DAY + timedelta(days=1)
    )
    assert (next_day.matched, next_day.page.total) == (1, 0)
    assert late.transaction_id != uuid.UUID(int=0)
