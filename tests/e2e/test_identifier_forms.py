"""Identifiers through the SDK and a real hub server: every form a till types finds one member,
read in the calling partner's phone region."""

from __future__ import annotations

import uuid

import grpc
import pytest

from coalition.hub.v1 import admin_pb2, admin_pb2_grpc, common_pb2, partner_pb2
from partner_sdk import HubClient, Identifier, IdentifierTaken, InvalidIdentifier
from tests.conftest import add_partner
from tests.e2e.mtls import ADMIN, Pki
from tests.integration.helpers import row_counts

RU_FORMS = ("+7 (916) 123-45-67", "8 916 123-45-67", "79161234567")


@pytest.fixture
def grocer(hub, target):
    add_partner(hub, "grocer", currency="RUB", phone_region="RU")
    with HubClient(target, partner_id="grocer") as till:
        yield till


@pytest.fixture
def coffee_till(hub, target):
    add_partner(hub, "coffee")  # no phone region: international numbers only
    with HubClient(target, partner_id="coffee") as till:
        yield till


def test_the_three_russian_forms_of_a_phone_reach_one_member(grocer):
    first, *others = RU_FORMS
    member = grocer.enroll(Identifier.phone(first))
    for form in others:
        assert grocer.lookup(Identifier.phone(form)).member_id == member.member_id
        earned = grocer.earn(
            Identifier.phone(form), amount_minor=10_000, currency="RUB", order_id=form
        )
        assert earned.member_id == member.member_id
    assert grocer.balance(member.member_id).available_points == 200
    with pytest.raises(IdentifierTaken):
        grocer.enroll(Identifier.phone(others[0]))


def test_an_invalid_phone_gets_the_typed_error_naming_the_field_and_writes_nothing(hub, grocer):
    counts = row_counts(hub)
    with pytest.raises(InvalidIdentifier) as refused:
        grocer.enroll(Identifier.phone("8 016 123-45-67"))  # no such Russian range
    assert refused.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details["field"] == "identifiers[0].value"
    with pytest.raises(InvalidIdentifier):
        grocer.earn(Identifier.phone("+7 916 12"), amount_minor=100, currency="RUB", order_id="x")
    assert row_counts(hub) == counts


def test_a_partner_without_a_region_takes_only_international_numbers(hub, coffee_till):
    member = coffee_till.enroll(Identifier.phone("+7 916 123-45-67"))
    with pytest.raises(InvalidIdentifier):
        coffee_till.lookup(Identifier.phone("8 916 123-45-67"))
    assert coffee_till.lookup(Identifier.phone("+79161234567")).member_id == member.member_id


def test_a_card_in_full_width_digits_after_ascii_is_the_same_card(coffee_till):
    member = coffee_till.enroll(Identifier.card("4000 1234 5678 9010"))
    with pytest.raises(IdentifierTaken):
        coffee_till.enroll(Identifier.card("４０００ １２３４ ５６７８ ９０１０"))
    arabic_indic = Identifier.card("٤٠٠٠١٢٣٤٥٦٧٨٩٠١٠")
    earned = coffee_till.earn(arabic_indic, amount_minor=1000, currency="EUR", order_id="r-1")
    assert earned.member_id == member.member_id


def test_a_contact_phone_in_national_form_is_read_in_the_partners_region(hub, grocer, stub):
    member = grocer.enroll(Identifier.card("4000000000000001"))
    request = partner_pb2.UpdateMemberContactRequest(
        idempotency_key=uuid.uuid4().hex,
        member_id=member.member_id,
        contact=partner_pb2.MemberContact(phone="8 (916) 123-45-67"),
    )
    stub.UpdateMemberContact(request, metadata=(("x-hub-partner-id", "grocer"),), timeout=5)
    contact = hub.member_contact(uuid.UUID(member.member_id))
    assert contact is not None
    assert contact.phone == "+79161234567"


@pytest.fixture
def admin(hub, pki: Pki, mtls_target: str) -> admin_pb2_grpc.AdminServiceStub:
    return admin_pb2_grpc.AdminServiceStub(pki.channel(mtls_target, pki.enrol(hub, ADMIN)))


def test_an_admin_onboards_a_partner_with_a_phone_region_and_changes_it(hub, admin):
    rates = common_pb2.Rates(
        earn_rate="0.1", burn_value="0.5", issue_price="0.0055", redemption_price="0.005"
    )
    added = admin.AddPartner(
        admin_pb2.AddPartnerRequest(
            partner_id="grocer",
            name="Green Grocer",
            currency="RUB",
            rates=rates,
            phone_region="ru",
            reason="T-1",
        ),
        timeout=5,
    )
    changed = admin.SetPartnerPhoneRegion(
        admin_pb2.SetPartnerPhoneRegionRequest(partner_id="grocer", phone_region="", reason="T-2"),
        timeout=5,
    )
    assert (added.phone_region, changed.phone_region) == ("RU", "")
    with pytest.raises(grpc.RpcError) as refused:
        admin.SetPartnerPhoneRegion(
            admin_pb2.SetPartnerPhoneRegionRequest(
                partner_id="grocer", phone_region="XX", reason="T-3"
            ),
            timeout=5,
        )
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert hub.operator.get_partner("grocer").partner.phone_region is None
    actions = [r.event.action for r in hub.operator.list_audit(limit=2)]
    assert actions == ["partner.set_phone_region", "partner.add"]
