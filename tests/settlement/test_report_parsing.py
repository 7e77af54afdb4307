"""Partners' settlement reports: the CSV format, read line by line, and every way it is refused."""

from __future__ import annotations

import uuid

import pytest

from hub.domain.errors import InvalidReport
from hub.domain.limits import POINTS_PER_OPERATION_MAX
from settlement import reconciliation
from settlement.reconciliation import ItemKind, ReportLine, report_lines

HEADER = "kind,order_id,transaction_id,points"
ID_1 = uuid.UUID("0b6c9e2e-5d1f-4a57-9a53-4f0a2c1d7e10")
ID_2 = uuid.UUID("3f0f7c1a-8e0e-4d33-b2d8-6f4a5b1c2d3e")


def parse(text: str) -> list[ReportLine]:
    return list(report_lines(text.encode()))


def refusal(text: str | bytes) -> InvalidReport:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(InvalidReport) as raised:
        list(report_lines(data))
    return raised.value


def test_every_kind_is_read_with_its_order_id_transaction_id_and_points():
    report = f"""{HEADER}
earn,A-1,,10
redemption,,{ID_1},20
refund_earn,A-1,{ID_2},3
refund_redemption,H-1,,5
bonus,,{uuid.UUID(int=7)},{POINTS_PER_OPERATION_MAX}
"""
    assert parse(report) == [
        ReportLine(1, ItemKind.EARN, "A-1", None, 10),
        ReportLine(2, ItemKind.REDEMPTION, None, ID_1, 20),
        ReportLine(3, ItemKind.REFUND_EARN, "A-1", ID_2, 3),
        ReportLine(4, ItemKind.REFUND_REDEMPTION, "H-1", None, 5),
        ReportLine(5, ItemKind.BONUS, None, uuid.UUID(int=7), POINTS_PER_OPERATION_MAX),
    ]


def test_columns_come_in_any_order_after_a_byte_order_mark_with_windows_line_ends():
    report = f"\ufeffpoints, transaction_id ,order_id,kind\r\n 12 ,{ID_1} ,A-1, earn\r\n"
    assert parse(report) == [ReportLine(1, ItemKind.EARN, "A-1", ID_1, 12)]


def test_blank_lines_are_skipped_but_counted_so_line_numbers_match_the_file():
    assert parse(f"{HEADER}\n\nearn,A-1,,10\n\nearn,A-2,,5\n\n") == [
        ReportLine(2, ItemKind.EARN, "A-1", None, 10),
        ReportLine(4, ItemKind.EARN, "A-2", None, 5),
    ]


def test_order_ids_are_kept_exactly_as_written_even_quoted_with_commas():
    [line] = parse(f'{HEADER}\nearn," A,1 ",,10')
    assert line.order_id == " A,1 "


def test_a_report_of_only_a_header_has_no_lines():
    assert parse(HEADER) == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("earn,A-1,,0", f"points must be 1..{POINTS_PER_OPERATION_MAX}; got 0"),
        ("earn,A-1,,-5", "points must be a positive integer"),
        ("earn,A-1,,1.5", "points must be a positive integer"),
        ("earn,A-1,,1e3", "points must be a positive integer"),
        ("earn,A-1,,+5", "points must be a positive integer"),
        ("earn,A-1,,1_000", "points must be a positive integer"),
        ("earn,A-1,,١٢", "points must be a positive integer"),
        ("earn,A-1,,", "points must be a positive integer"),
        (
            f"earn,A-1,,{POINTS_PER_OPERATION_MAX + 1}",
            f"points must be 1..{POINTS_PER_OPERATION_MAX}; got {POINTS_PER_OPERATION_MAX + 1}",
        ),
        (f"earn,A-1,,{'9' * 5000}", "points must be a positive integer"),
        ("cashback,A-1,,5", "kind must be one of earn, redemption, refund_earn"),
        ("capture,A-1,,5", "kind must be one of"),
        ("earn,,,5", "order_id and transaction_id are both empty; give one"),
        ("earn,A-1,12345,5", "transaction_id must be a UUID"),
        (f"earn,{'x' * 65},,5", "order_id is longer than 64 characters"),
        ('earn,"A\n1",,5', "order_id contains control characters"),
        ("earn,A-1,,5,extra", "has 5 fields; expected 4"),
        ("earn,A-1,5", "has 3 fields; expected 4"),
    ],
)
def test_a_bad_line_refuses_the_report_naming_the_line(line, problem):
    error = refusal(f"{HEADER}\nearn,A-0,,1\n{line}\nearn,A-2,,1\n")
    assert error.message.startswith(f"line 2: {problem}")
    assert error.field == "line 2"


def test_a_transaction_id_reported_twice_refuses_the_report_at_its_second_line():
    error = refusal(f"{HEADER}\nearn,A-1,{ID_1},1\nearn,A-2,{ID_2},1\nbonus,,{str(ID_1).upper()},1")
    assert error.message == f"line 3: transaction_id {ID_1} is repeated"


def test_text_that_is_not_utf8_refuses_the_report_naming_the_line():
    error = refusal(f"{HEADER}\nearn,A-1,,1\n".encode() + b"earn,\xff\xfe,,1\n")
    assert (error.message, error.field) == ("line 2: not UTF-8 text", "line 2")


def test_an_unterminated_quote_refuses_the_report():
    assert refusal(f'{HEADER}\nearn,"A-1,,1\n').message.startswith("line 1: not valid CSV")


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("earn,A-1,,10", "unknown column 'earn'"),
        ("", "the header has no column 'kind'"),
        (f"{HEADER},store", "unknown column 'store'"),
        ("kind,order_id,points", "the header has no column 'transaction_id'"),
        (f"{HEADER},kind", "the header names a column twice"),
    ],
)
def test_a_report_without_exactly_the_documented_header_is_refused_at_once(header, problem):
    with pytest.raises(InvalidReport, match=problem) as raised:
        report_lines(f"{header}\nearn,A-1,,10\n".encode())  # not even read
    assert raised.value.field == "report_csv"


def test_an_empty_report_is_refused_at_once():
    with pytest.raises(InvalidReport, match="the report is empty; its first line must be kind,"):
        report_lines(b"")


def test_a_report_over_the_size_limit_is_refused_at_once(monkeypatch):
    monkeypatch.setattr(reconciliation, "REPORT_BYTES_MAX", 64)
    with pytest.raises(InvalidReport, match="at most 64 bytes; got 65"):
        report_lines(f"{HEADER}\n".encode().ljust(65, b"\n"))


def test_a_report_over_the_line_limit_is_refused_at_the_first_line_beyond_it(monkeypatch):
    monkeypatch.setattr(reconciliation, "REPORT_LINES_MAX", 2)
    lines = report_lines(f"{HEADER}\nearn,A-1,,1\n\nearn,A-3,,1\n".encode())
    assert next(lines).line == 1
    with pytest.raises(InvalidReport, match="at most 2 lines") as raised:
        next(lines)
    assert raised.value.field == "line 3"


def test_lines_are_read_as_they_are_reached_so_good_lines_before_a_bad_one_come_first():
    lines = report_lines(f"{HEADER}\nearn,A-1,,1\nearn,A-2,,0\n".encode())
    assert next(lines) == ReportLine(1, ItemKind.EARN, "A-1", None, 1)
    with pytest.raises(InvalidReport, match=r"^line 2: "):
        next(lines)
