"""Keys that protect member data: contacts sealed with AES-256-GCM, identifier keyrings."""

import dataclasses
import uuid
from datetime import UTC, date, datetime

import pytest

from coalition.hub.v1 import common_pb2, partner_pb2
from hub.api import convert
from hub.domain.contacts import Contact, ContactCipher, ContactCipherError, Sealed
from hub.domain.errors import InvalidField
from hub.domain.members import Identifier, IdentifierHasher, IdentifierKind, MemberStatus
from hub.services.results import MemberView

KEY_A, KEY_B = bytes(range(32)), bytes(range(32, 64))
MEMBER = uuid.UUID("0190d5e2-0000-7000-8000-000000000001")
OTHER_MEMBER = uuid.UUID("0190d5e2-0000-7000-8000-000000000002")
CONTACT = Contact.parse(
    name="  Ada   Lovelace ",
    email="ada@Example.ORG",
    phone="+44 20 7946-0000",
    birth_date="1990-12-10",
)


# -- contacts ---------------------------------------------------------------------------------


def test_a_contact_is_normalized():
    assert (
        Contact("Ada Lovelace", "ada@example.org", "+442079460000", date(1990, 12, 10)) == CONTACT
    )


def test_empty_strings_mean_not_given():
    assert Contact.parse(email="ada@example.org") == Contact(email="ada@example.org")
    assert Contact.parse().empty


def test_a_contacts_repr_never_shows_its_values():
    shown = repr(CONTACT)
    for value in ("Ada", "ada@", "442079460000", "1990"):
        assert value not in shown


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "x" * 201}, "contact.name"),
        ({"name": "Ada\x00"}, "contact.name"),
        ({"email": "ada-at-example.org"}, "contact.email"),
        ({"email": "ada@example"}, "contact.email"),
        ({"email": "a" * 250 + "@example.org"}, "contact.email"),
        ({"phone": "442079460000"}, "contact.phone"),
        ({"phone": "+44 20 CALL ADA"}, "contact.phone"),
        ({"birth_date": "10/12/1990"}, "contact.birth_date"),
        ({"birth_date": "19901210"}, "contact.birth_date"),
        ({"birth_date": "1899-12-31"}, "contact.birth_date"),
    ],
)
def test_malformed_contacts_are_refused_naming_the_field_without_echoing_it(fields, field):
    with pytest.raises(InvalidField) as caught:
        Contact.parse(**fields)
    assert caught.value.field == field
    assert next(iter(fields.values())) not in caught.value.message


def test_a_birth_date_in_the_future_is_refused():
    with pytest.raises(InvalidField):
        CONTACT.require_born_by(date(1990, 12, 9))
    CONTACT.require_born_by(date(1990, 12, 10))


def test_a_sealed_contact_opens_to_the_same_contact():
    cipher = ContactCipher(KEY_A)
    sealed = cipher.seal(MEMBER, CONTACT)
    assert cipher.open(MEMBER, sealed) == CONTACT
    assert b"Lovelace" not in sealed.ciphertext
    assert sealed.key_id == cipher.key_id


def test_every_sealing_uses_a_fresh_nonce():
    cipher = ContactCipher(KEY_A)
    first, second = cipher.seal(MEMBER, CONTACT), cipher.seal(MEMBER, CONTACT)
    assert len(first.nonce) == 12
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


def test_a_ciphertext_moved_to_another_member_does_not_open():
    cipher = ContactCipher(KEY_A)
    with pytest.raises(ContactCipherError, match="fails authentication"):
        cipher.open(OTHER_MEMBER, cipher.seal(MEMBER, CONTACT))


def test_an_altered_ciphertext_does_not_open():
    cipher = ContactCipher(KEY_A)
    sealed = cipher.seal(MEMBER, CONTACT)
    flipped = bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]
    with pytest.raises(ContactCipherError):
        cipher.open(MEMBER, dataclasses.replace(sealed, ciphertext=flipped))


def test_a_contact_sealed_under_an_unknown_key_does_not_open_and_the_error_hides_the_keys():
    sealed = ContactCipher(KEY_A).seal(MEMBER, CONTACT)
    with pytest.raises(ContactCipherError, match="not configured") as caught:
        ContactCipher(KEY_B).open(MEMBER, sealed)
    assert KEY_A.hex() not in str(caught.value)
    assert KEY_B.hex() not in str(caught.value)


def test_a_key_with_the_same_id_but_other_bytes_does_not_open():
    sealed = ContactCipher(KEY_A).seal(MEMBER, CONTACT)
    forged = Sealed(ContactCipher(KEY_B).key_id, sealed.nonce, sealed.ciphertext)
    with pytest.raises(ContactCipherError, match="fails authentication"):
        ContactCipher(KEY_B).open(MEMBER, forged)


def test_retired_data_keys_still_open_and_the_current_key_seals():
    sealed_under_a = ContactCipher(KEY_A).seal(MEMBER, CONTACT)
    rotated = ContactCipher(KEY_B, KEY_A)
    assert rotated.open(MEMBER, sealed_under_a) == CONTACT
    assert rotated.seal(MEMBER, CONTACT).key_id == ContactCipher(KEY_B).key_id
    assert rotated.key_ids == (ContactCipher(KEY_B).key_id, ContactCipher(KEY_A).key_id)


def test_a_data_key_is_exactly_32_bytes_and_never_shown():
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        ContactCipher(bytes(16))
    assert KEY_A.hex() not in repr(ContactCipher(KEY_A))


# -- identifier keyrings ----------------------------------------------------------------------

CARD = Identifier.parse(IdentifierKind.CARD, "4000123412341234")


def test_a_keyring_digests_under_the_current_key_first_then_the_retired_ones():
    rotated = IdentifierHasher(KEY_B, KEY_A)
    assert rotated.digest(CARD) == IdentifierHasher(KEY_B).digest(CARD)
    assert rotated.digests(CARD) == (
        IdentifierHasher(KEY_B).digest(CARD),
        IdentifierHasher(KEY_A).digest(CARD),
    )
    assert rotated.key_id == IdentifierHasher(KEY_B).key_id
    assert rotated.key_ids == (rotated.key_id, IdentifierHasher(KEY_A).key_id)
    assert rotated.rotating
    assert not IdentifierHasher(KEY_A).rotating


def test_a_key_listed_twice_is_matched_once():
    assert IdentifierHasher(KEY_A, KEY_A).digests(CARD) == (IdentifierHasher(KEY_A).digest(CARD),)


def test_a_short_retired_identifier_key_is_refused():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        IdentifierHasher(KEY_A, b"short")


def test_a_keyrings_repr_names_keys_without_showing_them():
    shown = repr(IdentifierHasher(KEY_B, KEY_A))
    assert KEY_A.hex() not in shown
    assert KEY_B.hex() not in shown


def test_request_fingerprints_are_keyed():
    message = b'enroll_member\n{"identifiers":[["phone","+442079460000"]]}'
    assert IdentifierHasher(KEY_A).fingerprint(message) != IdentifierHasher(KEY_B).fingerprint(
        message
    )
    assert IdentifierHasher(KEY_A).fingerprint(message) == IdentifierHasher(KEY_A).fingerprint(
        message
    )


# -- the wire ---------------------------------------------------------------------------------


def test_an_enrolment_carries_an_optional_contact_from_the_wire():
    identifiers = [
        common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_CARD, value="4000123412341234")
    ]
    bare = partner_pb2.EnrollMemberRequest(idempotency_key="k", identifiers=identifiers)
    assert convert.enroll(bare, "coffee").contact is None
    with_contact = partner_pb2.EnrollMemberRequest(
        idempotency_key="k",
        identifiers=identifiers,
        contact=partner_pb2.MemberContact(name="Ada", email="ada@example.org"),
    )
    assert convert.enroll(with_contact, "coffee").contact == Contact("Ada", "ada@example.org")


def test_a_malformed_contact_on_the_wire_names_the_field():
    request = partner_pb2.UpdateMemberContactRequest(
        idempotency_key="k",
        member_id=str(MEMBER),
        contact=partner_pb2.MemberContact(email="not-an-address"),
    )
    with pytest.raises(InvalidField) as caught:
        convert.update_contact(request, "coffee")
    assert caught.value.field == "contact.email"


def test_an_erased_member_goes_on_the_wire_as_erased():
    view = MemberView(MEMBER, MemberStatus.ERASED, datetime(2026, 11, 22, tzinfo=UTC), ())
    assert convert.member_message(view).status == partner_pb2.MEMBER_STATUS_ERASED
