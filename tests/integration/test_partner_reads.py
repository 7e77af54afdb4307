"""The partner API's reads (balance, lookup, history, a hold) and enrollment send their reads
together (one round trip each: tests/integration/test_round_trips.py) and still refuse as they
did when they read one by one: an unknown caller first, then a disabled one, then a member
that does not exist; and a rule changed since this process read the rules applies at once.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from hub import bootstrap
from hub.domain.errors import MemberNotFound, PartnerDisabled, Unauthenticated
from hub.domain.members import Identifier
from hub.domain.rules import Tier, TierScheme, WelcomeBonus
from hub.services.commands import (
    EnrollMember,
    GetBalance,
    GetHold,
    ListTransactions,
    LookupMember,
    MemberRef,
    PutRule,
    SetPartnerStatus,
)
from hub.services.results import BalanceView, HoldView, MemberView, TransactionPage
from tests.conftest import OPERATOR
from tests.integration.helpers import authorize, card, earn, enroll, row_counts

UNKNOWN_CARD = card("5555666677778888")

Call = Callable[[bootstrap.Hub, str, MemberRef], object]


def _balance(hub: bootstrap.Hub, partner_id: str, member: MemberRef) -> BalanceView:
    return hub.partner_api().balance(GetBalance(partner_id, member))


def _lookup(hub: bootstrap.Hub, partner_id: str, member: MemberRef) -> MemberView:
    return hub.partner_api().lookup(LookupMember(partner_id, member))


def _transactions(hub: bootstrap.Hub, partner_id: str, member: MemberRef) -> TransactionPage:
    return hub.partner_api().transactions(ListTransactions(partner_id, member, 10))


def _all_transactions(hub: bootstrap.Hub, partner_id: str, _member: MemberRef) -> TransactionPage:
    return hub.partner_api().transactions(ListTransactions(partner_id, None, 10))


def _hold(hub: bootstrap.Hub, partner_id: str, _member: MemberRef) -> HoldView:
    return hub.partner_api().get_hold(GetHold(partner_id, uuid.uuid4()))


def _hold_of_order(hub: bootstrap.Hub, partner_id: str, _member: MemberRef) -> HoldView:
    return hub.partner_api().get_hold(GetHold(partner_id, None, "till-7"))


def _enroll(hub: bootstrap.Hub, partner_id: str, _member: MemberRef) -> MemberView:
    command = EnrollMember(partner_id, uuid.uuid4().hex, (card("4111222233334444"),))
    return hub.partner_api().enroll(command)


CALLS: dict[str, Call] = {
    "balance": _balance,
    "lookup": _lookup,
    "transactions": _transactions,
    "all_transactions": _all_transactions,
    "hold": _hold,
    "hold_of_order": _hold_of_order,
    "enroll": _enroll,
}
OF_A_MEMBER: dict[str, Call] = {
    "balance": _balance,
    "lookup": _lookup,
    "transactions": _transactions,
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_an_unknown_caller_is_unauthenticated_whatever_it_names(hub, coffee, name):
    with pytest.raises(Unauthenticated):
        CALLS[name](hub, "ghost", uuid.uuid4())


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_disabled_caller_is_refused_before_its_member_is_looked_for(hub, coffee, name):
    hub.operator.set_partner_status(SetPartnerStatus("coffee", active=False, changed_by=OPERATOR))
    before = row_counts(hub)
    with pytest.raises(PartnerDisabled):
        CALLS[name](hub, "coffee", UNKNOWN_CARD)
    assert row_counts(hub) == before


@pytest.mark.parametrize("name", sorted(OF_A_MEMBER))
def test_an_unknown_member_is_not_found_by_id(hub, coffee, name):
    member_id = uuid.uuid4()
    with pytest.raises(MemberNotFound, match=str(member_id)):
        OF_A_MEMBER[name](hub, "coffee", member_id)


@pytest.mark.parametrize("name", sorted(OF_A_MEMBER))
def test_an_unknown_member_is_not_found_by_identifier_which_the_refusal_never_echoes(
    hub, coffee, name
):
    enroll(hub)
    with pytest.raises(MemberNotFound) as refused:
        OF_A_MEMBER[name](hub, "coffee", UNKNOWN_CARD)
    assert UNKNOWN_CARD.value not in str(refused.value)


def test_a_members_history_leaves_out_other_members(hub, coffee):
    other: Identifier = card("4111222233334444")
    enroll(hub)
    enroll(hub, "coffee", other)
    mine = earn(hub, card(), 1000)
    earn(hub, other, 2000)
    page = _transactions(hub, "coffee", card())
    assert [t.id for t in page.transactions] == [mine.transaction_id]


def test_a_hold_read_by_order_is_the_callers(hub, coffee):
    enroll(hub)
    earn(hub, card(), 50_000)
    hold = authorize(hub, card(), 10, order_id="till-7")
    found = _hold_of_order(hub, "coffee", card())
    assert found.hold_id == hold.hold_id


def test_a_tier_scheme_put_after_a_balance_read_shows_in_the_next(hub, coffee):
    enroll(hub)
    assert hub.partner_api().balance(GetBalance("coffee", card())).tier is None
    scheme = TierScheme((Tier("base", 0), Tier("silver", 100)))
    hub.operator.put_rule(PutRule("tiers", scheme, changed_by=OPERATOR))
    tier = hub.partner_api().balance(GetBalance("coffee", card())).tier
    assert tier is not None
    assert tier.tier == "base"


def test_a_welcome_bonus_put_after_an_enrollment_is_credited_at_the_next(hub, coffee):
    assert enroll(hub).welcome_points == 0
    hub.operator.put_rule(PutRule("welcome", WelcomeBonus(50), changed_by=OPERATOR))
    assert enroll(hub, "coffee", card("4111222233334444")).welcome_points == 50
