"""The settlement APIs through a real mTLS hub: an officer settles a closed day, partners fetch
and verify their own statements through the SDK and submit their reports, officers accept the
exceptions and a second officer approves. Refusals name their reason and write nothing.

The day (UTC, cutoff midnight, 300 s grace): coffee issues 1000 points, fuel 500, then fuel's
till redeems 200 of coffee's points. Issue price 0.01 EUR a point, redemption price 0.009.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import grpc
import pytest
import sqlalchemy as sa

from coalition.hub.v1 import settlement_pb2, settlement_pb2_grpc
from hub import bootstrap
from hub.adapters.tables import settlement_runs
from hub.api.headers import STAFF_HEADER
from hub.domain.clock import ManualClock
from hub.domain.principals import Principal, Role
from partner_sdk import AsyncHubClient, HubClient, SettlementNotFound
from partner_sdk.statements import StatementSignatureInvalid, verify_statement
from settlement.model import CLEARING_ACCOUNT
from settlement.reconciliation import REPORT_BYTES_MAX
from tests.conftest import START, settings_for
from tests.e2e.mtls import COFFEE, OFFICER, Pki
from tests.e2e.test_mtls import reason_of
from tests.e2e.test_rules_api import field_of
from tests.integration.helpers import authorize, capture, card, earn, enroll, row_counts

DAY = date(2026, 11, 22)
DAY_TEXT = DAY.isoformat()
SECOND_OFFICER = Principal.staff(Role.OFFICER, "olga")
# Past the day's cutoff (midnight) plus the 300 s grace.
AFTER_CLOSE = timedelta(hours=14, minutes=10)


@pytest.fixture
def hub(database_url: str, clock: ManualClock) -> Iterator[bootstrap.Hub]:
    # Earning at two partners and burning within the hour is what the fraud checks rightly
    # doubt; settlement is under test here.
    settings = replace(settings_for(database_url), fraud_checks=False)
    wired = bootstrap.build(settings, clock=clock)
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    assert report.ok, report.violations


@pytest.fixture
def day(hub, mtls_target) -> dict[str, str]:
    """The day's business, settled nowhere yet; the clock still inside the day."""
    member = enroll(hub, "coffee", card()).member_id
    earned = earn(hub, member, 100_000, partner_id="coffee", order_id="c-1")
    hub.clock.advance(timedelta(minutes=1))
    earn(hub, member, 50_000, partner_id="fuel", order_id="f-1")
    hub.clock.advance(timedelta(hours=1))
    hold = authorize(hub, member, points=200, partner_id="fuel")
    capture(hub, hold.hold_id, partner_id="fuel")
    return {"coffee_earn": str(earned.transaction_id)}


@pytest.fixture
def closed(hub, day) -> dict[str, str]:
    hub.clock.advance(START + AFTER_CLOSE - hub.clock.now())
    return day


def _stub(hub, pki: Pki, target: str, principal: Principal):
    channel = pki.channel(target, pki.enrol(hub, principal))
    if principal.is_partner:
        return settlement_pb2_grpc.PartnerSettlementServiceStub(channel)
    return settlement_pb2_grpc.SettlementServiceStub(channel)


@pytest.fixture
def officer(hub, pki, mtls_target) -> settlement_pb2_grpc.SettlementServiceStub:
    return _stub(hub, pki, mtls_target, OFFICER)


@pytest.fixture
def second_officer(hub, pki, mtls_target) -> settlement_pb2_grpc.SettlementServiceStub:
    return _stub(hub, pki, mtls_target, SECOND_OFFICER)


@pytest.fixture
def coffee_stub(hub, pki, mtls_target) -> settlement_pb2_grpc.PartnerSettlementServiceStub:
    return _stub(hub, pki, mtls_target, COFFEE)


def _credential_files(hub, pki: Pki, principal: Principal, tmp_path) -> dict[str, object]:
    certificate, key = pki.enrol(hub, principal).write(tmp_path, principal.name)
    ca = tmp_path / "ca.crt"
    ca.write_bytes(pki.authority.certificate_pem)
    return {"certificate": certificate, "private_key": key, "ca": ca}


def _sdk(hub, pki: Pki, target: str, principal: Principal, tmp_path) -> HubClient:
    return HubClient.connect(target, **_credential_files(hub, pki, principal, tmp_path))


@pytest.fixture
def coffee_sdk(hub, pki, mtls_target, tmp_path) -> Iterator[HubClient]:
    with _sdk(hub, pki, mtls_target, COFFEE, tmp_path) as client:
        yield client


def refusal(call, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=10)
    return caught.value


def run(stub, business_date: str = DAY_TEXT) -> settlement_pb2.SettlementRun:
    return stub.RunSettlement(
        settlement_pb2.RunSettlementRequest(business_date=business_date), timeout=30
    )


def runs_stored(hub) -> int:
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(settlement_runs)).scalar()


# -- running and reading -----------------------------------------------------------------------


def test_an_officer_settles_a_closed_day_into_positions_a_matrix_and_transfers(officer, closed):
    settled = run(officer)
    positions = {p.partner_id: p for p in settled.positions}
    assert (settled.business_date, settled.status, settled.currency) == (DAY_TEXT, "ran", "EUR")
    assert settled.run_by == OFFICER.uri
    assert not settled.HasField("window_start"), "the first run settles from the beginning"
    assert settled.window_end.ToJsonString() == "2026-11-23T00:00:00Z"
    assert (
        positions["coffee"].issued_partner_funded_points,
        positions["coffee"].issued_value_minor,
    ) == (1000, 1000)
    assert (positions["fuel"].redeemed_points, positions["fuel"].redeemed_value_minor) == (200, 180)
    assert (positions["coffee"].net_position_minor, positions["fuel"].net_position_minor) == (
        -1000,
        -320,
    )
    assert [
        (c.issuer_id, c.redeemer_id, c.points, c.redemption_value_minor, c.issue_value_minor)
        for c in settled.matrix
    ] == [("coffee", "fuel", 200, 180, 200)]
    assert sorted((t.from_account, t.to_account, t.amount_minor) for t in settled.transfers) == [
        ("coffee", CLEARING_ACCOUNT, 1000),
        ("fuel", CLEARING_ACCOUNT, 320),
    ]
    assert settled.margin_minor == 1320
    assert settled.summary_json
    assert settled.summary_signature
    assert settled.signing_key_id


def test_running_a_settled_day_again_and_getting_it_answer_the_same_run(hub, officer, closed):
    first = run(officer)
    again = run(officer)
    got = officer.GetSettlement(
        settlement_pb2.GetSettlementRequest(business_date=DAY_TEXT), timeout=10
    )
    assert again == first
    assert got == first
    assert runs_stored(hub) == 1


def test_the_latest_days_liabilities_are_the_points_still_outstanding(officer, closed):
    run(officer)
    found = officer.GetLiabilities(settlement_pb2.GetLiabilitiesRequest(), timeout=10)
    assert (found.business_date, found.currency) == (DAY_TEXT, "EUR")
    assert {(li.issuer_id, li.points, li.value_minor) for li in found.liabilities} == {
        ("coffee", 800, 800),
        ("fuel", 500, 500),
    }


def test_an_officer_fetches_a_partners_statement(officer, coffee_sdk, closed):
    run(officer)
    statement = officer.GetStatement(
        settlement_pb2.GetStatementRequest(business_date=DAY_TEXT, partner_id="coffee"),
        timeout=10,
    )
    assert (statement.partner_id, statement.business_date) == ("coffee", DAY_TEXT)
    assert statement.json == coffee_sdk.statement(DAY).json


def test_a_partner_fetches_its_statement_with_the_sdk_and_verifies_it(officer, coffee_sdk, closed):
    run(officer)
    statement = coffee_sdk.statement(DAY)
    key = coffee_sdk.signing_key()
    assert (statement.partner_id, statement.business_date) == ("coffee", DAY)
    assert statement.signing_key_id == key.key_id
    statement.verify(key.public_key_pem)
    verify_statement(statement.json, statement.json_signature, key.public_key_pem)
    verify_statement(statement.csv, statement.csv_signature, key.public_key_pem)
    with pytest.raises(StatementSignatureInvalid):
        verify_statement(statement.json + b" ", statement.json_signature, key.public_key_pem)


@pytest.mark.asyncio
async def test_the_async_client_fetches_verifies_and_reconciles_the_same_way(
    hub, pki, mtls_target, officer, closed, tmp_path
):
    run(officer)
    files = _credential_files(hub, pki, COFFEE, tmp_path)
    async with AsyncHubClient.connect(mtls_target, **files) as coffee:
        statement = await coffee.statement(DAY)
        key = await coffee.signing_key()
        reconciled = await coffee.submit_report(DAY, _report(closed["coffee_earn"], 1000))
        with pytest.raises(SettlementNotFound):
            await coffee.statement(DAY + timedelta(days=1))
    statement.verify(key.public_key_pem)
    assert (reconciled.matched, reconciled.exceptions) == (1, ())


def test_a_partner_naming_itself_gets_its_own_statement(officer, coffee_stub, closed):
    run(officer)
    statement = coffee_stub.GetStatement(
        settlement_pb2.GetStatementRequest(business_date=DAY_TEXT, partner_id="coffee"),
        timeout=10,
    )
    assert statement.partner_id == "coffee"


# -- refusals ----------------------------------------------------------------------------------


def test_a_partner_asking_for_another_partners_statement_finds_none(
    hub, officer, coffee_stub, closed
):
    run(officer)
    error = refusal(
        coffee_stub.GetStatement,
        settlement_pb2.GetStatementRequest(business_date=DAY_TEXT, partner_id="fuel"),
    )
    assert (error.code(), reason_of(error)) == (grpc.StatusCode.NOT_FOUND, "SETTLEMENT_NOT_FOUND")


def test_a_statement_of_an_unsettled_day_is_not_found_through_the_sdk(coffee_sdk, closed):
    with pytest.raises(SettlementNotFound) as caught:
        coffee_sdk.statement(DAY)
    assert caught.value.reason == "SETTLEMENT_NOT_FOUND"


def test_getting_an_unsettled_day_is_not_found(hub, officer, closed):
    error = refusal(
        officer.GetSettlement, settlement_pb2.GetSettlementRequest(business_date=DAY_TEXT)
    )
    assert (error.code(), reason_of(error)) == (grpc.StatusCode.NOT_FOUND, "SETTLEMENT_NOT_FOUND")
    assert runs_stored(hub) == 0


def test_a_day_still_open_is_refused_and_nothing_is_written(hub, officer, day):
    before = row_counts(hub)
    error = refusal(
        officer.RunSettlement, settlement_pb2.RunSettlementRequest(business_date=DAY_TEXT)
    )
    assert (error.code(), reason_of(error)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "BUSINESS_DAY_OPEN",
    )
    assert row_counts(hub) == before


@pytest.mark.parametrize("text", ["", "2026-13-01", "22.11.2026", "yesterday"])
def test_a_bad_business_date_names_the_field_and_writes_nothing(hub, officer, closed, text):
    before = row_counts(hub)
    error = refusal(officer.RunSettlement, settlement_pb2.RunSettlementRequest(business_date=text))
    assert (error.code(), reason_of(error), field_of(error)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_FIELD",
        "business_date",
    )
    assert row_counts(hub) == before


def test_an_officer_must_name_the_partner_whose_statement_it_wants(officer, closed):
    run(officer)
    error = refusal(
        officer.GetStatement, settlement_pb2.GetStatementRequest(business_date=DAY_TEXT)
    )
    assert (reason_of(error), field_of(error)) == ("INVALID_FIELD", "partner_id")


def test_a_report_of_sixteen_mebibytes_reaches_the_hub(hub, officer, coffee_stub, closed):
    run(officer)
    before = row_counts(hub)
    # A bad header is refused as soon as the hub reads it: what matters is that the transport
    # let the whole report through instead of refusing it as too large.
    report = b"not,a,report\n" + b"x" * (REPORT_BYTES_MAX - 13)
    error = refusal(
        coffee_stub.SubmitReport,
        settlement_pb2.SubmitReportRequest(business_date=DAY_TEXT, report_csv=report),
    )
    assert (error.code(), reason_of(error)) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REPORT")
    assert row_counts(hub) == before


# -- reconciliation and approval ---------------------------------------------------------------


def _report(coffee_earn: str, points: int) -> bytes:
    return f"kind,order_id,transaction_id,points\nearn,c-1,{coffee_earn},{points}\n".encode()


def test_a_report_that_matches_leaves_nothing_to_accept(officer, coffee_sdk, closed):
    run(officer)
    reconciled = coffee_sdk.submit_report(DAY, _report(closed["coffee_earn"], 1000))
    assert (reconciled.partner_id, reconciled.business_date, reconciled.matched) == (
        "coffee",
        DAY,
        1,
    )
    assert reconciled.exceptions == ()


def test_a_mismatch_is_accepted_by_one_officer_and_the_day_approved_by_another(
    hub, officer, second_officer, coffee_sdk, closed
):
    run(officer)
    reconciled = coffee_sdk.submit_report(DAY, _report(closed["coffee_earn"], 999))
    assert (reconciled.matched, reconciled.amount_mismatches) == (0, 1)
    (mismatch,) = reconciled.exceptions
    assert (mismatch.kind, mismatch.hub_points, mismatch.partner_points, mismatch.report_line) == (
        "amount_mismatch",
        1000,
        999,
        1,
    )
    listed = officer.ListExceptions(
        settlement_pb2.ListExceptionsRequest(business_date=DAY_TEXT), timeout=10
    )
    assert [e.exception_id for e in listed.exceptions] == [mismatch.exception_id]

    still_open = refusal(
        second_officer.ApproveSettlement,
        settlement_pb2.ApproveSettlementRequest(business_date=DAY_TEXT, note="looks right"),
    )
    assert reason_of(still_open) == "EXCEPTIONS_OPEN"

    accepted = officer.AcceptException(
        settlement_pb2.AcceptExceptionRequest(
            exception_id=mismatch.exception_id, note="till rounding, agreed by phone"
        ),
        timeout=10,
    )
    assert (accepted.status, accepted.accepted_by, accepted.note) == (
        "accepted",
        OFFICER.uri,
        "till rounding, agreed by phone",
    )
    assert accepted.HasField("accepted_at")
    assert actor(accepted.accepted_by_actor) == (OFFICER.uri, "oscar", "officer")

    same = refusal(
        officer.ApproveSettlement,
        settlement_pb2.ApproveSettlementRequest(business_date=DAY_TEXT, note="all good"),
    )
    assert (same.code(), reason_of(same)) == (grpc.StatusCode.PERMISSION_DENIED, "SAME_OFFICER")
    assert (
        officer.GetSettlement(
            settlement_pb2.GetSettlementRequest(business_date=DAY_TEXT), timeout=10
        ).status
        == "ran"
    )

    approved = second_officer.ApproveSettlement(
        settlement_pb2.ApproveSettlementRequest(business_date=DAY_TEXT, note="all good"),
        timeout=10,
    )
    assert (approved.status, approved.approved_by, approved.open_exceptions) == (
        "approved",
        SECOND_OFFICER.uri,
        0,
    )
    assert approved.HasField("approved_at")


def test_accepting_an_exception_needs_a_note_and_a_well_formed_id(hub, officer, coffee_sdk, closed):
    run(officer)
    (mismatch,) = coffee_sdk.submit_report(DAY, _report(closed["coffee_earn"], 999)).exceptions
    before = row_counts(hub)
    blank = refusal(
        officer.AcceptException,
        settlement_pb2.AcceptExceptionRequest(exception_id=mismatch.exception_id, note="  "),
    )
    malformed = refusal(
        officer.AcceptException,
        settlement_pb2.AcceptExceptionRequest(exception_id="nope", note="fine"),
    )
    assert (reason_of(blank), field_of(blank)) == ("INVALID_FIELD", "note")
    assert (reason_of(malformed), field_of(malformed)) == ("MALFORMED_ID", "exception_id")
    assert row_counts(hub) == before


# -- reconciliation at any size ------------------------------------------------------------------


def _unknown_lines(count: int) -> bytes:
    lines = [f"earn,x-{n:03},,1" for n in range(count)]
    return "\n".join(["kind,order_id,transaction_id,points", *lines]).encode()


def test_a_partner_pages_through_its_reports_exceptions_and_is_told_how_many(
    officer, coffee_sdk, closed
):
    run(officer)
    reconciled = coffee_sdk.submit_report(DAY, _unknown_lines(150))

    # 150 lines the hub lacks, and coffee's earn the report left out.
    assert (reconciled.missing_at_hub, reconciled.missing_at_partner) == (150, 1)
    assert reconciled.showing == "showing 100 of 151"
    seen = list(reconciled.exceptions)
    page = coffee_sdk.report_exceptions(DAY, page_token=reconciled.next_page_token)
    assert (page.showing, page.next_page_token) == ("showing 51 of 151", "")
    seen += page.exceptions
    assert len({e.exception_id for e in seen}) == 151
    small = coffee_sdk.report_exceptions(DAY, page_size=10)
    assert (small.showing, small.missing_at_hub, bool(small.next_page_token)) == (
        "showing 10 of 151",
        150,
        True,
    )


@pytest.mark.asyncio
async def test_the_async_client_pages_exceptions_as_the_sync_one_does(
    hub, pki, mtls_target, officer, closed, tmp_path
):
    run(officer)
    files = _credential_files(hub, pki, COFFEE, tmp_path)
    async with AsyncHubClient.connect(mtls_target, **files) as coffee:
        await coffee.submit_report(DAY, _unknown_lines(3))
        page = await coffee.report_exceptions(DAY, page_size=2)
    assert (page.showing, page.total) == ("showing 2 of 4", 4)


def test_an_officer_lists_a_page_with_the_true_counts_and_accepts_them_in_bulk(
    hub, officer, second_officer, coffee_sdk, closed
):
    run(officer)
    coffee_sdk.submit_report(DAY, _unknown_lines(5))
    listed = officer.ListExceptions(
        settlement_pb2.ListExceptionsRequest(business_date=DAY_TEXT, page_size=2), timeout=10
    )
    assert (len(listed.exceptions), listed.total, listed.missing_at_hub) == (2, 6, 5)
    assert listed.next_page_token

    accepted = officer.AcceptExceptions(
        settlement_pb2.AcceptExceptionsRequest(
            business_date=DAY_TEXT, partner_id="coffee", kind="missing_at_hub", note="test lines"
        ),
        timeout=10,
    )
    assert accepted.accepted == 5
    left = officer.ListExceptions(
        settlement_pb2.ListExceptionsRequest(business_date=DAY_TEXT), timeout=10
    )
    assert (left.total, left.missing_at_partner, left.next_page_token) == (1, 1, "")
    officer.AcceptExceptions(
        settlement_pb2.AcceptExceptionsRequest(business_date=DAY_TEXT, note="agreed"), timeout=10
    )
    approved = second_officer.ApproveSettlement(
        settlement_pb2.ApproveSettlementRequest(business_date=DAY_TEXT, note="all good"),
        timeout=10,
    )
    assert approved.open_exceptions == 0


def test_bulk_acceptance_and_paging_refuse_bad_input_naming_the_field(
    hub, officer, coffee_sdk, closed
):
    run(officer)
    coffee_sdk.submit_report(DAY, _unknown_lines(2))
    before = row_counts(hub)
    bad_kind = refusal(
        officer.AcceptExceptions,
        settlement_pb2.AcceptExceptionsRequest(business_date=DAY_TEXT, kind="nope", note="x"),
    )
    no_note = refusal(
        officer.AcceptExceptions,
        settlement_pb2.AcceptExceptionsRequest(business_date=DAY_TEXT, note=""),
    )
    bad_size = refusal(
        officer.ListExceptions,
        settlement_pb2.ListExceptionsRequest(business_date=DAY_TEXT, page_size=1001),
    )
    bad_token = refusal(
        officer.ListExceptions,
        settlement_pb2.ListExceptionsRequest(business_date=DAY_TEXT, page_token="junk"),
    )
    assert [(reason_of(e), field_of(e)) for e in (bad_kind, no_note, bad_size, bad_token)] == [
        ("INVALID_FIELD", "kind"),
        ("INVALID_FIELD", "note"),
        ("INVALID_FIELD", "page_size"),
        ("INVALID_PAGE_TOKEN", "page_token"),
    ]
    assert row_counts(hub) == before


# -- the night board and the day view ------------------------------------------------------------


def days(
    stub, page_size: int = 0, page_token: str = ""
) -> settlement_pb2.ListSettlementDaysResponse:
    request = settlement_pb2.ListSettlementDaysRequest(page_size=page_size, page_token=page_token)
    return stub.ListSettlementDays(request, timeout=10)


def actor(message: settlement_pb2.Actor) -> tuple[str, str, str]:
    return (message.uri, message.person, message.role)


def test_before_any_run_the_night_board_holds_the_latest_closed_day_not_run(officer, closed):
    board = days(officer)
    assert [(d.business_date, d.state) for d in board.days] == [
        (DAY_TEXT, settlement_pb2.SETTLEMENT_DAY_STATE_NOT_RUN)
    ]
    assert (board.total, board.next_page_token) == (1, "")
    assert not board.days[0].HasField("run_by")


def test_the_night_board_follows_a_day_from_run_to_reconciled_to_approved_and_who_did_what(
    hub, officer, second_officer, coffee_sdk, closed
):
    run(officer)
    coffee_sdk.submit_report(DAY, _report(closed["coffee_earn"], 999))
    (ran,) = days(officer).days
    assert (ran.state, ran.open_exceptions, ran.accepted_exceptions) == (
        settlement_pb2.SETTLEMENT_DAY_STATE_RAN,
        1,
        0,
    )
    assert actor(ran.run_by) == (OFFICER.uri, "oscar", "officer")
    partners = {p.partner_id: p for p in ran.partners}
    assert sorted(partners) == ["coffee", "fuel"]
    coffee, fuel = partners["coffee"], partners["fuel"]
    assert (coffee.reported, coffee.report_lines, coffee.matched, coffee.open_exceptions) == (
        True,
        1,
        0,
        1,
    )
    assert actor(coffee.submitted_by) == (COFFEE.uri, "", "partner")
    assert coffee.HasField("submitted_at")
    assert (fuel.reported, fuel.HasField("submitted_by")) == (False, False)

    accept = settlement_pb2.AcceptExceptionsRequest(business_date=DAY_TEXT, note="rounding")
    done = second_officer.AcceptExceptions(accept, timeout=10)
    assert (done.accepted, actor(done.accepted_by)) == (
        1,
        (SECOND_OFFICER.uri, "olga", "officer"),
    )
    officer.ImportReport(
        settlement_pb2.ImportReportRequest(
            business_date=DAY_TEXT,
            partner_id="fuel",
            report_csv=b"kind,order_id,transaction_id,points\n",
        ),
        timeout=10,
    )
    officer.AcceptExceptions(accept, timeout=10)  # fuel's earn and redemption it left out
    (reconciled,) = days(officer).days
    assert reconciled.state == settlement_pb2.SETTLEMENT_DAY_STATE_RECONCILED
    assert (reconciled.open_exceptions, reconciled.accepted_exceptions) == (0, 3)
    assert [(actor(a.accepted_by), a.exceptions) for a in reconciled.acceptances] == [
        ((OFFICER.uri, "oscar", "officer"), 2),
        ((SECOND_OFFICER.uri, "olga", "officer"), 1),
    ]
    assert all(a.HasField("last_accepted_at") for a in reconciled.acceptances)
    fuel = next(p for p in reconciled.partners if p.partner_id == "fuel")
    assert actor(fuel.submitted_by) == (OFFICER.uri, "oscar", "officer")

    approve = settlement_pb2.ApproveSettlementRequest(business_date=DAY_TEXT, note="all good")
    second_officer.ApproveSettlement(approve, timeout=10)
    (approved,) = days(officer).days
    assert approved.state == settlement_pb2.SETTLEMENT_DAY_STATE_APPROVED
    assert actor(approved.approved_by) == (SECOND_OFFICER.uri, "olga", "officer")
    assert (approved.approval_note, approved.HasField("approved_at")) == ("all good", True)


def test_a_day_whose_partners_did_not_all_report_is_not_reconciled(officer, coffee_sdk, closed):
    run(officer)
    coffee_sdk.submit_report(DAY, _report(closed["coffee_earn"], 1000))
    (day,) = days(officer).days
    assert (day.state, day.open_exceptions) == (settlement_pb2.SETTLEMENT_DAY_STATE_RAN, 0)


def test_the_night_board_pages_newest_first_from_the_latest_closed_day(hub, officer, closed):
    run(officer)
    hub.clock.advance(timedelta(days=2))
    first = days(officer, page_size=2)
    not_run = settlement_pb2.SETTLEMENT_DAY_STATE_NOT_RUN
    assert [(d.business_date, d.state) for d in first.days] == [
        ((DAY + timedelta(days=2)).isoformat(), not_run),
        ((DAY + timedelta(days=1)).isoformat(), not_run),
    ]
    assert (first.total, bool(first.next_page_token)) == (3, True)
    second = days(officer, page_size=2, page_token=first.next_page_token)
    assert [(d.business_date, d.state) for d in second.days] == [
        (DAY_TEXT, settlement_pb2.SETTLEMENT_DAY_STATE_RAN)
    ]
    assert (second.total, second.next_page_token) == (3, "")


def test_a_night_board_page_token_the_hub_did_not_issue_is_refused(officer, closed):
    error = refusal(
        officer.ListSettlementDays, settlement_pb2.ListSettlementDaysRequest(page_token="%%")
    )
    assert (error.code(), reason_of(error), field_of(error)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
        "page_token",
    )


def test_the_day_view_names_persons_the_reports_missing_and_the_transactions_settled(
    officer, second_officer, coffee_sdk, closed
):
    settled = run(officer)
    assert actor(settled.run_by_actor) == (OFFICER.uri, "oscar", "officer")
    assert not settled.HasField("approved_by_actor")
    # Two earns, the hold's authorization and its capture.
    assert (list(settled.unreported_partners), settled.transaction_count) == (["coffee", "fuel"], 4)
    coffee_sdk.submit_report(DAY, _report(closed["coffee_earn"], 1000))
    latest = officer.GetSettlement(settlement_pb2.GetSettlementRequest(), timeout=10)
    assert (latest.business_date, list(latest.unreported_partners)) == (DAY_TEXT, ["fuel"])
    approved = second_officer.ApproveSettlement(
        settlement_pb2.ApproveSettlementRequest(business_date=DAY_TEXT, note="fine"), timeout=10
    )
    assert actor(approved.approved_by_actor) == (SECOND_OFFICER.uri, "olga", "officer")
    assert approved.approval_note == "fine"


def test_officers_get_the_signing_key_partners_get(officer, coffee_stub, closed):
    request = settlement_pb2.GetSigningKeyRequest()
    assert officer.GetSigningKey(request, timeout=10) == coffee_stub.GetSigningKey(
        request, timeout=10
    )


def test_exceptions_are_listed_by_kind_with_the_counts_of_that_kind(officer, coffee_sdk, closed):
    run(officer)
    coffee_sdk.submit_report(DAY, _unknown_lines(3))  # and coffee's earn missing at coffee
    by_kind = officer.ListExceptions(
        settlement_pb2.ListExceptionsRequest(
            business_date=DAY_TEXT, kind="missing_at_hub", page_size=2
        ),
        timeout=10,
    )
    assert {e.kind for e in by_kind.exceptions} == {"missing_at_hub"}
    assert (by_kind.total, by_kind.missing_at_hub, by_kind.missing_at_partner) == (3, 3, 0)
    rest = officer.ListExceptions(
        settlement_pb2.ListExceptionsRequest(
            business_date=DAY_TEXT, kind="missing_at_hub", page_token=by_kind.next_page_token
        ),
        timeout=10,
    )
    assert (len(rest.exceptions), rest.next_page_token) == (1, "")
    of_fuel = officer.ListExceptions(
        settlement_pb2.ListExceptionsRequest(
            business_date=DAY_TEXT, partner_id="fuel", kind="missing_at_hub"
        ),
        timeout=10,
    )
    assert (of_fuel.total, list(of_fuel.exceptions)) == (0, [])


def test_an_unknown_exception_kind_is_refused(officer, closed):
    run(officer)
    error = refusal(
        officer.ListExceptions,
        settlement_pb2.ListExceptionsRequest(business_date=DAY_TEXT, kind="missing"),
    )
    assert (reason_of(error), field_of(error)) == ("INVALID_FIELD", "kind")


def test_a_console_relaying_the_officer_who_ran_the_day_cannot_approve_it(
    hub, pki, mtls_target, officer, closed
):
    run(officer)
    console = pki.channel(mtls_target, pki.enrol(hub, Principal.console("web")))
    stub = settlement_pb2_grpc.SettlementServiceStub(console)
    approve = settlement_pb2.ApproveSettlementRequest(business_date=DAY_TEXT, note="ok")
    as_oscar = ((STAFF_HEADER, f"officer/{OFFICER.name}"),)
    same = refusal(
        lambda request, **kw: stub.ApproveSettlement(request, metadata=as_oscar, **kw), approve
    )
    assert (same.code(), reason_of(same)) == (grpc.StatusCode.PERMISSION_DENIED, "SAME_OFFICER")
    as_olga = ((STAFF_HEADER, f"officer/{SECOND_OFFICER.name}"),)
    approved = stub.ApproveSettlement(approve, metadata=as_olga, timeout=10)
    assert approved.approved_by == SECOND_OFFICER.uri
