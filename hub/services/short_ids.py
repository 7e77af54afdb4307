"""Ids as staff type them: a whole id, or a prefix only one flag, member or hold has."""

from __future__ import annotations

import uuid

from hub.domain.errors import AmbiguousId, FlagNotFound, HoldNotFound, MemberNotFound, NotFound
from hub.domain.short_ids import IdKind, IdPrefix, parse_id_or_prefix
from hub.services.ports.unit_of_work import UnitOfWorkFactory

PREFIX_SCAN_MAX = 10_000
"""Ids a short form's prefix may span (a minute's worth) before it must be typed longer."""

_NOT_FOUND: dict[IdKind, type[NotFound]] = {
    IdKind.FLAG: FlagNotFound,
    IdKind.MEMBER: MemberNotFound,
    IdKind.HOLD: HoldNotFound,
}


def resolve_id(text: str, kind: IdKind, *, field: str, uow_factory: UnitOfWorkFactory) -> uuid.UUID:
    """The id ``text`` names: itself when whole (no read), else the one id of ``kind`` it is
    a prefix of; ``AmbiguousId`` when several are, the kind's ``NotFound`` when none is.

    Resolved before the action's own transaction: ids are never reused and the rows they name
    are never deleted, so the id found is still the one meant when the action runs.
    """
    ref = parse_id_or_prefix(text, field=field)
    if not isinstance(ref, IdPrefix):
        return ref
    scan_max = PREFIX_SCAN_MAX if ref.suffix else 1
    with uow_factory(read_only=True, single_read=True) as uow:
        in_range = uow.reviews.ids_with_prefix(kind, ref.low, ref.high, scan_max + 1)
    if len(in_range) > scan_max and ref.suffix:
        raise AmbiguousId(
            f"too many {kind.value} ids start with {ref.digits} to search; give more of it",
            field=field,
        )
    found = [each for each in in_range if ref.matches(each)]
    if not found:
        raise _NOT_FOUND[kind](f"no {kind.value} id matches {text.strip()}", field=field)
    if len(found) > 1:
        raise AmbiguousId(
            f"more than one {kind.value} id matches {text.strip()}; give more of it",
            field=field,
        )
    return found[0]
