"""Protection of member data, on SQLite and on PostgreSQL: identifier key rotation, contacts
encrypted at rest, data key rotation, and erasure on request."""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.repositories import partners as partner_statements
from hub.adapters.sql import Sql
from hub.adapters.tables import member_contacts, member_identifiers
from hub.domain.contacts import Contact, ContactCipherError
from hub.domain.currencies import currency
from hub.domain.errors import (
    IdempotencyKeyReused,
    IdentifierTaken,
    InvalidField,
    MemberNotActive,
    MemberNotFound,
)
from hub.domain.members import Identifier, IdentifierHasher, IdentifierKind, MemberStatus
from hub.domain.money import Money
from hub.services.commands import (
    AddIdentifier,
    Attribution,
    EnrollMember,
    EraseMember,
    LookupMember,
    QuoteEarn,
    UpdateMemberContact,
)
from tests.conftest import IDENTIFIER_KEY_HEX, KEYS_ENV, settings_for
from tests.integration.helpers import authorize, balance, card, earn, row_counts

PHONE = Identifier.parse(IdentifierKind.PHONE, "+44 20 7946 0000")
CONTACT = Contact.parse(
    name="Ada Lovelace", email="ada@example.org", phone="+447911123456", birth_date="1990-12-10"
)
PLAINTEXTS = ("Ada Lovelace", "ada@example.org", "447911123456", "1990-12-10")
KEY_A = IDENTIFIER_KEY_HEX
KEY_B = secrets.token_hex(32)
DATA_KEY_A = KEYS_ENV["HUB_DATA_KEY"]
DATA_KEY_B = secrets.token_hex(32)
ERASURE = EraseMember(
    uuid.uuid4(),
    changed_by=Attribution("spiffe://coalition.hub/staff/admin/dpo", "GDPR art. 17, T-42"),
)


@pytest.fixture
def rewired(hub: bootstrap.Hub) -> Iterator[Callable[..., bootstrap.Hub]]:
    """Another hub on the same database and clock with other keys: a restart after rotation."""
    opened: list[bootstrap.Hub] = []

    def restart(**keys: str) -> bootstrap.Hub:
        settings = dataclasses.replace(settings_for(hub.settings.database_url), **keys)
        opened.append(bootstrap.build(settings, clock=hub.clock))
        return opened[-1]

    yield restart
    for other in opened:
        other.close()


def enroll(hub: bootstrap.Hub, *identifiers: Identifier, contact: Contact | None = None):
    command = EnrollMember("coffee", uuid.uuid4().hex, identifiers or (card(),), contact)
    return hub.partner_api().enroll(command)


def identifier_rows(hub: bootstrap.Hub) -> list[tuple[bytes, str]]:
    with hub.engine.connect() as connection:
        query = sa.select(member_identifiers.c.digest, member_identifiers.c.key_id)
        return [(bytes(digest), key_id) for digest, key_id in connection.execute(query)]


def raw_dump(hub: bootstrap.Hub, table: str) -> bytes:
    """Every value of every row, as the database file or a backup would hold them."""
    with hub.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"SELECT * FROM {table}").all()
    return b"|".join(
        value if isinstance(value, bytes) else str(value).encode() for row in rows for value in row
    )


def usage(hub: bootstrap.Hub, purpose: str) -> dict[tuple[str, str], int]:
    return {(u.key_id, u.state): u.rows for u in hub.member_key_usage() if u.purpose == purpose}


# -- identifier keys --------------------------------------------------------------------------


def test_after_a_rotation_members_are_found_by_the_retired_key_and_re_keyed_by_the_next_earn(
    hub, coffee, rewired
):
    member = enroll(hub, card(), PHONE)
    old_a = IdentifierHasher(bytes.fromhex(KEY_A))
    rotated = rewired(identifier_key_hex=KEY_B, identifier_keys_retired_hex=KEY_A)
    new_b = IdentifierHasher(bytes.fromhex(KEY_B))

    assert rotated.partner_api().lookup(LookupMember("coffee", card())).member_id == (
        member.member_id
    )
    rotated.partner_api().quote_earn(QuoteEarn("coffee", card(), Money(1000, currency("EUR"))))
    assert {key_id for _, key_id in identifier_rows(hub)} == {old_a.key_id}, "reads re-key nothing"
    assert usage(rotated, "identifier") == {
        (new_b.key_id, "current"): 0,
        (old_a.key_id, "retired"): 2,
    }

    assert earn(rotated, card()).member_id == member.member_id
    assert sorted(identifier_rows(hub)) == sorted(
        [(new_b.digest(card()), new_b.key_id), (old_a.digest(PHONE), old_a.key_id)]
    )
    assert usage(rotated, "identifier") == {
        (new_b.key_id, "current"): 1,
        (old_a.key_id, "retired"): 1,
    }

    dropped = rewired(identifier_key_hex=KEY_B)
    assert earn(dropped, card()).member_id == member.member_id
    with pytest.raises(MemberNotFound):
        dropped.partner_api().lookup(LookupMember("coffee", PHONE))  # never presented since


@pytest.fixture
def round_trips(monkeypatch) -> list[object]:
    """The statements sent to be answered (reads, and writes run at once)."""
    sent: list[object] = []
    later, execute = Sql.later, Sql.execute

    def counted(method):
        def wrapper(self, statement, params=None):
            sent.append(statement)
            return method(self, statement, params)

        return wrapper

    monkeypatch.setattr(Sql, "later", counted(later))
    monkeypatch.setattr(Sql, "execute", counted(execute))
    return sent


def test_a_rotation_adds_no_round_trip_to_an_earn_and_one_key_uses_the_statement_of_old(
    hub, coffee, rewired, round_trips
):
    enroll(hub, card(), PHONE)
    round_trips.clear()
    earn(hub, card())
    one_key = list(round_trips)
    assert partner_statements._FOR_CALL_BY_DIGEST in one_key
    rotated = rewired(identifier_key_hex=KEY_B, identifier_keys_retired_hex=KEY_A)
    for found_by in (PHONE, PHONE, card()):  # retired and re-keyed, current, retired again
        round_trips.clear()
        earn(rotated, found_by)
        assert len(round_trips) == len(one_key)


def test_an_identifier_on_file_under_a_retired_key_cannot_be_enrolled_again(hub, coffee, rewired):
    member = enroll(hub, card())
    rotated = rewired(identifier_key_hex=KEY_B, identifier_keys_retired_hex=KEY_A)
    with pytest.raises(IdentifierTaken):
        enroll(rotated, card())
    other = enroll(rotated, PHONE)
    with pytest.raises(IdentifierTaken):
        rotated.partner_api().add_identifier(
            AddIdentifier("coffee", uuid.uuid4().hex, other.member_id, card())
        )
    assert rotated.partner_api().lookup(LookupMember("coffee", card())).member_id == (
        member.member_id
    )


def test_an_authorization_by_a_retired_digest_re_keys_it_too(hub, coffee, rewired):
    enroll(hub, card())
    earn(hub, card(), 50_000)
    rotated = rewired(identifier_key_hex=KEY_B, identifier_keys_retired_hex=KEY_A)
    authorize(rotated, card(), 100)
    assert identifier_rows(hub) == [
        (IdentifierHasher(bytes.fromhex(KEY_B)).digest(card()), rotated.identifier_hasher().key_id)
    ]


# -- contacts ---------------------------------------------------------------------------------


def test_a_contact_is_kept_encrypted_and_operators_read_it_in_clear(hub, coffee):
    member = enroll(hub, card(), contact=CONTACT)
    dump = raw_dump(hub, "member_contacts")
    assert dump
    for plaintext in PLAINTEXTS:
        assert plaintext.encode() not in dump
    assert hub.member_contact(member.member_id) == CONTACT
    assert hub.member_contact(enroll(hub, PHONE).member_id) is None


def test_a_ciphertext_copied_onto_another_members_row_does_not_open(hub, coffee):
    ada = enroll(hub, card(), contact=CONTACT)
    eve = enroll(hub, PHONE, contact=Contact(name="Eve"))
    with hub.engine.begin() as connection:
        row = connection.execute(
            sa.select(member_contacts).where(member_contacts.c.member_id == ada.member_id)
        ).one()
        connection.execute(
            sa.update(member_contacts)
            .where(member_contacts.c.member_id == eve.member_id)
            .values(nonce=row.nonce, ciphertext=row.ciphertext, key_id=row.key_id)
        )
    with pytest.raises(ContactCipherError, match="fails authentication"):
        hub.member_contact(eve.member_id)


def test_a_partner_replaces_a_contact_or_deletes_it_with_an_empty_one(hub, coffee):
    member = enroll(hub, card(), contact=CONTACT)
    api = hub.partner_api()
    moved = Contact(name="Ada King", email="ada@example.org")
    update = UpdateMemberContact("coffee", "contact-1", member.member_id, moved)
    assert api.update_contact(update) == api.update_contact(update)
    assert hub.member_contact(member.member_id) == moved
    with pytest.raises(IdempotencyKeyReused):
        api.update_contact(dataclasses.replace(update, contact=CONTACT))
    api.update_contact(UpdateMemberContact("coffee", "contact-2", member.member_id, Contact()))
    assert hub.member_contact(member.member_id) is None
    with pytest.raises(MemberNotFound):
        api.update_contact(UpdateMemberContact("coffee", "contact-3", uuid.uuid4(), moved))


def test_a_contact_with_a_birth_date_in_the_future_is_refused(hub, coffee, clock):
    future = Contact(birth_date=clock.now().date().replace(year=clock.now().year + 1))
    with pytest.raises(InvalidField):
        enroll(hub, card(), contact=future)
    assert row_counts(hub)["members"] == 0


def test_after_a_data_key_rotation_old_contacts_open_and_rekey_moves_them_to_the_new_key(
    hub, coffee, rewired
):
    members = [enroll(hub, card(f"40001234123400{i:02d}"), contact=CONTACT) for i in range(3)]
    rotated = rewired(data_key_hex=DATA_KEY_B, data_keys_retired_hex=DATA_KEY_A)
    key_a, key_b = hub.contact_cipher().key_id, rotated.contact_cipher().key_id
    assert rotated.member_contact(members[0].member_id) == CONTACT
    assert usage(rotated, "contact") == {(key_b, "current"): 0, (key_a, "retired"): 3}

    report = rotated.rekey_contacts()
    assert (report.key_id, report.rekeyed, report.unreadable) == (key_b, 3, 0)
    assert rotated.rekey_contacts().rekeyed == 0
    assert usage(rotated, "contact") == {(key_b, "current"): 3, (key_a, "retired"): 0}
    dropped = rewired(data_key_hex=DATA_KEY_B)
    assert [dropped.member_contact(m.member_id) for m in members] == [CONTACT] * 3


def test_rekey_leaves_contacts_it_cannot_open_and_says_so(hub, coffee, rewired):
    member = enroll(hub, card(), contact=CONTACT)
    lost = rewired(data_key_hex=DATA_KEY_B)
    report = lost.rekey_contacts()
    assert (report.rekeyed, report.unreadable) == (0, 1)
    assert hub.member_contact(member.member_id) == CONTACT
    assert usage(lost, "contact") == {
        (lost.contact_cipher().key_id, "current"): 0,
        (hub.contact_cipher().key_id, "unknown"): 1,
    }


# -- erasure ----------------------------------------------------------------------------------


def test_erasure_deletes_personal_data_and_keeps_the_books(hub, coffee):
    member = enroll(hub, card(), PHONE, contact=CONTACT)
    earn(hub, card(), 50_000)
    hold = authorize(hub, member.member_id, 100)
    before = balance(hub, member.member_id)

    erased = hub.erase_member(dataclasses.replace(ERASURE, member_id=member.member_id))

    assert (erased.member_id, erased.already_erased) == (member.member_id, False)
    assert identifier_rows(hub) == []
    assert raw_dump(hub, "member_contacts") == b""
    assert hub.member_contact(member.member_id) is None
    shown = hub.inspect_member(member.member_id)
    assert (shown.member.status, shown.member.identifier_kinds) == (MemberStatus.ERASED, ())
    assert shown.balance == before
    assert [h.id for h in shown.holds] == [hold.hold_id]
    [record] = hub.operator.list_audit(limit=10, action="member.erase")
    assert (record.event.actor, record.event.reason) == (
        ERASURE.changed_by.actor,
        ERASURE.changed_by.reason,
    )
    assert record.event.target == f"member:{member.member_id}"


def test_an_erased_member_cannot_earn_burn_or_be_found_by_identifier(hub, coffee):
    member = enroll(hub, card(), contact=CONTACT)
    earn(hub, card(), 50_000)
    hub.erase_member(dataclasses.replace(ERASURE, member_id=member.member_id))
    api = hub.partner_api()
    with pytest.raises(MemberNotActive):
        earn(hub, member.member_id)
    with pytest.raises(MemberNotActive):
        authorize(hub, member.member_id, 100)
    for by_identifier in (lambda: earn(hub, card()), lambda: authorize(hub, card(), 100)):
        with pytest.raises(MemberNotFound):
            by_identifier()
    with pytest.raises(MemberNotFound):
        api.lookup(LookupMember("coffee", card()))
    assert api.lookup(LookupMember("coffee", member.member_id)).status is MemberStatus.ERASED
    with pytest.raises(MemberNotActive):
        api.update_contact(UpdateMemberContact("coffee", "c-1", member.member_id, CONTACT))
    with pytest.raises(MemberNotActive):
        api.add_identifier(AddIdentifier("coffee", "i-1", member.member_id, PHONE))


def test_a_contact_update_or_new_identifier_racing_an_erasure_never_outlives_it(hub, coffee):
    api = hub.partner_api()
    for i in range(8):
        member = enroll(hub, card(f"40001234123400{i:02d}"), contact=CONTACT)
        update = UpdateMemberContact("coffee", uuid.uuid4().hex, member.member_id, CONTACT)
        added = AddIdentifier("coffee", uuid.uuid4().hex, member.member_id, card(f"5{i:015d}"))
        erase = dataclasses.replace(ERASURE, member_id=member.member_id)
        with ThreadPoolExecutor(3) as pool:
            racing = [
                pool.submit(api.update_contact, update),
                pool.submit(api.add_identifier, added),
                pool.submit(hub.erase_member, erase),
            ]
        for future in racing[:2]:
            with contextlib.suppress(MemberNotActive):
                future.result()
        assert racing[2].result().already_erased is False
        assert hub.member_contact(member.member_id) is None
        with pytest.raises(MemberNotFound):
            api.lookup(LookupMember("coffee", added.identifier))


def test_erasing_twice_succeeds_and_changes_nothing(hub, coffee, clock):
    member = enroll(hub, card())
    command = dataclasses.replace(ERASURE, member_id=member.member_id)
    first = hub.erase_member(command)
    counts = row_counts(hub)
    clock.advance(timedelta(seconds=60))
    again = hub.erase_member(command)
    assert (again.erased_at, again.already_erased) == (first.erased_at, True)
    assert row_counts(hub) == counts


def test_an_erasure_needs_a_reason_and_a_known_member(hub, coffee):
    member = enroll(hub, card())
    with pytest.raises(InvalidField):
        hub.erase_member(
            EraseMember(member.member_id, changed_by=Attribution(ERASURE.changed_by.actor, " "))
        )
    with pytest.raises(MemberNotFound):
        hub.erase_member(ERASURE)
    assert hub.inspect_member(member.member_id).member.status is MemberStatus.ACTIVE
