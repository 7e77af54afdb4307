"""The chart of accounts.

Account ids are derived from their codes (UUIDv5), so a posting can name an account without a
lookup. Member accounts keep running totals; partner and coalition accounts are *hot* (every
earn touches them) and keep none: their balances are sums of their entries, so partners never
serialise on one row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

_NAMESPACE = uuid.UUID("6f1c7a0e-3b1d-4d36-9a57-1c0de5a1ed9e")


class AccountKind(StrEnum):
    MEMBER_AVAILABLE = "member_available"
    MEMBER_PENDING = "member_pending"
    MEMBER_DEBT = "member_debt"
    """What a member owes after a refund of points already spent; its balance is never above 0."""
    PARTNER_ISSUED = "partner_issued"
    PARTNER_REDEEMED = "partner_redeemed"
    COALITION_BREAKAGE = "coalition_breakage"
    COALITION_ADJUSTMENTS = "coalition_adjustments"
    COALITION_CAMPAIGNS = "coalition_campaigns"

    @property
    def keeps_totals(self) -> bool:
        return self in _MEMBER_KINDS


_MEMBER_KINDS = frozenset(
    {AccountKind.MEMBER_AVAILABLE, AccountKind.MEMBER_PENDING, AccountKind.MEMBER_DEBT}
)
_CODE_FORMATS = {
    AccountKind.MEMBER_AVAILABLE: "member:{}:available",
    AccountKind.MEMBER_PENDING: "member:{}:pending",
    AccountKind.MEMBER_DEBT: "member:{}:debt",
    AccountKind.PARTNER_ISSUED: "partner:{}:issued",
    AccountKind.PARTNER_REDEEMED: "partner:{}:redeemed",
    AccountKind.COALITION_BREAKAGE: "coalition:breakage",
    AccountKind.COALITION_ADJUSTMENTS: "coalition:adjustments",
    AccountKind.COALITION_CAMPAIGNS: "coalition:campaigns",
}


@dataclass(frozen=True, slots=True)
class Account:
    kind: AccountKind
    owner: str | None = None
    """Member id (as text) or partner id; ``None`` for coalition accounts."""

    @property
    def code(self) -> str:
        return _CODE_FORMATS[self.kind].format(self.owner)

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, self.code)


def member_available(member_id: uuid.UUID) -> Account:
    return Account(AccountKind.MEMBER_AVAILABLE, str(member_id))


def member_pending(member_id: uuid.UUID) -> Account:
    return Account(AccountKind.MEMBER_PENDING, str(member_id))


def member_debt(member_id: uuid.UUID) -> Account:
    return Account(AccountKind.MEMBER_DEBT, str(member_id))


def partner_issued(partner_id: str) -> Account:
    return Account(AccountKind.PARTNER_ISSUED, partner_id)


def partner_redeemed(partner_id: str) -> Account:
    return Account(AccountKind.PARTNER_REDEEMED, partner_id)


def member_accounts(member_id: uuid.UUID) -> tuple[Account, Account, Account]:
    return member_available(member_id), member_pending(member_id), member_debt(member_id)


def partner_accounts(partner_id: str) -> tuple[Account, Account]:
    return partner_issued(partner_id), partner_redeemed(partner_id)


COALITION_BREAKAGE = Account(AccountKind.COALITION_BREAKAGE)
COALITION_ADJUSTMENTS = Account(AccountKind.COALITION_ADJUSTMENTS)
"""Where annulled points go: taken off the books by a fraud analyst."""
COALITION_CAMPAIGNS = Account(AccountKind.COALITION_CAMPAIGNS)
"""Issues the points the coalition funds (its campaigns, welcome bonuses); partners' issued
accounts issue the rest."""

COALITION_ACCOUNTS = (
    COALITION_BREAKAGE,
    COALITION_ADJUSTMENTS,
    COALITION_CAMPAIGNS,
)
