"""The partner's offline window, set by an admin through the API and by an operator through
``hub partner``: audited, bounded, and shown."""

from __future__ import annotations

import grpc
import pytest

from coalition.hub.v1 import admin_pb2, admin_pb2_grpc, common_pb2
from tests.e2e.mtls import ADMIN, Pki
from tests.e2e.test_cli import PARTNER_FLAGS, hub_cli

RATES = common_pb2.Rates(
    earn_rate="0.1", burn_value="0.5", issue_price="0.0055", redemption_price="0.005"
)


@pytest.fixture
def admin(hub, pki: Pki, mtls_target: str) -> admin_pb2_grpc.AdminServiceStub:
    return admin_pb2_grpc.AdminServiceStub(pki.channel(mtls_target, pki.enrol(hub, ADMIN)))


def test_an_admin_onboards_a_partner_with_a_window_and_changes_it(hub, admin):
    added = admin.AddPartner(
        admin_pb2.AddPartnerRequest(
            partner_id="grocer",
            name="Green Grocer",
            currency="RUB",
            rates=RATES,
            offline_window_s=0,
            reason="T-1",
        ),
        timeout=5,
    )
    changed = admin.SetPartnerOfflineWindow(
        admin_pb2.SetPartnerOfflineWindowRequest(
            partner_id="grocer", offline_window_s=86_400, reason="T-2"
        ),
        timeout=5,
    )
    assert (added.offline_window_s, changed.offline_window_s) == (0, 86_400)
    actions = [r.event.action for r in hub.operator.list_audit(limit=2)]
    assert actions == ["partner.set_offline_window", "partner.add"]


def test_a_partner_added_without_a_window_gets_three_days(admin):
    added = admin.AddPartner(
        admin_pb2.AddPartnerRequest(
            partner_id="grocer", name="Green Grocer", currency="RUB", rates=RATES, reason="T-1"
        ),
        timeout=5,
    )
    assert added.offline_window_s == 72 * 3600


def test_a_window_beyond_thirty_days_is_refused_naming_the_field(hub, admin):
    with pytest.raises(grpc.RpcError) as refused:
        admin.SetPartnerOfflineWindow(
            admin_pb2.SetPartnerOfflineWindowRequest(
                partner_id="coffee", offline_window_s=31 * 86_400, reason="T-3"
            ),
            timeout=5,
        )
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert hub.operator.get_partner("coffee").partner.offline_window_s == 72 * 3600


@pytest.mark.slow
def test_an_operator_sets_the_window_from_the_command_line(tmp_path):
    db = f"sqlite:///{tmp_path}/hub.db"
    assert hub_cli("migrate", "--db", db).returncode == 0
    added = hub_cli(
        *("partner", "add", "grocer", "--name", "Grocer", *PARTNER_FLAGS),
        *("--offline-window-s", "3600", "--db", db),
    )
    assert added.returncode == 0, added.stderr
    changed = hub_cli(
        *("partner", "set-offline-window", "grocer", "--offline-window-s", "7200"),
        *("--reason", "tills on a ferry", "--db", db),
    )
    assert changed.returncode == 0, changed.stderr
    shown = hub_cli("partner", "show", "grocer", "--db", db)
    assert "offline window: 7200 s" in shown.stdout
    refused = hub_cli(
        *("partner", "set-offline-window", "grocer", "--offline-window-s", "-1"),
        *("--reason", "typo", "--db", db),
    )
    assert refused.returncode == 2
    assert "offline_window_s" in refused.stderr
