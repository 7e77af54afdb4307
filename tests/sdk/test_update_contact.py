"""``update_member_contact``: a partner's CRM feeds the member's phone and e-mail to the hub,
where they drive the "one phone on many members" fraud check. Through the SDK against a real
hub server, and against the fake one for what the SDK itself sends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime

import grpc
import pytest
import sqlalchemy as sa

from coalition.hub.v1 import partner_pb2
from hub import bootstrap
from hub.adapters.tables import fraud_flag_rules, fraud_flags
from hub.api.server import start_server
from hub.domain.clock import ManualClock
from partner_sdk import (
    AsyncHubClient,
    HubClient,
    IdempotencyKeyReused,
    Identifier,
    InvalidField,
    MemberNotFound,
    MemberStatus,
)
from partner_sdk import _convert as convert
from tests.conftest import START, add_partner
from tests.integration.helpers import row_counts

from .fakes import MEMBER, FakeClock, FakePartnerService, plain, served

SHARED_PHONE = "+79001234567"
RECEIPT_MINOR = 10_000


# -- a real hub ------------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    """The hub's clock (tests/sdk's own ``clock`` is the retry policy's fake)."""
    return ManualClock(START)


@pytest.fixture
def target(hub: bootstrap.Hub) -> Iterator[str]:
    running = start_server(hub, "127.0.0.1:0")
    yield f"127.0.0.1:{running.port}"
    running.stop(grace_s=2)


@pytest.fixture
def crm(hub: bootstrap.Hub, target: str) -> Iterator[HubClient]:
    add_partner(hub, "coffee")
    with HubClient(target, partner_id="coffee", retry=None) as client:
        yield client


def enroll(client: HubClient, number: int) -> str:
    return client.enroll(Identifier.card(f"4000 0000 0000 {number:04d}")).member_id


def earn(client: HubClient, member_id: str) -> str:
    earned = client.earn(
        member_id, amount_minor=RECEIPT_MINOR, currency="EUR", order_id=uuid.uuid4().hex
    )
    return earned.transaction_id


def rules_flagged(hub: bootstrap.Hub, transaction_id: str) -> set[str]:
    """The fraud rules that flagged the earn ``transaction_id`` for review."""
    query = (
        sa.select(fraud_flag_rules.c.rule)
        .join(fraud_flags, fraud_flags.c.id == fraud_flag_rules.c.flag_id)
        .where(fraud_flags.c.transaction_id == uuid.UUID(transaction_id))
    )
    with hub.engine.connect() as connection:
        return set(connection.execute(query).scalars())


def test_a_contact_update_answers_with_the_member_as_the_hub_keeps_it(crm):
    member_id = enroll(crm, 1)

    member = crm.update_member_contact(
        member_id,
        phone=SHARED_PHONE,
        email="ann@example.org",
        name="Ann",
        birth_date=date(1990, 5, 17),
    )

    assert (member.member_id, member.status) == (member_id, MemberStatus.ACTIVE)


def test_phones_a_crm_sends_make_one_phone_on_many_members_a_fraud_signal(hub, crm):
    first, second, third = enroll(crm, 1), enroll(crm, 2), enroll(crm, 3)
    crm.update_member_contact(first, phone=SHARED_PHONE)
    crm.update_member_contact(second, phone="+7 900 123-45-67", email="b@example.org")
    assert "linked_members" not in rules_flagged(hub, earn(crm, third))

    crm.update_member_contact(third, phone="+7 (900) 123 45 67")

    # Three members share the phone: the default threshold flags the earn, which goes through.
    assert "linked_members" in rules_flagged(hub, earn(crm, third))


def test_replacing_a_contact_without_its_phone_unlinks_the_member(hub, crm):
    first, second, third = enroll(crm, 1), enroll(crm, 2), enroll(crm, 3)
    for member_id in (first, second, third):
        crm.update_member_contact(member_id, phone=SHARED_PHONE)

    crm.update_member_contact(first, email="a@example.org")

    assert "linked_members" not in rules_flagged(hub, earn(crm, third))


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"phone": "not a number"}, "contact.phone"),
        ({"phone": "+7 900"}, "contact.phone"),
        ({"email": "not an e-mail"}, "contact.email"),
        ({"phone": SHARED_PHONE, "email": "ann@"}, "contact.email"),
    ],
)
def test_a_malformed_phone_or_email_is_refused_naming_it_and_nothing_is_written(
    hub, crm, contact, field
):
    member_id = enroll(crm, 1)
    crm.update_member_contact(member_id, phone="+79990000000", email="ann@example.org")
    before = row_counts(hub)

    with pytest.raises(InvalidField) as refused:
        crm.update_member_contact(member_id, **contact)

    assert (refused.value.code, refused.value.details["field"]) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        field,
    )
    assert "not a number" not in refused.value.message
    assert row_counts(hub) == before


def test_a_refused_update_keeps_the_stored_contact_and_its_links(hub, crm):
    first, second, third = enroll(crm, 1), enroll(crm, 2), enroll(crm, 3)
    for member_id in (first, second, third):
        crm.update_member_contact(member_id, phone=SHARED_PHONE)

    with pytest.raises(InvalidField):
        crm.update_member_contact(first, phone="+79990000000", email="nobody")

    assert "linked_members" in rules_flagged(hub, earn(crm, third))


def test_the_same_key_replays_the_update_and_another_contact_under_it_is_refused(hub, crm):
    member_id = enroll(crm, 1)
    first = crm.update_member_contact(member_id, phone=SHARED_PHONE, idempotency_key="crm-1")
    after_first = row_counts(hub)

    again = crm.update_member_contact(member_id, phone=SHARED_PHONE, idempotency_key="crm-1")

    assert again == first
    assert row_counts(hub) == after_first
    with pytest.raises(IdempotencyKeyReused):
        crm.update_member_contact(member_id, phone="+79990000000", idempotency_key="crm-1")


def test_an_unknown_member_is_member_not_found(crm):
    with pytest.raises(MemberNotFound):
        crm.update_member_contact(str(uuid.uuid4()), phone=SHARED_PHONE)


@pytest.mark.asyncio
async def test_the_async_client_updates_a_contact_that_feeds_the_same_check(hub, crm, target):
    members = [enroll(crm, number) for number in (1, 2, 3)]
    async with AsyncHubClient(target, partner_id="coffee", retry=None) as client:
        for member_id in members:
            updated = await client.update_member_contact(member_id, phone=SHARED_PHONE)
            assert updated.member_id == member_id
        with pytest.raises(InvalidField):
            await client.update_member_contact(members[0], email="nobody")

    assert "linked_members" in rules_flagged(hub, earn(crm, members[2]))


# -- what the SDK sends ----------------------------------------------------------------------


class ContactService(FakePartnerService):
    """The fake hub, answering UpdateMemberContact too."""

    def UpdateMemberContact(self, request, context):  # noqa: N802 (the RPC's name)
        return self._serve("UpdateMemberContact", request, context, MEMBER)


@pytest.fixture
def contact_hub() -> Iterator[ContactService]:
    with served(ContactService()) as service:
        yield service


def test_retries_of_a_contact_update_reuse_the_key_made_before_the_first_attempt(
    contact_hub: ContactService,
) -> None:
    contact_hub.fail_next(plain(grpc.StatusCode.UNAVAILABLE, "connection reset"))
    # The retry policy's own fake clock: this module's ``clock`` fixture is the hub's.
    retry = FakeClock().policy()
    with HubClient(contact_hub.target, partner_id="coffee", retry=retry) as client:
        client.update_member_contact("m_1", phone=SHARED_PHONE)
        client.update_member_contact("m_1", phone=SHARED_PHONE)

    keys = [received.idempotency_key for received in contact_hub.received]
    assert len(keys) == 3
    assert keys[0] == keys[1] != keys[2]
    assert uuid.UUID(keys[0]).version == 4


def test_parts_not_given_go_out_empty_so_the_hub_deletes_them() -> None:
    request = convert.update_member_contact_request(
        "m_1", name=None, email=None, phone="+79001234567", birth_date=None, idempotency_key="k"
    )

    assert request == partner_pb2.UpdateMemberContactRequest(
        idempotency_key="k",
        member_id="m_1",
        contact=partner_pb2.MemberContact(phone="+79001234567"),
    )


def test_a_birth_date_goes_out_as_an_iso_date_and_a_datetime_is_refused_before_sending() -> None:
    request = convert.update_member_contact_request(
        "m_1",
        name="Ann",
        email=None,
        phone=None,
        birth_date=date(1990, 5, 17),
        idempotency_key=None,
    )

    assert request.contact == partner_pb2.MemberContact(name="Ann", birth_date="1990-05-17")
    assert uuid.UUID(request.idempotency_key).version == 4
    with pytest.raises(TypeError, match="date, not a datetime"):
        convert.update_member_contact_request(
            "m_1",
            name=None,
            email=None,
            phone=None,
            birth_date=datetime(1990, 5, 17, 12, 0),
            idempotency_key=None,
        )
