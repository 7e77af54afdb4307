"""Rows of a partner's member file, read purely: members with normalized identifiers, or
refusals that name the column and never echo the value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.domain.errors import InvalidField
from hub.domain.import_rows import MemberRow, RefusedRow, RowLayout
from hub.domain.members import Identifier, IdentifierKind

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
HEADER = ["External_ID", "phone", "opening_points", "expires_at"]


def read(*fields: str, region: str | None = "RU") -> MemberRow | RefusedRow:
    return RowLayout.of_header(HEADER, region).read(7, list(fields), NOW)


def test_a_national_phone_is_read_in_the_partners_region_as_tills_send_it() -> None:
    row = read("x-1", "8 916 123-45-67", " 42 ", "")

    assert row == MemberRow(
        7, "x-1", (Identifier.parse(IdentifierKind.PHONE, "+79161234567"),), 42, None
    )


def test_a_national_phone_without_a_region_is_refused_without_echoing_it() -> None:
    row = read("x-1", "8 916 123-45-67", "1", "", region=None)

    assert isinstance(row, RefusedRow)
    assert row.line == 7
    assert row.reason.startswith("phone: a phone must be")
    assert "916" not in row.reason


@pytest.mark.parametrize(
    ("expires_at", "reason"),
    [
        ("2027-01-01", "expires_at: not an ISO 8601 time with a zone"),
        ("soon", "expires_at: not an ISO 8601 time with a zone"),
        ("2026-12-01T00:00:00+00:00", "expires_at: already past"),
    ],
)
def test_an_expiry_without_a_zone_or_in_the_past_is_refused(expires_at: str, reason: str) -> None:
    assert read("x-1", "+79161234567", "1", expires_at) == RefusedRow(7, reason)


def test_points_above_any_programmes_balance_are_a_typo_and_refused() -> None:
    row = read("x-1", "+79161234567", "10000000000000", "")

    assert row == RefusedRow(7, "opening_points: above 1000000000000")


def test_a_header_naming_a_column_twice_is_refused() -> None:
    with pytest.raises(InvalidField, match="names a column twice"):
        RowLayout.of_header(["external_id", "card", "card", "opening_points"], None)
