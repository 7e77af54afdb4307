"""Statements for rows named by key, before anyone knows their ids.

A call names its member by id or by an identifier's digests, and a refund names its original
(an earn or a hold) by id or by the partner's order id. The reads that depend on them are
written with plain parameters (``:member_id``, ``:earn_id``...) and sent together: here each
such parameter becomes a scalar subquery on the row the key names, found once per statement in
a CTE, so the database resolves the key and no answer is awaited in between.

Keyed statements are built once per statement and shape of key, so each is still compiled once
(see ``hub.adapters.sql``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import cast

import sqlalchemy as sa
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse

from hub.adapters.sql import Params, Statement
from hub.adapters.tables import holds, member_identifiers, member_merges, transactions
from hub.domain.holds import OPEN_HOLD_STATUSES
from hub.domain.ledger import TransactionKind
from hub.services.ports.reads import EarnKey, HoldKey, MemberKey

OriginalKey = EarnKey | HoldKey

_t = transactions.c
_h = holds.c
_PARTNER = sa.bindparam("original_partner_id", type_=sa.String())
_ID = sa.bindparam("original_id", type_=sa.Uuid())
_ORDER = sa.bindparam("original_order_id", type_=sa.String())
MERGE_CHAIN_MAX = 64
"""Merges followed from an original's member to the member holding its points now: far more
than any person's accounts, and a bound should the records ever form a loop."""


def _holding(found: sa.Select[tuple[object, ...]], name: str) -> sa.Select[tuple[object, ...]]:
    """``found`` (one row with a ``member_id``) and ``holder_id``: the member its points belong
    to now. A merge moves the absorbed member's lots, debt and identifiers to the survivor
    (``hub.services.merge``), so the original's member is followed through the open merges
    (``A<-B`` then ``C<-A``: C) in the same statement; an unmerge closes its merge, and the
    original's member holds them again."""
    row = found.cte(f"{name}_row")
    chain = sa.select(
        row.c.member_id.label("member_id"), sa.literal(0, sa.Integer()).label("depth")
    ).cte(f"{name}_merged_into", recursive=True)
    merges = member_merges.c
    chain = chain.union_all(
        sa.select(merges.survivor_id, chain.c.depth + 1).where(
            merges.absorbed_id == chain.c.member_id,
            merges.unmerged_at.is_(None),
            chain.c.depth < MERGE_CHAIN_MAX,
        )
    )
    holder = sa.select(chain.c.member_id).order_by(chain.c.depth.desc()).limit(1)
    return sa.select(row, holder.scalar_subquery().label("holder_id"))


_EARNS = sa.select(_t.id, _t.member_id).where(
    _t.kind == TransactionKind.EARN.value, _t.partner_id == _PARTNER
)
_EARN_BY_ID = _holding(_EARNS.where(_t.id == _ID), "earn")
# One earn per partner and order (uq_transactions_earn_order).
_EARN_BY_ORDER = _holding(_EARNS.where(_t.order_id == _ORDER), "earn")
_HOLDS = sa.select(_h.id, _h.transaction_id, _h.member_id).where(_h.partner_id == _PARTNER)
_HOLD_BY_ID = _holding(_HOLDS.where(_h.id == _ID), "hold")
_OPEN = sa.or_(*(_h.status == status.value for status in OPEN_HOLD_STATUSES))
# The order's open hold (at most one), else its latest: once another hold of the order is
# chosen, the first never is again (holds do not reopen), which refunds rely on.
_HOLD_BY_ORDER = _holding(
    _HOLDS.where(_h.order_id == _ORDER)
    .order_by(sa.case((_OPEN, 0), else_=1), _h.created_at.desc(), _h.id.desc())
    .limit(1),
    "hold",
)


def digest_params(digests: Sequence[bytes]) -> dict[str, bytes]:
    return {f"digest_{i}": digest for i, digest in enumerate(digests)}


def digest_in(count: int) -> sa.ColumnElement[bool]:
    """``digest IN (:digest_0, ...)``: fixed names, so a statement is compiled once per count."""
    return member_identifiers.c.digest.in_([sa.bindparam(f"digest_{i}") for i in range(count)])


@lru_cache(maxsize=8)
def _caller(count: int) -> sa.Select[tuple[object, ...]]:
    return (
        sa.select(member_identifiers.c.member_id.label("member_id"))
        .where(digest_in(count))
        .limit(1)
    )


def _original(key: OriginalKey) -> tuple[sa.Select[tuple[object, ...]], Params]:
    """The statement finding the original ``key`` names, and its parameters."""
    params: dict[str, object] = {"original_partner_id": key.partner_id}
    if key.order_id is not None:
        params["original_order_id"] = key.order_id
        return (_EARN_BY_ORDER if isinstance(key, EarnKey) else _HOLD_BY_ORDER), params
    params["original_id"] = key.transaction_id if isinstance(key, EarnKey) else key.hold_id
    return (_EARN_BY_ID if isinstance(key, EarnKey) else _HOLD_BY_ID), params


@lru_cache(maxsize=256)
def _keyed(
    statement: Statement,
    found: sa.Select[tuple[object, ...]],
    name: str,
    columns: tuple[tuple[str, str], ...],
) -> Statement:
    """``statement`` with each parameter of ``columns`` (parameter, column) replaced by that
    column of the one row ``found`` finds, in a CTE named ``name``."""
    row = found.cte(name)
    by_parameter = {key: sa.select(row.c[column]).scalar_subquery() for key, column in columns}

    def replace(element: object, **_: object) -> object | None:
        if isinstance(element, BindParameter) and element.key in by_parameter:
            return by_parameter[element.key]
        return None

    return cast(Statement, replacement_traverse(statement, {}, replace))


def for_original(
    statement: Statement, key: OriginalKey, params: Params, **columns: str
) -> tuple[Statement, Params]:
    """``statement`` and its parameters, with each parameter named in ``columns`` (as
    ``parameter="column"``) taken from the earn's or hold's row ``key`` names. No row: NULL,
    which matches nothing."""
    found, found_by = _original(key)
    keyed = _keyed(statement, found, "original", tuple(sorted(columns.items())))
    return keyed, {**params, **found_by}


def for_member(statement: Statement, member: MemberKey, params: Params) -> tuple[Statement, Params]:
    """``statement`` (written with ``:member_id``) and its parameters, for a member by key."""
    if isinstance(member, uuid.UUID):
        return statement, {**params, "member_id": member}
    if isinstance(member, EarnKey | HoldKey):
        # The member holding the original's points now, a merge's survivor if it was merged.
        return for_original(statement, member, params, member_id="holder_id")
    keyed = _keyed(statement, _caller(len(member)), "caller", (("member_id", "member_id"),))
    return keyed, {**params, **digest_params(member)}
