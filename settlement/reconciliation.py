"""A partner's own report for a settled day: its CSV format, read line by line and checked.

The format (UTF-8, an optional byte-order mark, a header line naming the columns in any order,
no other columns)::

    kind,order_id,transaction_id,points
    earn,A-1001,0b6c9e2e-5d1f-4a57-9a53-4f0a2c1d7e10,120
    redemption,A-1002,,300
    refund_earn,,3f0f7c1a-8e0e-4d33-b2d8-6f4a5b1c2d3e,40

- ``kind``: ``earn``, ``redemption`` (a capture), ``refund_earn``, ``refund_redemption`` or
  ``bonus``.
- ``order_id`` and ``transaction_id``: either may be empty, not both. The transaction id is the
  one the hub answered the partner's call with: ``Earned.transaction_id``,
  ``Capture.transaction_id`` (the capture's own, not the hold's), ``EarnRefund.transaction_id``,
  ``RedemptionRefund.transaction_id``, ``EventGrant.transaction_id``; a welcome bonus's is in
  the partner's transaction history (``list_transactions``), as are all the others. The order
  id is the partner's own, as sent with the purchase; a refund of an earn has the earn's, a
  capture and a refund of a redemption have the hold's. Bonuses have none: they are matched by
  transaction id only.
- ``points``: a positive whole number (the hub leaves out its zero-point transactions).

Lines are numbered from 1, the first line after the header, in errors as in the exceptions
reconciliation lists; blank lines count but are skipped. Fields are taken as written, except
that spaces around ``kind``, ``transaction_id``, ``points`` and the header's names are ignored
(an order id is compared exactly, as the hub stored it).

Reading is lazy: ``report_lines`` checks the size and the header at once, and each line as it
is reached, so a large report is loaded in batches and never held whole; the first bad line
raises ``InvalidReport`` naming it, and the caller's transaction, rolled back, writes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import uuid
from _csv import Reader
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from hub.domain.errors import InvalidReport
from hub.domain.limits import POINTS_PER_OPERATION_MAX, TEXT_FIELD_LENGTH_MAX

REPORT_BYTES_MAX = 16 * 1024 * 1024
REPORT_LINES_MAX = 1_000_000
"""Lines after the header, blank ones included."""
POINTS_DIGITS_MAX = len(str(POINTS_PER_OPERATION_MAX))
"""Longer numbers are refused before being converted (converting huge ones is slow)."""
COLUMNS = ("kind", "order_id", "transaction_id", "points")
_FIELD = "report_csv"


class ItemKind(StrEnum):
    """What a report line (or the hub's matching transaction) is."""

    EARN = "earn"
    REDEMPTION = "redemption"
    """A capture: the points spent at the partner's till."""
    REFUND_EARN = "refund_earn"
    REFUND_REDEMPTION = "refund_redemption"
    BONUS = "bonus"


@dataclass(frozen=True, slots=True)
class ReportLine:
    line: int
    """1 is the first line after the header."""
    kind: ItemKind
    order_id: str | None
    transaction_id: uuid.UUID | None
    points: int


def report_lines(report_csv: bytes) -> Iterator[ReportLine]:
    """The report's lines, checked one by one as they are read; the size and the header are
    checked now (``InvalidReport`` for any problem, naming the line)."""
    if len(report_csv) > REPORT_BYTES_MAX:
        raise _invalid(f"a report is at most {REPORT_BYTES_MAX} bytes; got {len(report_csv)}")
    rows = csv.reader(_decoded(report_csv), strict=True)
    positions = _header(_next_row(rows, 0))
    return _lines(rows, positions)


def _decoded(report_csv: bytes) -> Iterator[str]:
    """The text line by line, so that a decoding error names its line; a leading byte-order
    mark (spreadsheets write one) is dropped."""
    for number, raw in enumerate(io.BytesIO(report_csv.removeprefix(codecs.BOM_UTF8))):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid("not UTF-8 text", line=number) from None


def _next_row(rows: Reader, line: int) -> list[str] | None:
    try:
        return next(rows, None)
    except csv.Error as exc:
        raise _invalid(f"not valid CSV ({exc})", line=line) from None


def _header(row: list[str] | None) -> dict[str, int]:
    """Where each column is; the header must name exactly the documented columns."""
    if row is None:
        raise _invalid(f"the report is empty; its first line must be {','.join(COLUMNS)}")
    names = [name.strip() for name in row]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise _invalid(f"unknown column {unknown[0]!r}; the columns are {','.join(COLUMNS)}")
    missing = [name for name in COLUMNS if name not in names]
    if missing or len(names) != len(COLUMNS):
        what = f"has no column {missing[0]!r}" if missing else "names a column twice"
        raise _invalid(f"the header {what}; the columns are {','.join(COLUMNS)}")
    return {name: names.index(name) for name in COLUMNS}


def _lines(rows: Reader, positions: dict[str, int]) -> Iterator[ReportLine]:
    # Bounded by REPORT_LINES_MAX: a repeated id is refused, so each is remembered.
    seen: set[uuid.UUID] = set()
    # A line is numbered where it starts (a quoted field may span several).
    while (row := _next_row(rows, line := rows.line_num)) is not None:
        if line > REPORT_LINES_MAX:
            raise _invalid(f"a report has at most {REPORT_LINES_MAX} lines", line=line)
        if not row:
            continue
        parsed = _line(line, row, positions)
        if parsed.transaction_id is not None:
            if parsed.transaction_id in seen:
                raise _invalid(f"transaction_id {parsed.transaction_id} is repeated", line=line)
            seen.add(parsed.transaction_id)
        yield parsed


def _line(line: int, row: list[str], positions: dict[str, int]) -> ReportLine:
    if len(row) != len(COLUMNS):
        raise _invalid(f"has {len(row)} fields; expected {len(COLUMNS)}", line=line)
    field = {name: row[position] for name, position in positions.items()}
    order_id = _order_id(line, field["order_id"])
    transaction_id = _transaction_id(line, field["transaction_id"])
    if order_id is None and transaction_id is None:
        raise _invalid("order_id and transaction_id are both empty; give one", line=line)
    return ReportLine(
        line, _kind(line, field["kind"]), order_id, transaction_id, _points(line, field["points"])
    )


def _kind(line: int, text: str) -> ItemKind:
    try:
        return ItemKind(text.strip())
    except ValueError:
        kinds = ", ".join(kind.value for kind in ItemKind)
        raise _invalid(
            f"kind must be one of {kinds}; got {text.strip()[:32]!r}", line=line
        ) from None


def _order_id(line: int, text: str) -> str | None:
    if len(text) > TEXT_FIELD_LENGTH_MAX:
        raise _invalid(f"order_id is longer than {TEXT_FIELD_LENGTH_MAX} characters", line=line)
    if not text.isprintable():
        raise _invalid("order_id contains control characters", line=line)
    return text or None


def _transaction_id(line: int, text: str) -> uuid.UUID | None:
    if not text.strip():
        return None
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise _invalid("transaction_id must be a UUID", line=line) from None


def _points(line: int, text: str) -> int:
    digits = text.strip()
    # isdecimal() alone would take other scripts' digits; signs, dots and spaces are refused.
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > POINTS_DIGITS_MAX:
        raise _invalid("points must be a positive integer", line=line)
    points = int(digits)
    if not 1 <= points <= POINTS_PER_OPERATION_MAX:
        raise _invalid(f"points must be 1..{POINTS_PER_OPERATION_MAX}; got {points}", line=line)
    return points


def _invalid(problem: str, *, line: int | None = None) -> InvalidReport:
    """The error for ``problem``; the header is line 0."""
    if line is None:
        return InvalidReport(problem, field=_FIELD)
    where = "the header" if line == 0 else f"line {line}"
    return InvalidReport(f"{where}: {problem}", field=where)
