"""Rows of a partner's member file for ``hub import members``: each line read into a member to
import, or refused with its line and why.

The file is CSV with a header naming its columns: ``external_id`` (the partner's own member id),
``opening_points``, at least one identifier column (``card``, ``phone``, ``app_id``) and, if the
partner's points expire on another schedule, ``expires_at`` (ISO 8601 with a zone). Identifiers
are normalized as the tills' are (``hub.domain.members.Identifier.parse``, phones in the
partner's region). Refusals name the column, never the value: a refused row's identifier must
not reach the report or a log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.domain.errors import HubError, InvalidField
from hub.domain.members import Identifier, IdentifierKind

EXTERNAL_ID = "external_id"
OPENING_POINTS = "opening_points"
EXPIRES_AT = "expires_at"
IDENTIFIER_COLUMNS = tuple(kind.value for kind in IdentifierKind)
COLUMNS = (EXTERNAL_ID, *IDENTIFIER_COLUMNS, OPENING_POINTS, EXPIRES_AT)
EXTERNAL_ID_LENGTH_MAX = 64
OPENING_POINTS_MAX = 10**12
"""More points than any programme has given one member: a typo, not a balance."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A member to import: the partner's id for them, how tills will find them, their balance."""

    line: int
    external_id: str
    identifiers: tuple[Identifier, ...]
    opening_points: int
    expires_at: datetime | None
    """``None``: the partner's expiry policy decides, as for its earns."""


@dataclass(frozen=True, slots=True)
class RefusedRow:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class RowLayout:
    """Where each column is in the file's rows, read from its header."""

    positions: dict[str, int]
    width: int
    phone_region: str | None

    @classmethod
    def of_header(cls, header: Sequence[str], phone_region: str | None) -> RowLayout:
        """The layout the header names; ``InvalidField`` for a header that cannot be imported."""
        names = [name.strip().lower() for name in header]
        unknown = sorted(set(names) - set(COLUMNS))
        if unknown:
            raise InvalidField(
                f"the header names unknown columns {', '.join(unknown)};"
                f" known: {', '.join(COLUMNS)}",
                field="header",
            )
        if len(set(names)) != len(names):
            raise InvalidField("the header names a column twice", field="header")
        missing = [name for name in (EXTERNAL_ID, OPENING_POINTS) if name not in names]
        if missing or not set(names) & set(IDENTIFIER_COLUMNS):
            needed = ", ".join(missing or ["an identifier column (card, phone or app_id)"])
            raise InvalidField(f"the header lacks {needed}", field="header")
        return cls({name: i for i, name in enumerate(names)}, len(names), phone_region)

    def read(
        self, line: int, fields: Sequence[str] | None, now: datetime
    ) -> MemberRow | RefusedRow:
        """The member on ``line``, or why it is refused; ``fields`` is ``None`` for a line
        the CSV reader could not split (a quote out of place)."""
        if fields is None:
            return RefusedRow(line, "malformed: a quote out of place")
        if len(fields) != self.width:
            return RefusedRow(line, f"malformed: {len(fields)} fields, the header has {self.width}")
        try:
            return self._member(line, fields, now)
        except HubError as refusal:
            return RefusedRow(line, refusal.message)

    def _member(self, line: int, fields: Sequence[str], now: datetime) -> MemberRow:
        return MemberRow(
            line,
            _external_id(fields[self.positions[EXTERNAL_ID]]),
            self._identifiers(fields),
            _points(fields[self.positions[OPENING_POINTS]]),
            self._expires_at(fields, now),
        )

    def _identifiers(self, fields: Sequence[str]) -> tuple[Identifier, ...]:
        identifiers = tuple(
            Identifier.parse(kind, raw, field_name=kind.value, phone_region=self.phone_region)
            for kind in IdentifierKind
            if kind.value in self.positions and (raw := fields[self.positions[kind.value]].strip())
        )
        if not identifiers:
            raise InvalidField("no identifier: give a card, a phone or an app_id", field="card")
        return identifiers

    def _expires_at(self, fields: Sequence[str], now: datetime) -> datetime | None:
        position = self.positions.get(EXPIRES_AT)
        text = fields[position].strip() if position is not None else ""
        if not text:
            return None
        try:
            expires_at = datetime.fromisoformat(text)
        except ValueError:
            expires_at = None
        if expires_at is None or expires_at.tzinfo is None:
            raise InvalidField("expires_at: not an ISO 8601 time with a zone", field=EXPIRES_AT)
        if expires_at <= now:
            raise InvalidField("expires_at: already past", field=EXPIRES_AT)
        return expires_at


def _external_id(text: str) -> str:
    external_id = text.strip()
    if not 1 <= len(external_id) <= EXTERNAL_ID_LENGTH_MAX or not external_id.isprintable():
        raise InvalidField(
            f"external_id: 1 to {EXTERNAL_ID_LENGTH_MAX} printable characters", field=EXTERNAL_ID
        )
    return external_id


def _points(text: str) -> int:
    digits = text.strip()
    if not digits.isascii() or not digits.lstrip("-").isdigit():
        raise InvalidField("opening_points: not a whole number", field=OPENING_POINTS)
    points = int(digits)
    if points < 0:
        raise InvalidField("opening_points: negative", field=OPENING_POINTS)
    if points > OPENING_POINTS_MAX:
        raise InvalidField(f"opening_points: above {OPENING_POINTS_MAX}", field=OPENING_POINTS)
    return points
