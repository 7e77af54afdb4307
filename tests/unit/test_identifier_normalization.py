"""One card or phone is one identifier, whatever digits or national form a till typed."""

from __future__ import annotations

import grpc
import pytest

from coalition.hub.v1 import common_pb2, partner_pb2
from hub.api import convert
from hub.domain.contacts import Contact
from hub.domain.errors import InvalidField, InvalidIdentifier
from hub.domain.fields import ascii_digits
from hub.domain.members import (
    IDENTIFIER_TEXT_LENGTH_MAX,
    Identifier,
    IdentifierHasher,
    IdentifierKind,
)
from hub.domain.phones import check_phone_region

KEY = bytes(range(32))
HASHER = IdentifierHasher(KEY)
CARD = "4000123456789010"
CARD_SPELLINGS = {
    "full-width": "４０００１２３４５６７８９０１０",
    "Arabic-Indic": "٤٠٠٠١٢٣٤٥٦٧٨٩٠١٠",
    "Eastern Arabic-Indic": "۴۰۰۰۱۲۳۴۵۶۷۸۹۰۱۰",
    "Devanagari": "४०००१२३४५६७८९०१०",
    "full-width with full-width dashes": "４０００－１２３４－５６７８－９０１０",
    "ASCII with Unicode hyphens": "4000\u20101234\u20135678\u22129010",
}
RU_PHONE_FORMS = (
    "+7 (916) 123-45-67",
    "8 916 123-45-67",
    "79161234567",
    "9161234567",
    " +7\u00a0916\u00a0123\u201145\u201167 ",  # no-break spaces and hyphens, padded
)
RU_PHONE = "+79161234567"


def _card(raw: str) -> Identifier:
    return Identifier.parse(IdentifierKind.CARD, raw)


def _phone(raw: str, region: str | None = "RU") -> Identifier:
    return Identifier.parse(IdentifierKind.PHONE, raw, phone_region=region)


@pytest.mark.parametrize("script", sorted(CARD_SPELLINGS))
def test_a_card_typed_in_any_scripts_digits_is_the_ascii_card(script):
    typed = _card(CARD_SPELLINGS[script])
    assert typed.value == CARD
    assert HASHER.digest(typed) == HASHER.digest(_card(CARD))


def test_an_ascii_card_is_hashed_exactly_as_before_the_change():
    # NFKC leaves ASCII alone, so digests already on file still match.
    assert _card("4000 1234-5678 9010") == Identifier(IdentifierKind.CARD, CARD)


def test_full_width_letters_in_an_app_id_are_the_ascii_app_id():
    assert Identifier.parse(IdentifierKind.APP_ID, "ａｐｐ：user-４２").value == "app:user-42"


def test_digit_folding_keeps_what_is_not_a_digit():
    assert ascii_digits("é٣x") == "é3x"
    assert ascii_digits("plain 123") == "plain 123"


@pytest.mark.parametrize("form", RU_PHONE_FORMS)
def test_the_russian_forms_of_one_number_are_one_identifier_in_region_ru(form):
    assert _phone(form).value == RU_PHONE
    assert HASHER.digest(_phone(form)) == HASHER.digest(_phone(RU_PHONE, None))


def test_a_phone_in_another_scripts_digits_is_the_same_number():
    assert _phone("+٧ ٩١٦ ١٢٣-٤٥-٦٧", None).value == RU_PHONE
    assert _phone("８ ９１６ １２３-４５-６７").value == RU_PHONE


def test_an_international_number_ignores_the_partners_region():
    assert _phone("+49 151 1234 5678").value == "+4915112345678"


@pytest.mark.parametrize("form", ["8 916 123-45-67", "79161234567"])
def test_without_a_region_a_national_number_is_refused(form):
    with pytest.raises(InvalidIdentifier):
        _phone(form, None)


@pytest.mark.parametrize(
    "raw",
    [
        "+7 916 123",  # too short
        "8 916 123-45-67-89",  # too long
        "+7 016 123-45-67",  # no such Russian range
        "+1 555 555 0100",  # a fictional US number
        "+999 1234 5678",  # no such country code
        "+7 916 CALL-ME-1",  # letters are not digits here
        "+7 916 123-45-67 ext. 5",  # an extension names no member
        "tel:+79161234567",
        "",
    ],
)
def test_an_invalid_phone_is_refused_with_invalid_identifier_naming_the_field(raw):
    with pytest.raises(InvalidIdentifier) as caught:
        Identifier.parse(
            IdentifierKind.PHONE, raw, field_name="member.identifier.value", phone_region="RU"
        )
    error = caught.value
    assert (error.code, error.reason, error.field) == (
        grpc.StatusCode.INVALID_ARGUMENT.name,
        "INVALID_IDENTIFIER",
        "member.identifier.value",
    )
    assert not raw or raw not in error.message


@pytest.mark.parametrize("kind", list(IdentifierKind))
def test_an_overlong_identifier_is_refused_before_any_parsing(kind):
    with pytest.raises(InvalidIdentifier):
        Identifier.parse(kind, "1" * (IDENTIFIER_TEXT_LENGTH_MAX + 1), phone_region="RU")


def test_a_contact_phone_is_e164_in_the_partners_region_and_links_to_the_identifier():
    contact = Contact.parse(phone="8 (916) 123-45-67", phone_region="RU")
    assert contact.phone == RU_PHONE
    assert HASHER.link_digest(IdentifierKind.PHONE, contact.phone) == HASHER.digest(
        _phone(RU_PHONE)
    )


def test_an_invalid_contact_phone_is_refused_naming_the_field():
    with pytest.raises(InvalidField) as caught:
        Contact.parse(phone="8 916 123-45-67")  # no region: national forms mean nothing
    assert caught.value.field == "contact.phone"


@pytest.mark.parametrize(("text", "region"), [("RU", "RU"), ("de", "DE"), (" gb ", "GB")])
def test_a_phone_region_is_an_upper_case_iso_country(text, region):
    assert check_phone_region(text) == region


@pytest.mark.parametrize("text", [None, ""])
def test_no_phone_region_is_none(text):
    assert check_phone_region(text) is None


@pytest.mark.parametrize("text", ["RUS", "XX", "001", "7"])
def test_an_unknown_phone_region_is_refused_naming_the_field(text):
    with pytest.raises(InvalidField) as caught:
        check_phone_region(text)
    assert caught.value.field == "phone_region"


def _phone_ref(value: str) -> common_pb2.MemberRef:
    identifier = common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_PHONE, value=value)
    return common_pb2.MemberRef(identifier=identifier)


def test_the_edge_reads_member_refs_and_contacts_in_the_callers_region():
    earn = partner_pb2.EarnRequest(member=_phone_ref("8 916 123-45-67"))
    earn.purchase.amount_minor, earn.purchase.currency = 100, "RUB"
    assert convert.earn(earn, "grocer", phone_region="RU").member == _phone(RU_PHONE)
    enroll = partner_pb2.EnrollMemberRequest(
        identifiers=[_phone_ref("8 916 123-45-67").identifier],
        contact=partner_pb2.MemberContact(phone="89161234567"),
    )
    command = convert.enroll(enroll, "grocer", phone_region="RU")
    assert command.identifiers == (_phone(RU_PHONE),)
    assert command.contact == Contact(phone=RU_PHONE)


def test_the_edge_without_a_region_refuses_a_national_number_naming_the_field():
    with pytest.raises(InvalidIdentifier) as caught:
        convert.lookup(partner_pb2.LookupMemberRequest(member=_phone_ref("8 916 123-45-67")), "x")
    assert caught.value.field == "member.identifier.value"
