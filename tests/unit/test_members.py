import uuid
from datetime import UTC, datetime

import pytest

from hub.domain.errors import InvalidIdentifier, MemberNotActive
from hub.domain.members import Identifier, IdentifierHasher, IdentifierKind, Member, MemberStatus

KEY = bytes(range(32))


@pytest.mark.parametrize(
    ("kind", "raw", "normalized"),
    [
        (IdentifierKind.CARD, "1234 5678-9012", "123456789012"),
        (IdentifierKind.PHONE, "+44 (20) 7946-0000", "+442079460000"),
        (IdentifierKind.APP_ID, "app:user-42", "app:user-42"),
    ],
)
def test_identifiers_are_normalized(kind, raw, normalized):
    assert Identifier.parse(kind, raw).value == normalized


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (IdentifierKind.CARD, "1234"),
        (IdentifierKind.CARD, "12345678abc"),
        (IdentifierKind.PHONE, "442079460000"),
        (IdentifierKind.APP_ID, "has space"),
        (IdentifierKind.APP_ID, ""),
    ],
)
def test_malformed_identifiers_are_refused_without_echoing_them(kind, raw):
    with pytest.raises(InvalidIdentifier) as caught:
        Identifier.parse(kind, raw)
    assert raw not in caught.value.message or not raw


def test_an_identifiers_repr_never_shows_its_value():
    assert "4111111111111111" not in repr(Identifier.parse(IdentifierKind.CARD, "4111111111111111"))


def test_digests_depend_on_the_key_and_the_kind():
    card = Identifier.parse(IdentifierKind.CARD, "12345678")
    app = Identifier.parse(IdentifierKind.APP_ID, "12345678")
    hasher, other = IdentifierHasher(KEY), IdentifierHasher(bytes(32))
    assert hasher.digest(card) == IdentifierHasher(KEY).digest(
        Identifier.parse(IdentifierKind.CARD, "1234-5678")
    )
    assert hasher.digest(card) != other.digest(card)
    assert hasher.digest(card) != hasher.digest(app)
    assert hasher.key_id != other.key_id
    assert KEY.hex() not in repr(hasher)


def test_a_short_identifier_key_is_refused():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        IdentifierHasher(b"short")


def test_a_frozen_member_is_not_active():
    member = Member(uuid.uuid4(), MemberStatus.FROZEN, datetime.now(UTC))
    with pytest.raises(MemberNotActive):
        member.require_active()
