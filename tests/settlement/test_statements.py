"""Settlement summaries and partners' statements: their exact bytes, and that they never drift."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.currencies import currency
from hub.domain.invariants import InvariantViolation
from hub.domain.limits import RATE_DECIMAL_PLACES_MAX, RATE_MAX
from hub.domain.money import Rounding
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
from settlement.statements import (
    canonical_json,
    price_text,
    settlement_from_summary,
    statement_csv,
    statement_json,
    summary_json,
)

PARIS = ZoneInfo("Europe/Paris")
CUTOFF = time(22, 0)
EUR = currency("EUR")
DAY = date(2026, 11, 22)
# 22:00 in Paris (UTC+1 in November) on the 21st and on the 22nd.
WINDOW_START = datetime(2026, 11, 21, 21, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)

REFUND_EARN_ID = uuid.UUID("00000000-0000-4000-8000-00000000000a")
EARN_ID = uuid.UUID("00000000-0000-4000-8000-00000000000b")
REFUND_CAPTURE_ID = uuid.UUID("00000000-0000-4000-8000-00000000000c")
CAPTURE_ID = uuid.UUID("00000000-0000-4000-8000-00000000000d")
LATE_REFUND_ID = uuid.UUID("00000000-0000-4000-8000-00000000000e")
OLD_EARN_ID = uuid.UUID("00000000-0000-4000-8000-00000000000f")
BAKERY_REFUND_ID = uuid.UUID("00000000-0000-4000-8000-000000000010")
LATE_EARN_ID = uuid.UUID("00000000-0000-4000-8000-000000000011")
BAKERY_LATE_ID = uuid.UUID("00000000-0000-4000-8000-000000000012")


def _partner(partner_id: str, **figures: Valued) -> PartnerSettlement:
    zero = Valued(0, 0)
    fields = (
        "issued_partner_funded",
        "issued_coalition_funded",
        "redeemed",
        "expired",
        "annulled",
        "outstanding",
    )
    return PartnerSettlement(partner_id, **{name: figures.get(name, zero) for name in fields})


def _adjustments() -> tuple[AdjustmentLine, ...]:
    return (
        # 21:30 in Paris on the 21st: before the cutoff, business day the 21st.
        AdjustmentLine(
            "coffee",
            "refund_earn",
            REFUND_EARN_ID,
            EARN_ID,
            datetime(2026, 11, 21, 20, 30, tzinfo=UTC),
            -120,
            Decimal("0.01"),
            order_id="C-1001",
        ),
        # 22:15 in Paris on the 20th: after the cutoff, so business day the 21st.
        AdjustmentLine(
            "coffee",
            "refund_redemption",
            REFUND_CAPTURE_ID,
            CAPTURE_ID,
            datetime(2026, 11, 20, 21, 15, tzinfo=UTC),
            -30,
            Decimal("0.009"),
            order_id="C-0999",
        ),
        # 21:45 in Paris on the 20th: business day the 20th. -2 x 0.0125 = -2.5 cents.
        AdjustmentLine(
            "coffee",
            "refund_earn",
            LATE_REFUND_ID,
            OLD_EARN_ID,
            datetime(2026, 11, 20, 20, 45, tzinfo=UTC),
            -2,
            Decimal("0.01250"),
        ),
        AdjustmentLine(
            "bakery",
            "refund_earn",
            BAKERY_REFUND_ID,
            EARN_ID,
            datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
            -10,
            Decimal("0.012"),
        ),
    )


def sample_settlement() -> Settlement:
    """Three partners; coffee issues at 0.01 and is paid 0.009, bakery 0.012 and 0.008, fuel is
    paid 0.0095. Coffee pays 1000 - 270 = 730, bakery 600 - 320 = 280, fuel receives 190."""
    return Settlement(
        day=BusinessDay(DAY, WINDOW_START, WINDOW_END),
        currency="EUR",
        partners=(
            _partner(
                "bakery",
                issued_partner_funded=Valued(500, 600),
                redeemed=Valued(400, 320),
                outstanding=Valued(2000, 2400),
            ),
            _partner(
                "coffee",
                issued_partner_funded=Valued(1000, 1000),
                issued_coalition_funded=Valued(200, 200),
                redeemed=Valued(300, 270),
                expired=Valued(50, 50),
                annulled=Valued(10, 10),
                outstanding=Valued(5000, 5000),
            ),
            _partner("fuel", redeemed=Valued(200, 190)),
        ),
        matrix=(
            MatrixCell("bakery", "bakery", 150, 120, 180),
            MatrixCell("bakery", "coffee", 200, 180, 240),
            MatrixCell("coffee", "bakery", 250, 200, 250),
            MatrixCell("coffee", "coffee", 100, 90, 100),
            MatrixCell("coffee", "fuel", 200, 190, 200),
        ),
        transfers=(
            Transfer("bakery", CLEARING_ACCOUNT, 280),
            Transfer("coffee", CLEARING_ACCOUNT, 730),
            Transfer(CLEARING_ACCOUNT, "fuel", 190),
        ),
        margin_minor=820,
        breakage=Valued(50, 50),
        outstanding=(
            OutstandingGroup("bakery", Decimal("0.012"), 2000),
            OutstandingGroup("coffee", Decimal("0.01"), 5000),
        ),
        adjustments=_adjustments(),
        transaction_count=42,
        late=_late(),
    )


def _late() -> tuple[LateLine, ...]:
    return (
        # 21:40 in Paris on the 21st, committed after the 21st was settled.
        LateLine(
            "coffee",
            "earn",
            LATE_EARN_ID,
            "C-1002",
            datetime(2026, 11, 21, 20, 40, tzinfo=UTC),
            40,
        ),
        LateLine(
            "bakery", "earn", BAKERY_LATE_ID, None, datetime(2026, 11, 21, 9, 0, tzinfo=UTC), 5
        ),
    )


def _coffee_json(settlement: Settlement, rounding: Rounding = Rounding.HALF_EVEN) -> bytes:
    return statement_json(settlement, "coffee", PARIS, CUTOFF, currency=EUR, rounding=rounding)


def _coffee_csv(settlement: Settlement, rounding: Rounding = Rounding.HALF_EVEN) -> bytes:
    return statement_csv(settlement, "coffee", PARIS, CUTOFF, currency=EUR, rounding=rounding)


def _shuffled(settlement: Settlement, seed: int) -> Settlement:
    shuffle = random.Random(seed).sample
    return replace(
        settlement,
        partners=tuple(shuffle(settlement.partners, len(settlement.partners))),
        matrix=tuple(shuffle(settlement.matrix, len(settlement.matrix))),
        transfers=tuple(shuffle(settlement.transfers, len(settlement.transfers))),
        outstanding=tuple(shuffle(settlement.outstanding, len(settlement.outstanding))),
        adjustments=tuple(shuffle(settlement.adjustments, len(settlement.adjustments))),
    )


# -- the partner's statement as JSON -------------------------------------------------------

COFFEE_STATEMENT = {
    "format": "coalition-hub-statement/1",
    "partner_id": "coffee",
    "business_date": "2026-11-22",
    "window": {"start": "2026-11-21T21:00:00Z", "end": "2026-11-22T21:00:00Z"},
    "time_zone": "Europe/Paris",
    "cutoff": "22:00",
    "currency": "EUR",
    "issued": {
        "partner_funded": {"points": 1000, "value_minor": 1000},
        "coalition_funded": {"points": 200, "value_minor": 200},
    },
    "redeemed": {"points": 300, "value_minor": 270},
    "expired": {"points": 50, "value_minor": 50},
    "annulled": {"points": 10, "value_minor": 10},
    "outstanding": {"points": 5000, "value_minor": 5000},
    "net_position_minor": -730,
    "transfer": {"direction": "pay", "counterparty": "coalition:clearing", "amount_minor": 730},
    "issued_here_redeemed_at": [
        {
            "redeemer_id": "bakery",
            "points": 250,
            "redemption_value_minor": 200,
            "issue_value_minor": 250,
        },
        {
            "redeemer_id": "coffee",
            "points": 100,
            "redemption_value_minor": 90,
            "issue_value_minor": 100,
        },
        {
            "redeemer_id": "fuel",
            "points": 200,
            "redemption_value_minor": 190,
            "issue_value_minor": 200,
        },
    ],
    "redeemed_here_issued_by": [
        {
            "issuer_id": "bakery",
            "points": 200,
            "redemption_value_minor": 180,
            "issue_value_minor": 240,
        },
        {
            "issuer_id": "coffee",
            "points": 100,
            "redemption_value_minor": 90,
            "issue_value_minor": 100,
        },
    ],
    "adjustments": [
        {
            "kind": "refund_earn",
            "transaction_id": str(LATE_REFUND_ID),
            "related_id": str(OLD_EARN_ID),
            "related_business_date": "2026-11-20",
            "points": -2,
            "price": "0.0125",
            "value_minor": -2,
            "order_id": None,
        },
        {
            "kind": "refund_redemption",
            "transaction_id": str(REFUND_CAPTURE_ID),
            "related_id": str(CAPTURE_ID),
            "related_business_date": "2026-11-21",
            "points": -30,
            "price": "0.009",
            "value_minor": -27,
            "order_id": "C-0999",
        },
        {
            "kind": "refund_earn",
            "transaction_id": str(REFUND_EARN_ID),
            "related_id": str(EARN_ID),
            "related_business_date": "2026-11-21",
            "points": -120,
            "price": "0.01",
            "value_minor": -120,
            "order_id": "C-1001",
        },
    ],
    "late": [
        {
            "kind": "earn",
            "transaction_id": str(LATE_EARN_ID),
            "order_id": "C-1002",
            "created_at": "2026-11-21T20:40:00Z",
            "business_date": "2026-11-21",
            "points": 40,
        }
    ],
}


def test_a_partners_json_statement_holds_its_figures_rows_and_adjustments():
    assert json.loads(_coffee_json(sample_settlement())) == COFFEE_STATEMENT


def test_the_json_statement_is_canonical_json_with_a_trailing_newline():
    data = _coffee_json(sample_settlement())

    assert data == canonical_json(COFFEE_STATEMENT)
    assert data.startswith(b'{"adjustments":[{"kind":"refund_earn","order_id":null,"points":-2,')
    assert data.endswith(
        b'"window":{"end":"2026-11-22T21:00:00Z","start":"2026-11-21T21:00:00Z"}}\n'
    )
    assert b" " not in data


def test_canonical_json_sorts_keys_and_keeps_non_ascii_text_as_utf8():
    assert canonical_json({"b": 1, "a": "Café"}) == '{"a":"Café","b":1}\n'.encode()


def test_adjustments_are_dated_by_business_day_with_a_22_00_cutoff_in_paris():
    adjustments = json.loads(_coffee_json(sample_settlement()))["adjustments"]

    # 21:45 on the 20th in Paris is the 20th; 22:15 on the 20th already the 21st.
    assert {a["transaction_id"]: a["related_business_date"] for a in adjustments} == {
        str(LATE_REFUND_ID): "2026-11-20",
        str(REFUND_CAPTURE_ID): "2026-11-21",
        str(REFUND_EARN_ID): "2026-11-21",
    }


def test_adjustments_are_valued_with_the_partners_rounding():
    def late_refund_value(rounding: Rounding) -> int:
        adjustments = json.loads(_coffee_json(sample_settlement(), rounding))["adjustments"]
        return next(a["value_minor"] for a in adjustments if a["points"] == -2)

    # -2 points at 0.0125 EUR are -2.5 cents, rounded by magnitude as the refunded points
    # were: floor gives back the 2 cents it charged, not 3.
    assert late_refund_value(Rounding.HALF_EVEN) == -2
    assert late_refund_value(Rounding.FLOOR) == -2
    assert late_refund_value(Rounding.HALF_UP) == -3


def test_a_partner_that_neither_pays_nor_is_paid_has_no_transfer():
    settlement = sample_settlement()
    idle = replace(settlement, partners=(*settlement.partners, _partner("idle")))

    data = statement_json(idle, "idle", PARIS, CUTOFF, currency=EUR, rounding=Rounding.FLOOR)

    statement = json.loads(data)
    assert statement["transfer"] == {"direction": "none", "counterparty": None, "amount_minor": 0}
    assert statement["issued_here_redeemed_at"] == []
    assert statement["adjustments"] == []


def test_a_receiving_partners_transfer_comes_from_the_clearing_account():
    data = statement_json(
        sample_settlement(), "fuel", PARIS, CUTOFF, currency=EUR, rounding=Rounding.FLOOR
    )

    assert json.loads(data)["transfer"] == {
        "direction": "receive",
        "counterparty": "coalition:clearing",
        "amount_minor": 190,
    }


def test_a_statement_for_a_partner_not_in_the_settlement_is_refused():
    with pytest.raises(KeyError, match="'nobody' is not in the settlement of 2026-11-22"):
        statement_json(
            sample_settlement(), "nobody", PARIS, CUTOFF, currency=EUR, rounding=Rounding.FLOOR
        )


def test_a_statement_in_another_currency_than_the_settlement_is_a_bug():
    with pytest.raises(InvariantViolation, match="statement in RUB for a settlement in EUR"):
        statement_json(
            sample_settlement(),
            "coffee",
            PARIS,
            CUTOFF,
            currency=currency("RUB"),
            rounding=Rounding.FLOOR,
        )


def test_a_transfer_that_does_not_settle_the_net_position_is_a_bug():
    settlement = sample_settlement()
    wrong = replace(settlement, transfers=(Transfer("coffee", CLEARING_ACCOUNT, 731),))

    with pytest.raises(InvariantViolation, match="does not settle its net position -730"):
        _coffee_json(wrong)


# -- the partner's statement as CSV --------------------------------------------------------

COFFEE_CSV_LINES = [
    "section,counterparty,item,points,value_minor,detail",
    "statement,-,format,,,coalition-hub-statement/1",
    "statement,-,partner_id,,,coffee",
    "statement,-,business_date,,,2026-11-22",
    "statement,-,window_start,,,2026-11-21T21:00:00Z",
    "statement,-,window_end,,,2026-11-22T21:00:00Z",
    "statement,-,time_zone,,,Europe/Paris",
    "statement,-,cutoff,,,22:00",
    "statement,-,currency,,,EUR",
    "issued,-,partner_funded,1000,1000,",
    "issued,-,coalition_funded,200,200,",
    "redeemed,-,total,300,270,",
    "expired,-,total,50,50,",
    "annulled,-,total,10,10,",
    "outstanding,-,total,5000,5000,",
    "net_position,-,total,,-730,",
    "transfer,coalition:clearing,pay,,730,",
    "issued_here_redeemed_at,bakery,redemption_value,250,200,",
    "issued_here_redeemed_at,bakery,issue_value,250,250,",
    "issued_here_redeemed_at,coffee,redemption_value,100,90,",
    "issued_here_redeemed_at,coffee,issue_value,100,100,",
    "issued_here_redeemed_at,fuel,redemption_value,200,190,",
    "issued_here_redeemed_at,fuel,issue_value,200,200,",
    "redeemed_here_issued_by,bakery,redemption_value,200,180,",
    "redeemed_here_issued_by,bakery,issue_value,200,240,",
    "redeemed_here_issued_by,coffee,redemption_value,100,90,",
    "redeemed_here_issued_by,coffee,issue_value,100,100,",
    f"adjustment,-,{LATE_REFUND_ID},-2,-2,kind=refund_earn;related_id={OLD_EARN_ID};"
    "related_business_date=2026-11-20;price=0.0125;order_id=",
    f"adjustment,-,{REFUND_CAPTURE_ID},-30,-27,kind=refund_redemption;related_id={CAPTURE_ID};"
    "related_business_date=2026-11-21;price=0.009;order_id=C-0999",
    f"adjustment,-,{REFUND_EARN_ID},-120,-120,kind=refund_earn;related_id={EARN_ID};"
    "related_business_date=2026-11-21;price=0.01;order_id=C-1001",
    f"late,-,{LATE_EARN_ID},40,,kind=earn;order_id=C-1002;created_at=2026-11-21T20:40:00Z;"
    "business_date=2026-11-21",
]


def test_a_partners_csv_statement_has_one_row_per_figure_with_newline_endings():
    data = _coffee_csv(sample_settlement())

    assert data == ("\n".join(COFFEE_CSV_LINES) + "\n").encode()


def test_the_csv_statement_of_a_first_run_leaves_the_window_start_empty():
    first = replace(sample_settlement(), day=BusinessDay(DAY, None, WINDOW_END))

    lines = _coffee_csv(first).decode().splitlines()

    assert "statement,-,window_start,,," in lines
    assert json.loads(_coffee_json(first))["window"]["start"] is None


# -- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_statements_and_summaries_do_not_depend_on_the_order_of_the_settlements_parts(seed):
    settlement = sample_settlement()
    shuffled = _shuffled(settlement, seed)

    assert _coffee_json(shuffled) == _coffee_json(settlement)
    assert _coffee_csv(shuffled) == _coffee_csv(settlement)
    assert summary_json(shuffled, PARIS, CUTOFF) == summary_json(settlement, PARIS, CUTOFF)


def test_recomputing_a_statement_gives_the_same_bytes():
    assert _coffee_json(sample_settlement()) == _coffee_json(sample_settlement())
    assert _coffee_csv(sample_settlement()) == _coffee_csv(sample_settlement())


def test_instants_in_another_time_zone_are_written_in_utc():
    settlement = sample_settlement()
    local = replace(
        settlement,
        day=BusinessDay(DAY, WINDOW_START.astimezone(PARIS), WINDOW_END.astimezone(PARIS)),
    )

    assert _coffee_json(local) == _coffee_json(settlement)


def test_a_naive_datetime_in_a_settlement_is_a_bug():
    naive = replace(sample_settlement(), day=BusinessDay(DAY, None, datetime(2026, 11, 22, 21)))

    with pytest.raises(InvariantViolation, match="naive datetime"):
        summary_json(naive, PARIS, CUTOFF)


@pytest.mark.parametrize(
    ("price", "text"),
    [
        (Decimal("0.0100"), "0.01"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.0000001"), "0.0000001"),
        (Decimal("0E-10"), "0"),
    ],
)
def test_prices_are_written_as_plain_canonical_decimals(price, text):
    assert price_text(price) == text


# -- the run's summary ---------------------------------------------------------------------


def test_the_summary_holds_the_whole_settlement():
    summary = json.loads(summary_json(sample_settlement(), PARIS, CUTOFF))

    assert {key: summary[key] for key in ("format", "business_date", "time_zone", "cutoff")} == {
        "format": "coalition-hub-settlement/1",
        "business_date": "2026-11-22",
        "time_zone": "Europe/Paris",
        "cutoff": "22:00",
    }
    assert (summary["currency"], summary["transaction_count"]) == ("EUR", 42)
    assert summary["margin_minor"] == 820
    assert summary["breakage"] == {"points": 50, "value_minor": 50}
    assert summary["partners"][1] == {
        "partner_id": "coffee",
        "issued_partner_funded": {"points": 1000, "value_minor": 1000},
        "issued_coalition_funded": {"points": 200, "value_minor": 200},
        "redeemed": {"points": 300, "value_minor": 270},
        "expired": {"points": 50, "value_minor": 50},
        "annulled": {"points": 10, "value_minor": 10},
        "outstanding": {"points": 5000, "value_minor": 5000},
        "net_position_minor": -730,
    }
    assert summary["transfers"] == [
        {"from_account": "bakery", "to_account": "coalition:clearing", "amount_minor": 280},
        {"from_account": "coffee", "to_account": "coalition:clearing", "amount_minor": 730},
        {"from_account": "coalition:clearing", "to_account": "fuel", "amount_minor": 190},
    ]
    assert summary["outstanding"] == [
        {"issuer_id": "bakery", "issue_price": "0.012", "points": 2000},
        {"issuer_id": "coffee", "issue_price": "0.01", "points": 5000},
    ]
    assert summary["adjustments"][0] == {
        "partner_id": "bakery",
        "kind": "refund_earn",
        "transaction_id": str(BAKERY_REFUND_ID),
        "related_id": str(EARN_ID),
        "related_at": "2026-11-21T09:00:00Z",
        "points": -10,
        "price": "0.012",
        "order_id": None,
    }
    assert summary["late"] == [
        {
            "partner_id": "bakery",
            "kind": "earn",
            "transaction_id": str(BAKERY_LATE_ID),
            "order_id": None,
            "created_at": "2026-11-21T09:00:00Z",
            "points": 5,
        },
        {
            "partner_id": "coffee",
            "kind": "earn",
            "transaction_id": str(LATE_EARN_ID),
            "order_id": "C-1002",
            "created_at": "2026-11-21T20:40:00Z",
            "points": 40,
        },
    ]
    assert len(summary["matrix"]) == 5


def test_a_summary_reads_back_as_the_same_settlement():
    settlement = sample_settlement()

    assert settlement_from_summary(summary_json(settlement, PARIS, CUTOFF)) == _in_order(settlement)


def test_a_first_runs_summary_has_no_window_start_and_reads_back():
    first = replace(sample_settlement(), day=BusinessDay(DAY, None, WINDOW_END))
    data = summary_json(first, PARIS, CUTOFF)

    assert json.loads(data)["window"] == {"start": None, "end": "2026-11-22T21:00:00Z"}
    assert settlement_from_summary(data).day == first.day


def test_a_summary_holding_a_float_is_refused():
    data = summary_json(sample_settlement(), PARIS, CUTOFF).replace(
        b'"margin_minor":820', b'"margin_minor":820.0'
    )

    with pytest.raises(ValueError, match="no floats"):
        settlement_from_summary(data)


def test_a_statement_is_not_read_as_a_summary():
    with pytest.raises(ValueError, match="not a coalition-hub-settlement/1 document"):
        settlement_from_summary(_coffee_json(sample_settlement()))


def test_a_summary_whose_net_position_disagrees_with_the_figures_is_refused():
    data = summary_json(sample_settlement(), PARIS, CUTOFF).replace(
        b'"net_position_minor":-730', b'"net_position_minor":-731'
    )

    with pytest.raises(ValueError, match="coffee: net_position_minor disagrees"):
        settlement_from_summary(data)


def _in_order(settlement: Settlement) -> Settlement:
    """The order summaries write: netting's order, adjustments by partner and related instant,
    late operations by partner and stamp."""
    return replace(
        settlement,
        adjustments=tuple(
            sorted(settlement.adjustments, key=lambda a: (a.partner_id, a.related_at))
        ),
        late=tuple(sorted(settlement.late, key=lambda line: (line.partner_id, line.created_at))),
    )


# -- round trip property -------------------------------------------------------------------

ids = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
signed_ints = st.integers(min_value=-(10**15), max_value=10**15)
valued = st.builds(Valued, signed_ints, signed_ints)
prices = st.decimals(
    min_value=0, max_value=RATE_MAX, places=RATE_DECIMAL_PLACES_MAX, allow_nan=False
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
partners = st.builds(PartnerSettlement, ids, valued, valued, valued, valued, valued, valued)
cells = st.builds(MatrixCell, ids, ids, signed_ints, signed_ints, signed_ints)
transfers = st.builds(Transfer, ids, ids, st.integers(min_value=1, max_value=10**15))
outstanding_groups = st.builds(OutstandingGroup, ids, prices, signed_ints)
adjustment_lines = st.builds(
    AdjustmentLine,
    ids,
    ids,
    st.uuids(),
    st.uuids(),
    instants,
    signed_ints,
    prices,
    st.one_of(st.none(), ids),
)
late_lines = st.builds(
    LateLine, ids, ids, st.uuids(), st.one_of(st.none(), ids), instants, signed_ints
)


def _transfer_partner(transfer: Transfer) -> str:
    if transfer.from_account == CLEARING_ACCOUNT:
        return transfer.to_account
    return transfer.from_account


@st.composite
def settlements(draw: st.DrawFn) -> Settlement:
    """Settlements with their parts in the summary's order (netting's, for all but
    adjustments): partners by id, cells by issuer and redeemer, transfers by partner,
    outstanding by issuer and price, adjustments by every field."""
    start = draw(st.none() | instants)
    return Settlement(
        day=BusinessDay(draw(st.dates()), start, draw(instants)),
        currency=draw(st.sampled_from(["EUR", "RUB", "JPY"])),
        partners=tuple(
            sorted(
                draw(st.lists(partners, max_size=4, unique_by=lambda p: p.partner_id)),
                key=lambda p: p.partner_id,
            )
        ),
        matrix=tuple(
            sorted(
                draw(st.lists(cells, max_size=6, unique_by=lambda c: (c.issuer_id, c.redeemer_id))),
                key=lambda c: (c.issuer_id, c.redeemer_id),
            )
        ),
        transfers=tuple(
            sorted(
                draw(st.lists(transfers, max_size=4, unique_by=_transfer_partner)),
                key=_transfer_partner,
            )
        ),
        margin_minor=draw(signed_ints),
        breakage=draw(valued),
        outstanding=tuple(
            sorted(
                draw(
                    st.lists(
                        outstanding_groups,
                        max_size=4,
                        unique_by=lambda g: (g.issuer_id, g.issue_price),
                    )
                ),
                key=lambda g: (g.issuer_id, g.issue_price),
            )
        ),
        adjustments=tuple(
            sorted(
                draw(st.lists(adjustment_lines, max_size=4)),
                key=lambda a: (a.partner_id, a.related_at, str(a.transaction_id)),
            )
        ),
        transaction_count=draw(st.integers(min_value=0, max_value=10**12)),
        late=tuple(
            sorted(
                draw(st.lists(late_lines, max_size=4, unique_by=lambda line: line.transaction_id)),
                key=lambda line: (line.partner_id, line.created_at, str(line.transaction_id)),
            )
        ),
    )


@given(settlements())
def test_any_settlement_survives_a_round_trip_through_its_summary(settlement):
    data = summary_json(settlement, PARIS, CUTOFF)

    assert settlement_from_summary(data) == settlement
    assert summary_json(settlement_from_summary(data), PARIS, CUTOFF) == data
