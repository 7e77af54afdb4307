"""Four eyes across every pair of channels: whoever ran a day cannot approve it, whether they
ran it at the CLI, over gRPC with their own certificate or through the console, and approve it
by any of the three; a second officer can. Persons, not certificates: olga as an operator (or
as the database-direct CLI recorded her, ``cli:olga``) is still olga. The scheduler is nobody:
any officer approves its runs.

The hub is the one of ``test_settle_cli``'s scene (2026-01-10 settled), served with mTLS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import grpc
import pytest

from coalition.hub.v1 import settlement_pb2, settlement_pb2_grpc
from hub.api.headers import STAFF_HEADER, STAFF_SERIAL_HEADER
from hub.domain.principals import Principal, Role
from hub.services.commands import Attribution, RunSettlement
from hub.services.schedule import SCHEDULER
from tests.e2e.staff import OLGA, PAT, StaffDesk
from tests.e2e.test_mtls import reason_of
from tests.e2e.test_settle_cli import DAY, Scene, open_desk, prepare

WEB_CONSOLE = Principal.console("web")
OLGA_OPERATOR = Principal.staff(Role.OPERATOR, "olga")


@dataclass
class Channels:
    """One hub, reached by officers at the CLI, over gRPC and through the console."""

    desk: StaffDesk
    serials: dict[str, str] = field(default_factory=dict)

    def stub(self, person: Principal) -> settlement_pb2_grpc.SettlementServiceStub:
        issued = self.desk.pki.enrol(self.desk.hub, person)
        self.serials[person.uri] = issued.info.serial
        channel = self.desk.pki.channel(self.desk.target, issued)
        return settlement_pb2_grpc.SettlementServiceStub(channel)  # type: ignore[no-untyped-call]

    def relayed(self, person: Principal) -> tuple[settlement_pb2_grpc.SettlementServiceStub, tuple]:
        """The console's stub, and the metadata naming the person signed in to it."""
        self.stub(person)  # the person's own certificate, which they signed in with
        metadata = (
            (STAFF_HEADER, f"{person.role.value}/{person.name}"),
            (STAFF_SERIAL_HEADER, self.serials[person.uri]),
        )
        return self.stub(WEB_CONSOLE), metadata


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    return prepare(f"sqlite:///{tmp_path}/hub.db")


@pytest.fixture
def channels(scene: Scene, tmp_path: Path) -> Iterator[Channels]:
    for desk in open_desk(scene, tmp_path):
        yield Channels(desk)


# -- each channel's run and approval ----------------------------------------------------------


def run_at_cli(channels: Channels, person: Principal) -> None:
    ran = channels.desk.run(person, "settle", "run", "--date", DAY)
    assert ran.code == 0, ran.err


def run_over_grpc(channels: Channels, person: Principal) -> None:
    request = settlement_pb2.RunSettlementRequest(business_date=DAY)
    channels.stub(person).RunSettlement(request, timeout=30)


def run_in_console(channels: Channels, person: Principal) -> None:
    stub, metadata = channels.relayed(person)
    request = settlement_pb2.RunSettlementRequest(business_date=DAY)
    stub.RunSettlement(request, metadata=metadata, timeout=30)


def approve_at_cli(channels: Channels, person: Principal) -> str:
    """The refusal's reason, or "" when approved."""
    ran = channels.desk.run(person, "settle", "approve", "--date", DAY, "--note", "checked")
    if ran.code == 0:
        assert f"settlement {DAY}  approved" in ran.out
        return ""
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    return ran.err.rsplit("[", 1)[1].split(",")[0].rstrip("]\n")


def _approve(stub, metadata=()) -> str:
    request = settlement_pb2.ApproveSettlementRequest(business_date=DAY, note="checked")
    try:
        approved = stub.ApproveSettlement(request, metadata=metadata, timeout=30)
    except grpc.RpcError as error:
        return reason_of(error)
    assert approved.status == "approved"
    return ""


def approve_over_grpc(channels: Channels, person: Principal) -> str:
    return _approve(channels.stub(person))


def approve_in_console(channels: Channels, person: Principal) -> str:
    return _approve(*channels.relayed(person))


RUNS = {"cli": run_at_cli, "grpc": run_over_grpc, "console": run_in_console}
APPROVALS = {"cli": approve_at_cli, "grpc": approve_over_grpc, "console": approve_in_console}
Approve = Callable[[Channels, Principal], str]


@pytest.mark.parametrize("approved_by", APPROVALS)
@pytest.mark.parametrize("ran_by", RUNS)
def test_who_ran_a_day_cannot_approve_it_on_any_channel_and_another_officer_can(
    channels, ran_by, approved_by
):
    RUNS[ran_by](channels, OLGA)
    approve: Approve = APPROVALS[approved_by]
    assert approve(channels, OLGA) == "SAME_OFFICER"
    assert approve(channels, PAT) == ""
    approved = channels.desk.hub.settlement_api().get(date.fromisoformat(DAY))
    assert (approved.run_by, approved.approved_by) == (OLGA.uri, PAT.uri)


@pytest.mark.parametrize("approved_by", APPROVALS)
@pytest.mark.parametrize(
    "recorded_as",
    [OLGA_OPERATOR.uri, "cli:olga"],
    ids=["olga-as-operator", "olga-at-the-old-database-cli"],
)
def test_olga_in_another_role_or_recorded_by_the_old_cli_is_still_olga(
    channels, recorded_as, approved_by
):
    channels.desk.hub.settlement_api().run(
        RunSettlement(date.fromisoformat(DAY), Attribution(recorded_as, "settlement run"))
    )
    approve: Approve = APPROVALS[approved_by]
    assert approve(channels, OLGA) == "SAME_OFFICER"
    assert approve(channels, PAT) == ""


def test_an_operator_certificate_may_not_approve_at_all(channels):
    run_at_cli(channels, PAT)
    assert approve_at_cli(channels, OLGA_OPERATOR) == "ROLE_NOT_ALLOWED"
    assert approve_over_grpc(channels, OLGA_OPERATOR) == "ROLE_NOT_ALLOWED"


@pytest.mark.parametrize("approved_by", APPROVALS)
def test_any_officer_approves_the_schedulers_run(channels, approved_by):
    channels.desk.hub.settlement_api().run(RunSettlement(date.fromisoformat(DAY), SCHEDULER))
    assert APPROVALS[approved_by](channels, OLGA) == ""


def test_the_console_records_the_person_it_relays_not_itself(channels):
    run_in_console(channels, OLGA)
    listed = channels.stub(PAT).ListSettlementDays(
        settlement_pb2.ListSettlementDaysRequest(page_size=366), timeout=10
    )
    [day] = [d for d in listed.days if d.business_date == DAY]
    assert (day.run_by.uri, day.run_by.person, day.run_by.role) == (OLGA.uri, "olga", "officer")
