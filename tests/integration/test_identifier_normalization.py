"""One card or phone is one member, however the till typed it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from hub.adapters.tables import audit_log, member_links
from hub.domain.contacts import Contact
from hub.domain.errors import IdentifierTaken, InvalidField
from hub.domain.members import Identifier, IdentifierKind
from hub.domain.principals import Principal
from hub.services.commands import (
    EnrollMember,
    GetBalance,
    LookupMember,
    SetPhoneRegion,
    UpdateMemberContact,
)
from tests.conftest import OPERATOR, add_partner
from tests.integration.helpers import card, earn, enroll, row_counts

ASCII_CARD = "4000123456789010"
FULL_WIDTH_CARD = "４０００ １２３４ ５６７８ ９０１０"
ARABIC_INDIC_CARD = "٤٠٠٠١٢٣٤٥٦٧٨٩٠١٠"
DEVANAGARI_CARD = "४०००१२३४५६७८९०१०"


def _phone(raw: str, region: str | None = "RU") -> Identifier:
    return Identifier.parse(IdentifierKind.PHONE, raw, phone_region=region)


@pytest.fixture
def grocer(hub) -> str:
    """A partner in RUB whose tills are in Russia."""
    return add_partner(hub, "grocer", currency="RUB", phone_region="RU")


def test_a_card_enrolled_again_in_full_width_digits_is_taken_and_nothing_is_written(hub, coffee):
    enroll(hub, "coffee", card(ASCII_CARD))
    counts = row_counts(hub)
    with pytest.raises(IdentifierTaken):
        enroll(hub, "coffee", card(FULL_WIDTH_CARD))
    assert row_counts(hub) == counts


def test_a_card_in_arabic_indic_or_devanagari_digits_finds_and_earns_for_the_ascii_member(
    hub, coffee
):
    member = enroll(hub, "coffee", card(ASCII_CARD))
    api = hub.partner_api()
    assert api.lookup(LookupMember("coffee", card(ARABIC_INDIC_CARD))).member_id == (
        member.member_id
    )
    earned = earn(hub, card(DEVANAGARI_CARD), 1000)
    assert earned.member_id == member.member_id
    assert api.balance(GetBalance("coffee", member.member_id)).available_points == 10


def test_a_partners_phone_region_is_stored_and_read_with_its_admission(hub, grocer, coffee):
    assert hub.operator.get_partner("grocer").partner.phone_region == "RU"
    assert hub.operator.get_partner("coffee").partner.phone_region is None
    assert hub.operator.admit(Principal.partner("grocer")).phone_region == "RU"
    assert hub.operator.admit(Principal.partner("coffee")).phone_region is None


def test_the_three_russian_forms_of_a_phone_are_one_member_in_region_ru(hub, grocer):
    region = hub.operator.admit(Principal.partner("grocer")).phone_region
    member = enroll(hub, "grocer", _phone("+7 (916) 123-45-67", region))
    counts = row_counts(hub)
    with pytest.raises(IdentifierTaken):
        enroll(hub, "grocer", _phone("8 916 123-45-67", region))
    assert row_counts(hub) == counts
    found = hub.partner_api().lookup(LookupMember("grocer", _phone("79161234567", region)))
    assert found.member_id == member.member_id
    earned = earn(
        hub, _phone("8 916 123-45-67", region), 10_000, partner_id="grocer", currency_code="RUB"
    )
    assert earned.member_id == member.member_id


def test_a_contact_phone_in_national_form_links_to_the_member_identified_by_it(hub, grocer):
    phone = _phone("+7 916 123-45-67")
    owner = enroll(hub, "grocer", card("4000000000000001"), phone).member_id
    other = enroll(hub, "grocer", card("4000000000000002")).member_id
    contact = Contact.parse(phone="8 (916) 123-45-67", phone_region="RU")
    hub.partner_api().update_contact(
        UpdateMemberContact("grocer", uuid.uuid4().hex, other, contact)
    )
    digest = hub.identifier_hasher().digest(phone)
    with hub.engine.connect() as connection:
        linked = connection.execute(
            sa.select(member_links.c.member_id).where(member_links.c.digest == digest)
        ).scalars()
        assert set(linked) == {owner, other}


def test_an_operator_sets_the_phone_region_and_the_change_is_audited(hub, coffee):
    view = hub.operator.set_phone_region(SetPhoneRegion("coffee", "de", changed_by=OPERATOR))
    assert view.partner.phone_region == "DE"
    assert hub.operator.admit(Principal.partner("coffee")).phone_region == "DE"
    cleared = hub.operator.set_phone_region(SetPhoneRegion("coffee", None, changed_by=OPERATOR))
    assert cleared.partner.phone_region is None
    with hub.engine.connect() as connection:
        actions = connection.execute(
            sa.select(audit_log.c.action).where(audit_log.c.action == "partner.set_phone_region")
        ).scalars()
        assert len(list(actions)) == 2


@pytest.mark.parametrize("region", ["XX", "RUS"])
def test_an_unknown_phone_region_is_refused_naming_the_field_and_nothing_is_written(
    hub, coffee, region
):
    counts = row_counts(hub)
    with pytest.raises(InvalidField) as caught:
        hub.operator.set_phone_region(SetPhoneRegion("coffee", region, changed_by=OPERATOR))
    assert caught.value.field == "phone_region"
    with pytest.raises(InvalidField):
        add_partner(hub, "fuel", phone_region=region)
    assert row_counts(hub) == counts
    assert hub.operator.get_partner("coffee").partner.phone_region is None


def test_an_enrolment_replayed_with_another_form_of_the_phone_is_the_same_request(hub, grocer):
    first = hub.partner_api().enroll(
        EnrollMember("grocer", "enrol-1", (_phone("+7 916 123-45-67"),))
    )
    again = hub.partner_api().enroll(EnrollMember("grocer", "enrol-1", (_phone("89161234567"),)))
    assert again == first
