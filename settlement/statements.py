"""A settlement's signed documents: the run's summary and each partner's statement.

The hub signs these exact bytes and partners verify them, possibly years later, so recomputing a
document from the same settlement must give the same bytes. Hence canonical JSON (sorted keys,
no whitespace, UTF-8, one trailing newline), every list sorted explicitly, instants in UTC with
a ``Z``, prices as plain decimal strings (``"0.0000001"``, never ``"1E-7"``), and no floats.

A statement exists twice, as JSON and as CSV, built from the same figures. The CSV has the
header ``section,counterparty,item,points,value_minor,detail``, one row per figure, and ``\\n``
line endings: the hub stores statements as text and writes them to files unchanged, and a
``\\r\\n`` would be at the mercy of every text-mode tool on the way. Its first rows repeat the
statement's identity (partner, business date, window, currency), so a signed CSV cannot pass for
another partner's or another day's.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from hub.domain.currencies import Currency
from hub.domain.invariants import require
from hub.domain.money import Rounding
from hub.domain.rates import canonical
from settlement.model import (
    CLEARING_ACCOUNT,
    AdjustmentLine,
    BusinessDay,
    LateLine,
    MatrixCell,
    OutstandingGroup,
    PartnerSettlement,
    Settlement,
    Transfer,
    Valued,
)
from settlement.netting import signed_value_minor
from settlement.periods import business_date_of

SUMMARY_FORMAT = "coalition-hub-settlement/1"
STATEMENT_FORMAT = "coalition-hub-statement/1"
CSV_HEADER = ("section", "counterparty", "item", "points", "value_minor", "detail")
CSV_LINE_END = "\n"
NO_COUNTERPARTY = "-"
"""The CSV's counterparty for figures that concern the partner alone."""

_Json = dict[str, Any]


class TransferDirection(StrEnum):
    """How the partner's transfer goes, seen from the partner."""

    PAY = "pay"
    """The partner pays its net debit into the coalition's clearing account."""
    RECEIVE = "receive"
    """The clearing account pays the partner its net credit."""
    NONE = "none"


# -- canonical encoding --------------------------------------------------------------------


def canonical_json(document: Mapping[str, object]) -> bytes:
    """``document`` as the one byte string every recomputation gives."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode()


def price_text(price: Decimal) -> str:
    """A price as a canonical decimal string: no trailing zeros, no exponent."""
    return format(canonical(price), "f")


def instant_text(instant: datetime) -> str:
    """An aware instant in UTC, ISO 8601 with a ``Z``."""
    require(instant.tzinfo is not None, f"naive datetime {instant!r} in a settlement")
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _refuse_float(text: str) -> Decimal:
    raise ValueError(f"a settlement document holds no floats; got {text}")


def _load(data: bytes, document_format: str) -> _Json:
    document = json.loads(data.decode(), parse_float=_refuse_float)
    if not isinstance(document, dict) or document.get("format") != document_format:
        raise ValueError(f"not a {document_format} document")
    return document


# -- sort orders ---------------------------------------------------------------------------


def _transfer_order(transfer: Transfer) -> tuple[str, str, str]:
    """By the partner's side of the transfer, as the partners are ordered."""
    if transfer.from_account == CLEARING_ACCOUNT:
        return transfer.to_account, transfer.from_account, transfer.to_account
    return transfer.from_account, transfer.from_account, transfer.to_account


def _adjustment_order(line: AdjustmentLine) -> tuple[str, datetime, str, str, str, Decimal, int]:
    # Every field takes part, so even two lines of one transaction have a fixed order.
    return (
        line.partner_id,
        line.related_at,
        str(line.transaction_id),
        line.kind,
        str(line.related_id),
        line.price,
        line.points,
    )


def _late_order(line: LateLine) -> tuple[str, datetime, str]:
    return line.partner_id, line.created_at, str(line.transaction_id)


def _sorted_settlement_parts(settlement: Settlement) -> Settlement:
    return Settlement(
        day=settlement.day,
        currency=settlement.currency,
        partners=tuple(sorted(settlement.partners, key=lambda p: p.partner_id)),
        matrix=tuple(sorted(settlement.matrix, key=lambda c: (c.issuer_id, c.redeemer_id))),
        transfers=tuple(sorted(settlement.transfers, key=_transfer_order)),
        margin_minor=settlement.margin_minor,
        breakage=settlement.breakage,
        outstanding=tuple(
            sorted(settlement.outstanding, key=lambda g: (g.issuer_id, g.issue_price))
        ),
        adjustments=tuple(sorted(settlement.adjustments, key=_adjustment_order)),
        transaction_count=settlement.transaction_count,
        late=tuple(sorted(settlement.late, key=_late_order)),
    )


# -- the run's summary ---------------------------------------------------------------------


def summary_json(settlement: Settlement, zone: ZoneInfo, cutoff: time) -> bytes:
    """The whole settlement as canonical JSON; :func:`settlement_from_summary` reads it back."""
    ordered = _sorted_settlement_parts(settlement)
    return canonical_json(
        {
            "format": SUMMARY_FORMAT,
            **_period(settlement, zone, cutoff),
            "transaction_count": settlement.transaction_count,
            "partners": [_partner_json(p) for p in ordered.partners],
            "matrix": [_cell_json(c) for c in ordered.matrix],
            "transfers": [_transfer_json(t) for t in ordered.transfers],
            "margin_minor": settlement.margin_minor,
            "breakage": _valued_json(settlement.breakage),
            "outstanding": [_outstanding_json(g) for g in ordered.outstanding],
            "adjustments": [_adjustment_json(a) for a in ordered.adjustments],
            "late": [_late_json(line) for line in ordered.late],
        }
    )


def _period(settlement: Settlement, zone: ZoneInfo, cutoff: time) -> _Json:
    day = settlement.day
    return {
        "business_date": day.business_date.isoformat(),
        "window": {
            "start": None if day.start is None else instant_text(day.start),
            "end": instant_text(day.end),
        },
        "time_zone": zone.key,
        "cutoff": cutoff.strftime("%H:%M"),
        "currency": settlement.currency,
    }


def _valued_json(valued: Valued) -> _Json:
    return {"points": valued.points, "value_minor": valued.value_minor}


def _partner_json(partner: PartnerSettlement) -> _Json:
    return {
        "partner_id": partner.partner_id,
        "issued_partner_funded": _valued_json(partner.issued_partner_funded),
        "issued_coalition_funded": _valued_json(partner.issued_coalition_funded),
        "redeemed": _valued_json(partner.redeemed),
        "expired": _valued_json(partner.expired),
        "annulled": _valued_json(partner.annulled),
        "outstanding": _valued_json(partner.outstanding),
        "net_position_minor": partner.net_position_minor,
    }


def _cell_json(cell: MatrixCell) -> _Json:
    return {
        "issuer_id": cell.issuer_id,
        "redeemer_id": cell.redeemer_id,
        "points": cell.points,
        "redemption_value_minor": cell.redemption_value_minor,
        "issue_value_minor": cell.issue_value_minor,
    }


def _transfer_json(transfer: Transfer) -> _Json:
    return {
        "from_account": transfer.from_account,
        "to_account": transfer.to_account,
        "amount_minor": transfer.amount_minor,
    }


def _outstanding_json(group: OutstandingGroup) -> _Json:
    return {
        "issuer_id": group.issuer_id,
        "issue_price": price_text(group.issue_price),
        "points": group.points,
    }


def _adjustment_json(line: AdjustmentLine) -> _Json:
    return {
        "partner_id": line.partner_id,
        "kind": line.kind,
        "transaction_id": str(line.transaction_id),
        "related_id": str(line.related_id),
        "related_at": instant_text(line.related_at),
        "points": line.points,
        "price": price_text(line.price),
        "order_id": line.order_id,
    }


def _late_json(line: LateLine) -> _Json:
    return {
        "partner_id": line.partner_id,
        "kind": line.kind,
        "transaction_id": str(line.transaction_id),
        "order_id": line.order_id,
        "created_at": instant_text(line.created_at),
        "points": line.points,
    }


# -- reading a summary back ----------------------------------------------------------------


def settlement_from_summary(data: bytes) -> Settlement:
    """The settlement :func:`summary_json` wrote; ``ValueError`` if ``data`` is not a summary."""
    document = _load(data, SUMMARY_FORMAT)
    window = document["window"]
    return Settlement(
        day=BusinessDay(
            business_date=date.fromisoformat(document["business_date"]),
            start=None if window["start"] is None else _parse_instant(window["start"]),
            end=_parse_instant(window["end"]),
        ),
        currency=document["currency"],
        partners=tuple(_partner_from(p) for p in document["partners"]),
        matrix=tuple(_cell_from(c) for c in document["matrix"]),
        transfers=tuple(_transfer_from(t) for t in document["transfers"]),
        margin_minor=_int(document["margin_minor"]),
        breakage=_valued_from(document["breakage"]),
        outstanding=tuple(_outstanding_from(g) for g in document["outstanding"]),
        adjustments=tuple(_adjustment_from(a) for a in document["adjustments"]),
        transaction_count=_int(document["transaction_count"]),
        # Summaries signed before late operations were listed have none.
        late=tuple(_late_from(line) for line in document.get("late", ())),
    )


def _int(value: Any) -> int:
    # bool is an int to Python, not to a settlement.
    if type(value) is not int:
        raise ValueError(f"expected an integer; got {value!r}")
    return value


def _valued_from(item: _Json) -> Valued:
    return Valued(_int(item["points"]), _int(item["value_minor"]))


def _partner_from(item: _Json) -> PartnerSettlement:
    partner = PartnerSettlement(
        partner_id=item["partner_id"],
        issued_partner_funded=_valued_from(item["issued_partner_funded"]),
        issued_coalition_funded=_valued_from(item["issued_coalition_funded"]),
        redeemed=_valued_from(item["redeemed"]),
        expired=_valued_from(item["expired"]),
        annulled=_valued_from(item["annulled"]),
        outstanding=_valued_from(item["outstanding"]),
    )
    if partner.net_position_minor != _int(item["net_position_minor"]):
        raise ValueError(f"{partner.partner_id}: net_position_minor disagrees with its figures")
    return partner


def _cell_from(item: _Json) -> MatrixCell:
    return MatrixCell(
        issuer_id=item["issuer_id"],
        redeemer_id=item["redeemer_id"],
        points=_int(item["points"]),
        redemption_value_minor=_int(item["redemption_value_minor"]),
        issue_value_minor=_int(item["issue_value_minor"]),
    )


def _transfer_from(item: _Json) -> Transfer:
    return Transfer(item["from_account"], item["to_account"], _int(item["amount_minor"]))


def _outstanding_from(item: _Json) -> OutstandingGroup:
    return OutstandingGroup(item["issuer_id"], Decimal(item["issue_price"]), _int(item["points"]))


def _adjustment_from(item: _Json) -> AdjustmentLine:
    return AdjustmentLine(
        partner_id=item["partner_id"],
        kind=item["kind"],
        transaction_id=uuid.UUID(item["transaction_id"]),
        related_id=uuid.UUID(item["related_id"]),
        related_at=_parse_instant(item["related_at"]),
        points=_int(item["points"]),
        price=Decimal(item["price"]),
        order_id=item.get("order_id"),
    )


def _late_from(item: _Json) -> LateLine:
    return LateLine(
        partner_id=item["partner_id"],
        kind=item["kind"],
        transaction_id=uuid.UUID(item["transaction_id"]),
        order_id=item["order_id"],
        created_at=_parse_instant(item["created_at"]),
        points=_int(item["points"]),
    )


# -- a partner's statement -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementAdjustment:
    """An adjustment as the partner's statement lists it, valued with the partner's rounding."""

    kind: str
    transaction_id: uuid.UUID
    related_id: uuid.UUID
    related_business_date: date
    points: int
    price: Decimal
    value_minor: int
    order_id: str | None


@dataclass(frozen=True, slots=True)
class StatementLate:
    """An operation of the partner settled late, with its own stamp and business date; its
    points and value are in the day's figures."""

    kind: str
    transaction_id: uuid.UUID
    order_id: str | None
    created_at: datetime
    business_date: date
    points: int


@dataclass(frozen=True, slots=True)
class PartnerStatement:
    """One partner's figures for the day: what both renderings of its statement show."""

    partner: PartnerSettlement
    transfer_direction: TransferDirection
    transfer_minor: int
    issued_here_redeemed_at: tuple[MatrixCell, ...]
    """Cells where the partner is the issuer, by redeemer."""
    redeemed_here_issued_by: tuple[MatrixCell, ...]
    """Cells where the partner is the redeemer, by issuer."""
    adjustments: tuple[StatementAdjustment, ...]
    late: tuple[StatementLate, ...] = ()


def partner_statement(
    settlement: Settlement,
    partner_id: str,
    zone: ZoneInfo,
    cutoff: time,
    *,
    currency: Currency,
    rounding: Rounding,
) -> PartnerStatement:
    """``partner_id``'s figures; ``rounding`` is its settlement rounding (for adjustments)."""
    require(
        currency.code == settlement.currency,
        f"statement in {currency.code} for a settlement in {settlement.currency}",
    )
    partner = _partner_of(settlement, partner_id)
    direction, amount_minor = _transfer_of(settlement.transfers, partner)
    return PartnerStatement(
        partner=partner,
        transfer_direction=direction,
        transfer_minor=amount_minor,
        issued_here_redeemed_at=tuple(
            sorted(
                (c for c in settlement.matrix if c.issuer_id == partner_id),
                key=lambda c: c.redeemer_id,
            )
        ),
        redeemed_here_issued_by=tuple(
            sorted(
                (c for c in settlement.matrix if c.redeemer_id == partner_id),
                key=lambda c: c.issuer_id,
            )
        ),
        adjustments=tuple(
            _statement_adjustment(line, zone, cutoff, currency, rounding)
            for line in sorted(settlement.adjustments, key=_adjustment_order)
            if line.partner_id == partner_id
        ),
        late=tuple(
            StatementLate(
                kind=line.kind,
                transaction_id=line.transaction_id,
                order_id=line.order_id,
                created_at=line.created_at,
                business_date=business_date_of(line.created_at, zone, cutoff),
                points=line.points,
            )
            for line in sorted(settlement.late, key=_late_order)
            if line.partner_id == partner_id
        ),
    )


def _partner_of(settlement: Settlement, partner_id: str) -> PartnerSettlement:
    for partner in settlement.partners:
        if partner.partner_id == partner_id:
            return partner
    raise KeyError(f"{partner_id!r} is not in the settlement of {settlement.day.business_date}")


def _transfer_of(
    transfers: Iterable[Transfer], partner: PartnerSettlement
) -> tuple[TransferDirection, int]:
    direction, amount_minor = TransferDirection.NONE, 0
    for transfer in transfers:
        if transfer.from_account == partner.partner_id:
            direction, amount_minor = TransferDirection.PAY, transfer.amount_minor
        elif transfer.to_account == partner.partner_id:
            direction, amount_minor = TransferDirection.RECEIVE, transfer.amount_minor
    signed_minor = -amount_minor if direction is TransferDirection.PAY else amount_minor
    require(
        signed_minor == partner.net_position_minor,
        f"{partner.partner_id}: transfer {direction} {amount_minor} does not settle its net "
        f"position {partner.net_position_minor}",
    )
    return direction, amount_minor


def _statement_adjustment(
    line: AdjustmentLine, zone: ZoneInfo, cutoff: time, currency: Currency, rounding: Rounding
) -> StatementAdjustment:
    return StatementAdjustment(
        kind=line.kind,
        transaction_id=line.transaction_id,
        related_id=line.related_id,
        related_business_date=business_date_of(line.related_at, zone, cutoff),
        points=line.points,
        price=line.price,
        value_minor=signed_value_minor(line.points, line.price, currency, rounding),
        order_id=line.order_id,
    )


# -- the statement as JSON -----------------------------------------------------------------


def statement_json(
    settlement: Settlement,
    partner_id: str,
    zone: ZoneInfo,
    cutoff: time,
    *,
    currency: Currency,
    rounding: Rounding,
) -> bytes:
    """``partner_id``'s statement for the day as canonical JSON (see :func:`partner_statement`)."""
    figures = partner_statement(
        settlement, partner_id, zone, cutoff, currency=currency, rounding=rounding
    )
    partner = figures.partner
    return canonical_json(
        {
            "format": STATEMENT_FORMAT,
            "partner_id": partner_id,
            **_period(settlement, zone, cutoff),
            "issued": {
                "partner_funded": _valued_json(partner.issued_partner_funded),
                "coalition_funded": _valued_json(partner.issued_coalition_funded),
            },
            "redeemed": _valued_json(partner.redeemed),
            "expired": _valued_json(partner.expired),
            "annulled": _valued_json(partner.annulled),
            "outstanding": _valued_json(partner.outstanding),
            "net_position_minor": partner.net_position_minor,
            "transfer": _statement_transfer_json(figures),
            "issued_here_redeemed_at": [
                _row_json("redeemer_id", c.redeemer_id, c) for c in figures.issued_here_redeemed_at
            ],
            "redeemed_here_issued_by": [
                _row_json("issuer_id", c.issuer_id, c) for c in figures.redeemed_here_issued_by
            ],
            "adjustments": [_statement_adjustment_json(a) for a in figures.adjustments],
            "late": [_statement_late_json(line) for line in figures.late],
        }
    )


def _statement_transfer_json(figures: PartnerStatement) -> _Json:
    moves = figures.transfer_direction is not TransferDirection.NONE
    return {
        "direction": str(figures.transfer_direction),
        "counterparty": CLEARING_ACCOUNT if moves else None,
        "amount_minor": figures.transfer_minor,
    }


def _row_json(counterparty_key: str, counterparty: str, cell: MatrixCell) -> _Json:
    return {
        counterparty_key: counterparty,
        "points": cell.points,
        "redemption_value_minor": cell.redemption_value_minor,
        "issue_value_minor": cell.issue_value_minor,
    }


def _statement_adjustment_json(adjustment: StatementAdjustment) -> _Json:
    return {
        "kind": adjustment.kind,
        "transaction_id": str(adjustment.transaction_id),
        "related_id": str(adjustment.related_id),
        "related_business_date": adjustment.related_business_date.isoformat(),
        "points": adjustment.points,
        "price": price_text(adjustment.price),
        "value_minor": adjustment.value_minor,
        "order_id": adjustment.order_id,
    }


def _statement_late_json(line: StatementLate) -> _Json:
    return {
        "kind": line.kind,
        "transaction_id": str(line.transaction_id),
        "order_id": line.order_id,
        "created_at": instant_text(line.created_at),
        "business_date": line.business_date.isoformat(),
        "points": line.points,
    }


# -- the statement as CSV ------------------------------------------------------------------

_Row = tuple[str, str, str, str, str, str]


def statement_csv(
    settlement: Settlement,
    partner_id: str,
    zone: ZoneInfo,
    cutoff: time,
    *,
    currency: Currency,
    rounding: Rounding,
) -> bytes:
    """The same statement as :func:`statement_json`, one CSV row per figure (see the module)."""
    figures = partner_statement(
        settlement, partner_id, zone, cutoff, currency=currency, rounding=rounding
    )
    rows = [
        *_identity_rows(settlement, partner_id, zone, cutoff),
        *_position_rows(figures),
        *_matrix_rows("issued_here_redeemed_at", figures.issued_here_redeemed_at, by_issuer=False),
        *_matrix_rows("redeemed_here_issued_by", figures.redeemed_here_issued_by, by_issuer=True),
        *(_adjustment_row(a) for a in figures.adjustments),
        *(_late_row(line) for line in figures.late),
    ]
    return _csv_bytes(rows)


def _csv_bytes(rows: Sequence[_Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=CSV_LINE_END)
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _figure(section: str, item: str, valued: Valued, counterparty: str = NO_COUNTERPARTY) -> _Row:
    return section, counterparty, item, str(valued.points), str(valued.value_minor), ""


def _identity_rows(
    settlement: Settlement, partner_id: str, zone: ZoneInfo, cutoff: time
) -> list[_Row]:
    period = _period(settlement, zone, cutoff)
    facts = [
        ("format", STATEMENT_FORMAT),
        ("partner_id", partner_id),
        ("business_date", period["business_date"]),
        ("window_start", period["window"]["start"] or ""),
        ("window_end", period["window"]["end"]),
        ("time_zone", period["time_zone"]),
        ("cutoff", period["cutoff"]),
        ("currency", period["currency"]),
    ]
    return [("statement", NO_COUNTERPARTY, item, "", "", detail) for item, detail in facts]


def _position_rows(figures: PartnerStatement) -> list[_Row]:
    partner = figures.partner
    moves = figures.transfer_direction is not TransferDirection.NONE
    return [
        _figure("issued", "partner_funded", partner.issued_partner_funded),
        _figure("issued", "coalition_funded", partner.issued_coalition_funded),
        _figure("redeemed", "total", partner.redeemed),
        _figure("expired", "total", partner.expired),
        _figure("annulled", "total", partner.annulled),
        _figure("outstanding", "total", partner.outstanding),
        ("net_position", NO_COUNTERPARTY, "total", "", str(partner.net_position_minor), ""),
        (
            "transfer",
            CLEARING_ACCOUNT if moves else NO_COUNTERPARTY,
            str(figures.transfer_direction),
            "",
            str(figures.transfer_minor),
            "",
        ),
    ]


def _matrix_rows(section: str, cells: Iterable[MatrixCell], *, by_issuer: bool) -> list[_Row]:
    rows = []
    for cell in cells:
        counterparty = cell.issuer_id if by_issuer else cell.redeemer_id
        rows.append(
            _figure(
                section,
                "redemption_value",
                Valued(cell.points, cell.redemption_value_minor),
                counterparty,
            )
        )
        rows.append(
            _figure(
                section, "issue_value", Valued(cell.points, cell.issue_value_minor), counterparty
            )
        )
    return rows


def _adjustment_row(adjustment: StatementAdjustment) -> _Row:
    detail = ";".join(
        (
            f"kind={adjustment.kind}",
            f"related_id={adjustment.related_id}",
            f"related_business_date={adjustment.related_business_date.isoformat()}",
            f"price={price_text(adjustment.price)}",
            f"order_id={adjustment.order_id or ''}",
        )
    )
    return (
        "adjustment",
        NO_COUNTERPARTY,
        str(adjustment.transaction_id),
        str(adjustment.points),
        str(adjustment.value_minor),
        detail,
    )


def _late_row(line: StatementLate) -> _Row:
    detail = ";".join(
        (
            f"kind={line.kind}",
            f"order_id={line.order_id or ''}",
            f"created_at={instant_text(line.created_at)}",
            f"business_date={line.business_date.isoformat()}",
        )
    )
    # The points are in the day's figures already: the row names the operation, valued nowhere.
    return ("late", NO_COUNTERPARTY, str(line.transaction_id), str(line.points), "", detail)
