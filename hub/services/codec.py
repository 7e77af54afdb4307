"""JSON for result dataclasses: stored with idempotency keys, read back on replay.

Handles what results are made of: dataclasses, ``int``, ``str``, ``bool``, ``None``, enums,
``Decimal``, ``UUID``, timezone-aware ``datetime``, tuples and optionals. Decimals travel as
strings, so nothing passes through ``float``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")


_SCALARS = frozenset({str, int, bool, float, type(None)})


def to_plain(value: Any) -> Any:
    """``value`` as JSON-ready lists, dicts, strings, numbers, booleans and ``None``."""
    kind: Any = type(value)
    if kind in _SCALARS:  # most of a result: checked first, as every call encodes one
        return value
    if (names := _field_names(kind)) is not None:
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, date):  # and datetime, its subclass
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    return value


@functools.cache
def _field_names(kind: Any) -> tuple[str, ...] | None:
    """A dataclass's field names, in order; ``None`` for any other type."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(field.name for field in dataclasses.fields(kind))


def encode(value: Any) -> str:
    return json.dumps(to_plain(value), sort_keys=True, separators=(",", ":"))


def decode(text: str, cls: type[T]) -> T:
    return typing.cast(T, _from_plain(json.loads(text), cls))


def _from_plain(data: Any, annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _from_union(data, typing.get_args(annotation))
    if origin is tuple:
        item_type = typing.get_args(annotation)[0]
        return tuple(_from_plain(item, item_type) for item in data)
    if origin is dict:
        key_type, value_type = typing.get_args(annotation)
        return {_from_plain(k, key_type): _from_plain(v, value_type) for k, v in data.items()}
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        hints = typing.get_type_hints(annotation)
        # A field missing from the JSON was added after the value was stored: its default
        # stands in, so responses stored by an older hub still replay.
        return annotation(
            **{
                f.name: _from_plain(data[f.name], hints[f.name])
                for f in dataclasses.fields(annotation)
                if f.name in data
            }
        )
    if annotation is datetime:
        return datetime.fromisoformat(data)
    if isinstance(annotation, type) and issubclass(annotation, Enum | Decimal | uuid.UUID):
        return annotation(data)
    return data


def _from_union(data: Any, options: tuple[Any, ...]) -> Any:
    if data is None:
        return None
    concrete = [option for option in options if option is not type(None)]
    if len(concrete) != 1:
        raise TypeError(f"cannot decode a union of {concrete}")
    return _from_plain(data, concrete[0])
