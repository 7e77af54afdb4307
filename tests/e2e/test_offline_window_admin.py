"""The partner's offline window, set by an operator through the API and through ``hub partner``
(which calls the API with the operator's certificate): audited, bounded, and shown."""

from __future__ import annotations

import grpc
import pytest

from coalition.hub.v1 import admin_pb2, admin_pb2_grpc, common_pb2
from tests.e2e.mtls import ADMIN, Pki
from tests.e2e.operator_desk import ok, open_desk, refused
from tests.e2e.test_cli import PARTNER_FLAGS

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


def test_an_operator_sets_the_window_from_the_command_line(hub, tmp_path):
    with open_desk(hub, tmp_path) as desk:
        ok(
            desk,
            *("partner", "add", "grocer", "--name", "Grocer", *PARTNER_FLAGS),
            *("--offline-window-s", "3600"),
        )
        ok(
            desk,
            *("partner", "set-offline-window", "grocer", "--offline-window-s", "7200"),
            *("--reason", "tills on a ferry"),
        )
        shown = ok(desk, "partner", "show", "grocer")
        error = refused(
            desk,
            *("partner", "set-offline-window", "grocer", "--offline-window-s", "-1"),
            *("--reason", "typo"),
        )
    assert "offline window: 7200 s" in shown
    assert "offline_window_s" in error
    assert hub.operator.get_partner("grocer").partner.offline_window_s == 7200
