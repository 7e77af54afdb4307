"""Short ids as staff type them, and the page tokens of the queue and the member timeline."""

import uuid
from datetime import UTC, datetime

import pytest

from hub.cli.fraud_views import time_left
from hub.domain.errors import InvalidPageToken, MalformedId
from hub.domain.short_ids import IdPrefix, parse_id_or_prefix, short_form
from hub.services.fraud_tokens import (
    decode_flag_token,
    decode_timeline_token,
    encode_flag_token,
    encode_timeline_token,
)
from hub.services.ports.reviews import FlagCursor, TimelineCursor, TimelineKind

ID = uuid.UUID("0190d5e2-aa00-7000-8000-000000000001")
AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", [str(ID), ID.hex, str(ID).upper(), f" {ID} "])
def test_a_whole_id_is_itself_with_or_without_dashes_in_any_case(text):
    assert parse_id_or_prefix(text, field="flag_id") == ID


def test_a_prefix_names_the_range_of_ids_that_start_with_it():
    prefix = parse_id_or_prefix("0190D5E2-aa", field="flag_id")
    assert prefix == IdPrefix("0190d5e2aa")
    assert isinstance(prefix, IdPrefix)
    assert prefix.low == uuid.UUID("0190d5e2-aa00-0000-0000-000000000000")
    assert prefix.high == uuid.UUID("0190d5e2-aaff-ffff-ffff-ffffffffffff")
    assert prefix.low <= ID <= prefix.high


@pytest.mark.parametrize("text", ["", "0190d5e", "0190d5e2-zz", "x" * 32, ID.hex + "0"])
def test_fewer_than_8_hex_digits_or_anything_else_is_malformed(text):
    with pytest.raises(MalformedId) as caught:
        parse_id_or_prefix(text, field="hold_id")
    assert caught.value.metadata["field"] == "hold_id"


def test_flag_and_timeline_tokens_round_trip():
    flag = FlagCursor(70, AT, ID)
    assert decode_flag_token(encode_flag_token(flag)) == flag
    entry = TimelineCursor(AT, TimelineKind.HOLD, ID)
    assert decode_timeline_token(encode_timeline_token(ID, entry), ID) == entry
    assert decode_flag_token("") is None
    assert decode_timeline_token("", ID) is None


@pytest.mark.parametrize("token", ["garbage!", "bm90IGEgdG9rZW4", "WzEsMiwzXQ", "e30"])
def test_a_token_this_server_did_not_issue_is_refused(token):
    with pytest.raises(InvalidPageToken):
        decode_flag_token(token)
    with pytest.raises(InvalidPageToken):
        decode_timeline_token(token, ID)


def test_a_timeline_token_of_one_member_pages_no_other():
    token = encode_timeline_token(ID, TimelineCursor(AT, TimelineKind.FLAG, ID))
    with pytest.raises(InvalidPageToken):
        decode_timeline_token(token, uuid.uuid4())


def test_a_naive_time_in_a_token_is_refused():
    token = encode_flag_token(FlagCursor(1, AT.replace(tzinfo=None), ID))
    with pytest.raises(InvalidPageToken):
        decode_flag_token(token)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "expiring"), (59, "0m59s"), (900, "15m00s"), (3900, "1h05m")]
)
def test_time_left_reads_in_hours_minutes_and_seconds(seconds, text):
    assert time_left(seconds) == text


def test_the_short_form_a_table_shows_names_its_id_back() -> None:
    full = uuid.UUID("0193a5b2-7c3d-7a10-8e2f-1a6b5c4d3f9a")

    short = short_form(full)

    assert short == "0193a5b2..3f9a"
    named = parse_id_or_prefix(short, field="flag_id")
    assert isinstance(named, IdPrefix)
    assert named.matches(full)
    assert not named.matches(uuid.UUID("0193a5b2-7c3d-7a10-8e2f-1a6b5c4d0000"))


def test_a_pasted_ellipsis_reads_as_the_short_form() -> None:
    named = parse_id_or_prefix("0193a5b2…3f9a", field="flag_id")

    assert named == IdPrefix("0193a5b2", "3f9a")


@pytest.mark.parametrize("text", ["0193a5b2..zz", "0193..3f9a", "0193a5b2.."])
def test_a_malformed_short_form_is_refused(text: str) -> None:
    with pytest.raises(MalformedId):
        parse_id_or_prefix(text, field="flag_id")
