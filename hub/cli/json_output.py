"""``--json``: what a listing prints for scripts instead of its table.

One JSON document on standard output and nothing else: an array of objects for a listing, an
object for a single record. Keys are snake_case (the gRPC field names where the hub answered
over gRPC), ids are whole, times are ISO 8601 UTC (``2026-12-04T22:30:58Z``), points and
other counts are integers, decimal figures (rates, money) are strings so no float rounds them,
and what is missing is ``null``. Money is ``{"amount": "12.50", "currency": "EUR"}``.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import enum
import json
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TextIO

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import common_pb2
from hub.domain.currencies import currency
from hub.domain.money import Money

JSON_FLAG = "--json"
JSON_HELP = (
    "print one JSON document instead of the table: full ids, ISO 8601 UTC times, integer "
    "points, decimal figures as strings"
)
_UNSPECIFIED = "UNSPECIFIED"


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """``--json`` on a listing (``hub --json ...`` before the command works too)."""
    parser.add_argument(JSON_FLAG, action="store_true", help=JSON_HELP)


def print_json(document: object, out: TextIO | None = None) -> None:
    """``document`` as JSON (see ``plain``), indented, on ``out`` (the standard output)."""
    text = json.dumps(plain(document), indent=2, ensure_ascii=False)
    print(text, file=out or sys.stdout)


def plain(value: object) -> object:
    """``value`` as JSON's types: messages and dataclasses as objects, datetimes ISO 8601 UTC,
    dates ``YYYY-MM-DD``, decimals and UUIDs as strings, enums by value, bytes base64."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Message):
        return message_record(value)
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, Money):
        return {"amount": str(value.major), "currency": value.currency.code}
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    raise TypeError(f"no JSON form for {type(value).__name__}")


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``; a naive datetime is taken as UTC (as the hub stores it)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.isoformat().replace("+00:00", "Z")


def message_record(message: Message) -> dict[str, object]:
    """A protobuf message as an object keyed by its field names, with typed values: unlike
    protobuf's own JSON mapping, 64-bit integers stay numbers, unset fields are ``null`` rather
    than left out, and enums read as their short lower-case name (``pending``). A oneof adds
    its name with the member that is set (``"entry": "flag"``)."""
    record: dict[str, object] = {}
    for field in message.DESCRIPTOR.fields:
        record[field.name] = _field(message, field)
    for oneof in message.DESCRIPTOR.oneofs:
        if not _is_synthetic(oneof):
            record.setdefault(oneof.name, message.WhichOneof(oneof.name))
    return record


def _is_synthetic(oneof: Any) -> bool:
    """A proto3 ``optional`` field's oneof, which names nothing a reader chose."""
    fields = oneof.fields
    return len(fields) == 1 and fields[0].has_presence and str(oneof.name).startswith("_")


def _field(message: Message, field: Any) -> object:
    value = getattr(message, field.name)
    if _is_map(field):
        value_field = field.message_type.fields_by_name["value"]
        return {str(key): _single(item, value_field) for key, item in value.items()}
    if field.is_repeated:
        return [_single(item, field) for item in value]
    if field.has_presence and not message.HasField(field.name):
        return None
    return _single(value, field)


def _is_map(field: Any) -> bool:
    return bool(
        field.type == FieldDescriptor.TYPE_MESSAGE
        and field.is_repeated
        and field.message_type.GetOptions().map_entry
    )


def _single(value: object, field: Any) -> object:
    if isinstance(value, Timestamp):
        return utc_text(value.ToDatetime(tzinfo=UTC))
    if isinstance(value, common_pb2.Money):
        return _money(value)
    if isinstance(value, Message):
        return message_record(value)
    if field.type == FieldDescriptor.TYPE_ENUM and isinstance(value, int):
        return enum_name(field.enum_type, value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii") if value else None
    if value == "":
        return None  # proto3 cannot tell an empty string from one never set
    return value


def _money(message: common_pb2.Money) -> dict[str, str] | None:
    if not message.currency:
        return None
    amount = Money(message.amount_minor, currency(message.currency))
    return {"amount": str(amount.major), "currency": message.currency}


def enum_name(enum_type: Any, number: int) -> str | None:
    """``GOODWILL_STATUS_PENDING`` as ``pending``; ``None`` for the unspecified value."""
    found = enum_type.values_by_number.get(number)
    if found is None:
        return str(number)
    name = found.name
    prefix = "".join(f"_{c}" if c.isupper() else c.upper() for c in enum_type.name).lstrip("_")
    short = name[len(prefix) + 1 :] if name.startswith(f"{prefix}_") else name
    return None if short == _UNSPECIFIED else short.lower()
