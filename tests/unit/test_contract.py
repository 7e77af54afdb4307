"""The error table, the ids and the codec the API depends on."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import grpc
import pytest

from coalition.hub.v1 import common_pb2
from hub.domain.errors import ERRORS_BY_REASON, InvalidPageToken, MalformedId
from hub.domain.ids import new_id, parse_id
from hub.domain.lots import LotStatus
from hub.domain.rates import Rates, RateVersion
from hub.services import codec
from hub.services.paging import decode_token, encode_token
from hub.services.ports.ledger import PageCursor
from hub.services.results import Earned

PROTO_REASONS = set(common_pb2.ErrorReason.keys()) - {"ERROR_REASON_UNSPECIFIED"}


def test_every_domain_reason_is_declared_in_the_proto_and_back():
    assert set(ERRORS_BY_REASON) == PROTO_REASONS


def test_every_error_names_a_real_grpc_code():
    for cls in ERRORS_BY_REASON.values():
        assert grpc.StatusCode[cls.code] is not grpc.StatusCode.OK


def test_new_ids_are_version_7_and_strictly_increasing():
    ids = [new_id() for _ in range(10_000)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_made_by_many_threads_at_once_are_unique_and_each_threads_increase():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        batches = list(pool.map(lambda _: [new_id() for _ in range(5_000)], range(8)))

    assert all(batch == sorted(batch) for batch in batches)
    everyone = [i for batch in batches for i in batch]
    assert len(set(everyone)) == len(everyone)


@pytest.mark.parametrize("text", ["", "nope", "0190d5e2-0000-7000-8000-00000000000Z", "x" * 36])
def test_malformed_ids_are_refused_naming_the_field(text):
    with pytest.raises(MalformedId) as caught:
        parse_id(text, field="member.member_id")
    assert caught.value.field == "member.member_id"


def test_results_survive_the_idempotency_codec_exactly():
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    rates = Rates(Decimal("0.1"), Decimal("0.01"), Decimal("0.0123456789"), Decimal("0.009"))
    earned = Earned(
        new_id(),
        new_id(),
        12,
        LotStatus.PENDING,
        now,
        None,
        RateVersion(new_id(), "coffee", now, rates),
        now,
    )
    assert codec.decode(codec.encode(earned), Earned) == earned
    assert "0.0123456789" in codec.encode(earned)


def test_page_tokens_round_trip_and_garbage_is_refused():
    cursor = PageCursor(datetime(2026, 11, 22, 10, 0, tzinfo=UTC), new_id())
    assert decode_token(encode_token(cursor)) == cursor
    assert decode_token("") is None
    for garbage in ("%%%", "bm90IGpzb24", encode_token(cursor)[:-3]):
        with pytest.raises(InvalidPageToken):
            decode_token(garbage)
