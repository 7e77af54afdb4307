"""``hub import members`` against PostgreSQL: members and opening balances through COPY,
refused rows reported with their lines (skipped, or stopping the import), imports that resume
and never bring a member in twice, and opening balances settled as the partner's issue."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.bulk_import import (
    IDENTIFIER_TAKEN,
    ImportAlreadyRunning,
    PostgresBulkImportStore,
)
from hub.adapters.tables import imported_members, lots, member_links, transactions
from hub.domain.clock import ManualClock
from hub.domain.errors import InvalidField, PartnerNotFound
from hub.domain.import_rows import RefusedRow
from hub.domain.members import Identifier, IdentifierKind
from hub.domain.partners import ExpiryPolicy
from hub.services import bulk_import
from hub.services.bulk_import import ImportFile, ImportOptions, ImportProgress
from hub.services.commands import Attribution, RunSettlement
from settlement.model import Valued
from tests.conftest import add_partner, rates, settings_for
from tests.integration.helpers import balance, card, enroll

pytestmark = pytest.mark.postgres
OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")

GOOD = """external_id,card,phone,app_id,opening_points,expires_at
c-1,4000 0000 0000 0001,+44 20 7946 0001,,150,
c-2,,,app.c2,0,
c-3,4000000000000003,,,1200,2027-06-30T00:00:00+00:00
"""


@pytest.fixture
def hub(pg_url: str, clock: ManualClock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(replace(settings_for(pg_url), fraud_checks=False), clock=clock)
    add_partner(wired, "grocer", rates=rates(issue="0.02"), expiry=ExpiryPolicy.parse("months:12"))
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    assert report.ok, report.violations


def run_import(
    hub: bootstrap.Hub, text: str, *, stop: bool = False, chunk_rows: int = 2, name: str = "f.csv"
) -> tuple[ImportProgress, list[RefusedRow]]:
    store = PostgresBulkImportStore(hub.engine)
    data = text.encode()
    try:
        done = bulk_import.import_members(
            "grocer",
            ImportFile(name, _sha(data), io.StringIO(text, newline="")),
            ImportOptions(stop_on_error=stop, chunk_rows=chunk_rows),
            store=store,
            hasher=hub.identifier_hasher(),
            clock=hub.clock,
            zone=hub.zone,
            progress=lambda _: None,
        )
        return done, list(store.refusals())
    finally:
        store.close()


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def count(hub: bootstrap.Hub, table: sa.Table) -> int:
    with hub.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def app_id(value: str) -> Identifier:
    return Identifier.parse(IdentifierKind.APP_ID, value)


def test_members_are_imported_with_their_opening_balances_and_found_by_identifier(
    hub: bootstrap.Hub,
) -> None:
    done, refused = run_import(hub, GOOD)

    assert (done.imported_members, done.imported_points, refused) == (3, 1350, [])
    assert balance(hub, card("4000000000000001")).available_points == 150
    phone = Identifier.parse(IdentifierKind.PHONE, "+442079460001")
    assert balance(hub, phone).member_id == balance(hub, card("4000000000000001")).member_id
    assert balance(hub, app_id("app.c2")).available_points == 0
    assert balance(hub, card("4000000000000003")).available_points == 1200
    # The phone identifier links members as an enrolled one's does; points: one lot each.
    assert count(hub, member_links) == 1
    assert count(hub, lots) == 2


def test_opening_balances_are_bonuses_at_the_partners_issue_price_and_expiry(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    run_import(hub, GOOD)

    with hub.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                transactions.c.order_id,
                transactions.c.kind,
                transactions.c.event,
                transactions.c.issue_price,
                transactions.c.expires_at,
            ).order_by(transactions.c.order_id)
        ).all()
    assert [(r.order_id, r.kind, r.event, r.issue_price) for r in rows] == [
        ("c-1", "bonus", "opening_balance", Decimal("0.02")),
        ("c-3", "bonus", "opening_balance", Decimal("0.02")),
    ]
    # The partner's policy (12 months) unless the row says when its points expire.
    assert rows[0].expires_at == clock.now().replace(year=2027)
    assert rows[1].expires_at == datetime(2027, 6, 30, tzinfo=UTC)


def test_the_days_settlement_counts_opening_balances_as_issued_by_the_partner(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    run_import(hub, GOOD)
    clock.advance(timedelta(days=1))

    view = hub.settlement_api().run(RunSettlement(date(2026, 11, 22), OFFICER))

    grocer = view.settlement.partner("grocer")
    assert grocer.issued_partner_funded == Valued(1350, 2700)
    assert grocer.outstanding == Valued(1350, 2700)


BAD = """external_id,card,opening_points
ok-1,4000000000000011,10
bad-card,12,10
negative,4000000000000013,-5
not-a-number,4000000000000014,ten
too,many,fields,here
dup-card,4000000000000011,10
ok-1,4000000000000016,10
taken,4000000000000099,10
,4000000000000018,10
no-identifier,,10
ok-2,4000000000000020,20
"""


def test_refused_rows_are_reported_with_their_lines_and_the_rest_imported(
    hub: bootstrap.Hub,
) -> None:
    enroll(hub, "grocer", card("4000000000000099"))

    done, refused = run_import(hub, BAD, chunk_rows=3)

    assert (done.imported_members, done.imported_points) == (2, 30)
    assert [(row.line, row.reason) for row in refused] == [
        (3, "card: a card must be 8 to 19 digits"),
        (4, "opening_points: negative"),
        (5, "opening_points: not a whole number"),
        (6, "malformed: 4 fields, the header has 3"),
        (7, "card repeats line 2"),
        (8, "external_id repeats line 2"),
        (9, IDENTIFIER_TAKEN),
        (10, "external_id: 1 to 64 printable characters"),
        (11, "no identifier: give a card, a phone or an app_id"),
    ]
    assert done.refused_rows == 9
    assert balance(hub, card("4000000000000020")).available_points == 20


def test_stop_mode_imports_the_lines_before_the_first_refused_row_and_stops_there(
    hub: bootstrap.Hub,
) -> None:
    done, refused = run_import(hub, BAD, stop=True, chunk_rows=5)

    assert done.stopped_at == RefusedRow(3, "card: a card must be 8 to 19 digits")
    assert (done.imported_members, refused) == (1, [done.stopped_at])
    again, _ = run_import(hub, BAD, stop=True, chunk_rows=5)
    assert again.stopped_at == done.stopped_at
    assert again.imported_members == 1


def test_stop_mode_stops_at_an_identifier_the_hub_already_has(hub: bootstrap.Hub) -> None:
    enroll(hub, "grocer", card("4000000000000002"))
    text = (
        "external_id,card,opening_points\n"
        "a,4000000000000001,1\nb,4000000000000002,1\nc,4000000000000003,1\n"
    )

    done, refused = run_import(hub, text, stop=True, chunk_rows=10)

    assert done.stopped_at == RefusedRow(3, IDENTIFIER_TAKEN)
    assert (done.imported_members, refused) == (1, [done.stopped_at])


def test_a_finished_file_run_again_imports_nothing_and_another_file_skips_known_members(
    hub: bootstrap.Hub,
) -> None:
    run_import(hub, GOOD)

    again, _ = run_import(hub, GOOD)
    renamed, refused = run_import(hub, GOOD + "c-4,4000000000000004,,,5,\n", name="g.csv")

    assert again.imported_members == 3
    assert (renamed.imported_members, renamed.already_imported, refused) == (1, 3, [])
    assert count(hub, imported_members) == 4
    assert balance(hub, card("4000000000000001")).available_points == 150


def test_an_unknown_partner_or_header_is_refused_before_anything_is_written(
    hub: bootstrap.Hub,
) -> None:
    store = PostgresBulkImportStore(hub.engine)
    try:
        with pytest.raises(PartnerNotFound):
            store.start("nobody", "f.csv", b"0" * 32, hub.clock.now())
    finally:
        store.close()
    with pytest.raises(InvalidField, match="unknown columns email"):
        run_import(hub, "external_id,card,opening_points,email\n")
    with pytest.raises(InvalidField, match="lacks opening_points"):
        run_import(hub, "external_id,card\n")


def test_a_file_another_process_is_importing_is_refused_until_it_ends(
    hub: bootstrap.Hub,
) -> None:
    sha = _sha(GOOD.encode())
    first = PostgresBulkImportStore(hub.engine)
    try:
        first.start("grocer", "f.csv", sha, hub.clock.now())
        second = PostgresBulkImportStore(hub.engine)
        try:
            with pytest.raises(ImportAlreadyRunning):
                second.start("grocer", "f.csv", sha, hub.clock.now())
        finally:
            second.close()
    finally:
        first.close()

    done, _ = run_import(hub, GOOD)
    assert done.imported_members == 3
