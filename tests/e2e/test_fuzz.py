"""Fuzzed requests over every RPC of every hub service, from callers the policy allows: random
but decodable messages (empty, overlong and unicode strings, huge and negative numbers, bad
ids, unknown enum values, far-off timestamps) and some undecodable bodies. No answer is
INTERNAL (or UNKNOWN, an exception gRPC caught), and a refused call writes no row.

The hub runs in this process over a PostgreSQL cluster of the test's own. ``HUB_FUZZ_REQUESTS``
sets how many calls (10,000 by default), ``HUB_FUZZ_SEED`` replays a run: a failure prints its
seed.
"""

from __future__ import annotations

import os
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import psycopg
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from hub import bootstrap
from hub.adapters.database import create_engine
from hub.adapters.migrate import upgrade
from hub.api.headers import PARTNER_ID_HEADER, STAFF_HEADER
from hub.api.policy import ADMIN_SERVICE, HUB_SERVICES, POLICY
from hub.api.server import start_server
from hub.domain.principals import Role
from hub.services.commands import SetPartnerStatus, SetRateLimit
from partner_sdk import HubClient, Identifier
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.pg_cluster import PgCluster

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

FUZZ_REQUESTS = int(os.environ.get("HUB_FUZZ_REQUESTS", "10000"))
SEED = int(os.environ.get("HUB_FUZZ_SEED", str(random.SystemRandom().randrange(2**32))))
UNDECODABLE_SHARE = 0.05
DEPTH_MAX = 4
"""Nested messages deeper than this are left unset: the hub's messages nest two or three."""
REPEATED_MAX = 3
BUGS = (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
"""UNKNOWN is what gRPC answers when a handler raises past the hub's own error mapping."""
WRITTEN_TABLES = (
    "members",
    "member_identifiers",
    "accounts",
    "transactions",
    "entries",
    "lots",
    "lot_movements",
    "holds",
    "hold_lots",
    "idempotency_keys",
)
"""What a refused call must leave as it was."""
CALLERS = {
    Role.PARTNER: ((PARTNER_ID_HEADER, "coffee"),),
    Role.ADMIN: ((STAFF_HEADER, "admin/fuzz-admin"),),
    Role.ANALYST: ((STAFF_HEADER, "analyst/fuzz-analyst"),),
    Role.OFFICER: ((STAFF_HEADER, "officer/fuzz-officer"),),
}
CARD = "4000123412341234"


@dataclass(frozen=True)
class Target:
    path: str
    """``/package.Service/Method``."""
    request: Descriptor
    metadata: tuple[tuple[str, str], ...]


def _targets() -> list[Target]:
    """Every RPC of every hub service, each called as a role the policy lets in: a refusal
    at the door would test nothing past it."""
    found = []
    for service in HUB_SERVICES:
        for method in service.methods:
            path = f"/{service.full_name}/{method.name}"
            role = min(POLICY[path])  # deterministic whichever roles may call it
            found.append(Target(path, method.input_type, CALLERS[role]))
    return found


# -- values -----------------------------------------------------------------------------------


class Values:
    """Random field values, mixing valid ones (so calls get past validation) with hostile ones."""

    def __init__(self, draw: random.Random, known: Known) -> None:
        self.draw = draw
        self.known = known
        known_ids = [
            value for values in known.values() for value in values if isinstance(value, str)
        ]
        self.strings = [
            "",
            " ",
            "x" * 300,
            "y" * 5000,
            "not-a-uuid",
            "00000000-0000-0000-0000-000000000000",
            "ü€😀\u202e\u0000",
            "\udc80".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            "-1",
            "0",
            "1e309",
            "NaN",
            "Infinity",
            "-0.5",
            "0.1",
            "99999999999999999999999999",
            "2026-13-45",
            "2026-11-22",
            "9999-12-31",
            "25:99",
            "22:00",
            "EUR",
            "XXX",
            "eur",
            "coffee",
            "fuel",
            "ghost",
            CARD,
            "+79990001122",
            "a@b.c",
            "member:1:available",
            "' OR 1=1 --",
            "%s%n",
            *known_ids,
        ]

    def string(self) -> str:
        if self.draw.random() < 0.1:
            return self.fresh()
        return self.draw.choice(self.strings)

    def fresh(self) -> str:
        return str(uuid.UUID(int=self.draw.getrandbits(128)))

    def plausible(self, field: FieldDescriptor) -> object | None:
        """Half the time, a value the field's name suggests would pass validation, so calls
        get past it to the use case; else ``None``."""
        choices = self.known.get(field.name) or PLAUSIBLE.get(field.name)
        if not choices or self.draw.random() < 0.5:
            return None
        value = self.draw.choice(choices)
        value = self.fresh() if value is FRESH else value
        expected = str if field.cpp_type == FieldDescriptor.CPPTYPE_STRING else int
        return value if isinstance(value, expected) else None

    def integer(self, low: int, high: int) -> int:
        edges = [0, 1, -1, 2, 10, 1000, 10**9, low, high, low + 1, high - 1]
        value = self.draw.choice([*edges, self.draw.randint(low, high)])
        return min(max(value, low), high)

    def number(self) -> float:
        return self.draw.choice([0.0, -0.0, 1.5, -1.0, 1e308, float("inf"), float("nan")])


FRESH = object()
"""A new random UUID each time (idempotency keys, order ids)."""
PLAUSIBLE: dict[str, tuple[object, ...]] = {
    "currency": ("EUR",),
    "spend_currency": ("EUR",),
    "amount_minor": (1_000, 250),
    "points": (10, 100),
    "idempotency_key": (FRESH,),
    "order_id": (FRESH,),
    "value": (CARD, "+79990001122"),
    "earn_rate": ("1", "0.5"),
    "burn_value": ("0.01",),
    "issue_price": ("0.01",),
    "redemption_price": ("0.009",),
    "multiplier": ("2",),
    "max_share": ("0.5",),
    "business_date": ("2026-11-22",),
    "date": ("2026-11-22",),
    "reason": ("fuzzing",),
    "rule_id": ("coffee-double", "tiers"),
    "seconds": (1_796_000_000,),
    "nanos": (0,),
    "ttl_s": (60,),
    "page_size": (10,),
    "quantity": (1,),
}
"""Field names the hub's messages share, with values that pass their validation."""
Known = dict[str, tuple[object, ...]]
"""Values of things that exist (a member's id...) by the name of the fields that take them."""

INTEGER_RANGES = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}


def _scalar(field: FieldDescriptor, values: Values) -> object:
    if (plausible := values.plausible(field)) is not None:
        return plausible
    kind = field.cpp_type
    if kind in INTEGER_RANGES:
        return values.integer(*INTEGER_RANGES[kind])
    if kind == FieldDescriptor.CPPTYPE_ENUM:
        assert field.enum_type is not None
        known = [value.number for value in field.enum_type.values]
        return values.draw.choice([*known, -1, 99, 2**31 - 1])
    if kind == FieldDescriptor.CPPTYPE_BOOL:
        return values.draw.random() < 0.5
    if kind in (FieldDescriptor.CPPTYPE_DOUBLE, FieldDescriptor.CPPTYPE_FLOAT):
        return values.number()
    if field.type == FieldDescriptor.TYPE_BYTES:
        return values.draw.choice([b"", values.draw.randbytes(40), b"order_id,points\nx,-1\n"])
    return values.string()


def random_message(descriptor: Descriptor, values: Values, depth: int = 0) -> Message:
    """A message of ``descriptor``'s type with about half its fields set at random."""
    message = message_factory.GetMessageClass(descriptor)()
    for field in descriptor.fields:
        if values.draw.random() < 0.4:
            continue
        if field.message_type is not None and depth >= DEPTH_MAX:
            continue
        _fill(message, field, values, depth)
    return message


def _fill(message: Message, field: FieldDescriptor, values: Values, depth: int) -> None:
    slot = getattr(message, field.name)
    nested = field.message_type
    if nested is not None and nested.GetOptions().map_entry:
        for _ in range(values.draw.randrange(REPEATED_MAX + 1)):
            key = _scalar(nested.fields_by_name["key"], values)
            value_field = nested.fields_by_name["value"]
            if value_field.message_type is None:
                slot[key] = _scalar(value_field, values)
            else:
                slot[key].CopyFrom(random_message(value_field.message_type, values, depth + 1))
    elif field.is_repeated:
        for _ in range(values.draw.randrange(REPEATED_MAX + 1)):
            if nested is None:
                slot.append(_scalar(field, values))
            else:
                slot.add().CopyFrom(random_message(nested, values, depth + 1))
    elif nested is not None:
        slot.CopyFrom(random_message(nested, values, depth + 1))
    else:
        setattr(message, field.name, _scalar(field, values))


def _undecodable(draw: random.Random) -> bytes:
    """Field 1 with wire type 7, which does not exist, then noise: no message decodes it."""
    return b"\x0f" + draw.randbytes(draw.randrange(0, 64))


def fuzzed_calls(count: int, seed: int, known: Known) -> Iterator[tuple[Target, bytes]]:
    draw = random.Random(seed)
    values = Values(draw, known)
    targets = _targets()
    for index in range(count):
        target = targets[index % len(targets)]  # every RPC gets its share
        if draw.random() < UNDECODABLE_SHARE:
            yield target, _undecodable(draw)
        else:
            yield target, random_message(target.request, values).SerializeToString()


# -- the hub under fuzz -----------------------------------------------------------------------


FuzzedHub = tuple[bootstrap.Hub, str, str]
"""The hub, its target and its database URL."""


@pytest.fixture
def fuzzed_hub() -> Iterator[FuzzedHub]:
    """A hub serving a cluster of its own (with partners coffee and fuel): hub, target, URL."""
    with PgCluster.temporary() as cluster:
        url = cluster.url()
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        hub = bootstrap.build(settings_for(url))
        add_partner(hub, "coffee")
        add_partner(hub, "fuel")
        running = start_server(hub, "127.0.0.1:0")
        try:
            yield hub, f"127.0.0.1:{running.port}", url
        finally:
            running.stop(grace_s=2)
            hub.close()


def _known_ids(target: str) -> Known:
    """Ids of a member, an earn and a hold that exist, by the fields that name them, so fuzzed
    calls sometimes name them."""
    card = Identifier.card(CARD)
    with HubClient(target, partner_id="coffee") as till:
        member = till.enroll(card)
        earned = till.earn(card, amount_minor=100_000, currency="EUR", order_id="fuzz-order")
        hold = till.authorize(
            card, amount_minor=1_000, currency="EUR", order_id="fuzz-hold", points=100
        )
    return {
        "member_id": (member.member_id,),
        "transaction_id": (earned.transaction_id,),
        "hold_id": (hold.hold_id,),
        "order_id": ("fuzz-order", "fuzz-hold", FRESH),
        "partner_id": ("coffee", "fuel"),
    }


class RowCounts:
    """Rows of the tables a refused call must not touch, read in one statement."""

    def __init__(self, url: str) -> None:
        self._connection = psycopg.connect(url, autocommit=True)
        counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in WRITTEN_TABLES)
        self._query = f"SELECT {counts}"

    def read(self) -> dict[str, int]:
        row = self._connection.execute(self._query).fetchone()
        assert row is not None
        return dict(zip(WRITTEN_TABLES, row, strict=True))

    def close(self) -> None:
        self._connection.close()


PARTNER_CHANGES = {
    f"/{ADMIN_SERVICE.full_name}/SetPartnerStatus",
    f"/{ADMIN_SERVICE.full_name}/SetPartnerRateLimit",
}


def _restore_partners(hub: bootstrap.Hub) -> None:
    """A fuzzed admin call may disable or throttle the partners the fuzz calls as: which
    would leave most partner calls refused at the door, testing nothing past it."""
    for partner in ("coffee", "fuel"):
        hub.operator.set_partner_status(SetPartnerStatus(partner, True, changed_by=OPERATOR))
        hub.operator.set_rate_limit(SetRateLimit(partner, None, changed_by=OPERATOR))


def _answer(channel: grpc.Channel, target: Target, body: bytes) -> grpc.StatusCode:
    call = channel.unary_unary(target.path)  # no serializers: the body goes out as given
    try:
        call(body, metadata=target.metadata, timeout=30)
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


def test_fuzzed_requests_over_every_rpc_get_no_internal_error_and_refusals_write_nothing(
    fuzzed_hub: FuzzedHub,
) -> None:
    hub, target, url = fuzzed_hub
    codes: Counter[str] = Counter()
    bugs: list[str] = []
    writes: list[str] = []
    counts = RowCounts(url)
    with grpc.insecure_channel(target) as channel:
        known = _known_ids(target)
        before = counts.read()
        for call, body in fuzzed_calls(FUZZ_REQUESTS, SEED, known):
            code = _answer(channel, call, body)
            codes[code.name] += 1
            if code == grpc.StatusCode.OK and call.path in PARTNER_CHANGES:
                _restore_partners(hub)
            after = counts.read()
            if code in BUGS:
                bugs.append(f"{code.name} {call.path} {body.hex()[:400]}")
            if code != grpc.StatusCode.OK and after != before:
                changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                writes.append(f"{code.name} {call.path} wrote {changed}: {body.hex()[:400]}")
            before = after
    counts.close()
    print(f"\n{FUZZ_REQUESTS} fuzzed calls (seed {SEED}): {dict(codes.most_common())}")

    assert bugs == [], f"seed {SEED} (HUB_FUZZ_SEED): {len(bugs)} bugs, first {bugs[:5]}"
    assert writes == [], f"seed {SEED} (HUB_FUZZ_SEED): refusals wrote rows: {writes[:5]}"
    assert hub.operator.verify_ledger().violations == ()


# -- NUL characters, field by field -----------------------------------------------------------

NUL_TRIES = 10
"""Random messages per text field, the rest of each filled as above."""


def _text_fields(descriptor: Descriptor, depth: int = 0) -> Iterator[tuple[str, ...]]:
    """Paths to the singular string fields of ``descriptor``, nested ones included."""
    for field in descriptor.fields:
        nested = field.message_type
        if field.is_repeated:
            continue
        if field.type == FieldDescriptor.TYPE_STRING:
            yield (field.name,)
        elif nested is not None and depth < DEPTH_MAX:
            yield from ((field.name, *path) for path in _text_fields(nested, depth + 1))


def _with_text(message: Message, path: tuple[str, ...], text: str) -> Message:
    owner = message
    for name in path[:-1]:
        owner = getattr(owner, name)
    setattr(owner, path[-1], text)
    return message


def test_a_nul_character_in_any_text_field_of_any_rpc_is_bad_input_not_a_bug(
    fuzzed_hub: FuzzedHub,
) -> None:
    """No PostgreSQL text column stores NUL: text carrying one must be refused before a
    statement does, whichever field of whichever call carries it."""
    _, target, _ = fuzzed_hub
    values = Values(random.Random(SEED), _known_ids(target))
    bugs = []
    with grpc.insecure_channel(target) as channel:
        for call in _targets():
            for path in _text_fields(call.request):
                for _ in range(NUL_TRIES):
                    message = _with_text(random_message(call.request, values), path, "a\x00b")
                    code = _answer(channel, call, message.SerializeToString())
                    if code in BUGS:
                        bugs.append(f"{code.name} {call.path} {'.'.join(path)}")

    assert bugs == [], f"seed {SEED} (HUB_FUZZ_SEED): {sorted(set(bugs))}"
