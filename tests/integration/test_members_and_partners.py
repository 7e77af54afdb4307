"""Enrolment, identifiers and partner administration, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from hub.domain.errors import (
    IdempotencyKeyReused,
    IdentifierTaken,
    InvalidField,
    InvalidRate,
    MemberNotFound,
    PartnerExists,
    RateInPast,
)
from hub.domain.members import Identifier, IdentifierKind, MemberStatus
from hub.services.commands import AddIdentifier, EnrollMember, LookupMember, SetRate
from tests.conftest import OPERATOR, add_partner, rates
from tests.integration.helpers import card, enroll, row_counts

PHONE = Identifier.parse(IdentifierKind.PHONE, "+44 20 7946 0000")


def test_a_member_enrolled_with_several_identifiers_is_found_by_each(hub, coffee):
    member = enroll(hub, "coffee", card(), PHONE)
    api = hub.partner_api()
    for ref in (card(), PHONE, member.member_id):
        found = api.lookup(LookupMember("coffee", ref))
        assert (found.member_id, found.status) == (member.member_id, MemberStatus.ACTIVE)
        assert found.identifier_kinds == (IdentifierKind.CARD, IdentifierKind.PHONE)


def test_members_are_coalition_wide(hub, coffee):
    add_partner(hub, "fuel")
    member = enroll(hub, "coffee")
    assert hub.partner_api().lookup(LookupMember("fuel", card())).member_id == member.member_id


def test_an_identifier_belongs_to_one_member_only(hub, coffee):
    enroll(hub, "coffee", card())
    counts = row_counts(hub)
    with pytest.raises(IdentifierTaken):
        enroll(hub, "coffee", PHONE, card())
    assert row_counts(hub) == counts


def test_a_replayed_enrolment_returns_the_same_member(hub, coffee):
    first = enroll(hub, "coffee", card(), key="enrol-1")
    assert enroll(hub, "coffee", card(), key="enrol-1") == first
    with pytest.raises(IdempotencyKeyReused):
        enroll(hub, "coffee", PHONE, key="enrol-1")


@pytest.mark.parametrize(
    "identifiers", [(), (PHONE, PHONE), tuple(card(f"40001234123400{i:02d}") for i in range(6))]
)
def test_an_enrolment_needs_one_to_five_distinct_identifiers(hub, coffee, identifiers):
    with pytest.raises(InvalidField):
        hub.partner_api().enroll(EnrollMember("coffee", "k", identifiers))


def test_an_identifier_can_be_added_later(hub, coffee):
    member = enroll(hub)
    added = hub.partner_api().add_identifier(
        AddIdentifier("coffee", "add-1", member.member_id, PHONE)
    )
    assert added.identifier_kinds == (IdentifierKind.CARD, IdentifierKind.PHONE)
    assert hub.partner_api().lookup(LookupMember("coffee", PHONE)).member_id == member.member_id
    with pytest.raises(MemberNotFound):
        hub.partner_api().add_identifier(
            AddIdentifier("coffee", "add-2", uuid.uuid4(), card("1111222233334444"))
        )


def test_the_database_never_holds_a_raw_identifier(hub, coffee):
    enroll(hub, "coffee", card("4000123412341234"), PHONE)
    with hub.engine.connect() as connection:
        dump = "\n".join(
            str(row) for row in connection.exec_driver_sql("SELECT * FROM member_identifiers")
        )
    assert "4000123412341234" not in dump
    assert "442079460000" not in dump


def test_a_partner_id_is_taken_once(hub, coffee):
    with pytest.raises(PartnerExists):
        add_partner(hub, "coffee")


def test_rates_are_never_scheduled_in_the_past_nor_twice_at_one_instant(hub, coffee, clock):
    with pytest.raises(RateInPast):
        hub.operator.set_rate(
            SetRate("coffee", rates(), clock.now() - timedelta(seconds=1), changed_by=OPERATOR)
        )
    at = clock.now() + timedelta(days=3)
    hub.operator.set_rate(SetRate("coffee", rates(earn_rate="2"), at, changed_by=OPERATOR))
    with pytest.raises(InvalidRate):
        hub.operator.set_rate(SetRate("coffee", rates(earn_rate="3"), at, changed_by=OPERATOR))
    versions = hub.operator.get_partner("coffee").rate_versions
    assert [v.rates.earn_rate for v in versions] == [1, 2]


def test_operating_on_an_unknown_partner_is_not_found(hub, coffee, clock):
    from hub.domain.errors import PartnerNotFound

    with pytest.raises(PartnerNotFound):
        hub.operator.set_rate(SetRate("ghost", rates(), clock.now(), changed_by=OPERATOR))
    with pytest.raises(PartnerNotFound):
        hub.operator.get_partner("ghost")
