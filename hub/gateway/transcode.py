"""HTTP request to protobuf request and protobuf response to JSON, for any route: path
variables, then the JSON body (proto3 JSON mapping, unknown fields refused) or the query
string, then the ``Idempotency-Key`` header into the request's ``idempotency_key``.

Whatever cannot be read is a ``BadRequest`` naming the field, raised before any call to the
hub: bad input costs the hub nothing and writes nothing.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from hub.gateway.routes import Route

IDEMPOTENCY_FIELD = "idempotency_key"
IDEMPOTENCY_HEADER = "idempotency-key"
"""Lower case: the server hands headers over in lower case."""
_JSON_DEPTH_MAX = 32


@dataclass(frozen=True)
class BadRequest(Exception):
    """The HTTP request cannot become the RPC's request; ``field`` names what is wrong."""

    field: str
    description: str

    def __str__(self) -> str:
        return f"{self.field}: {self.description}" if self.field else self.description


def request_class(route: Route) -> type[Message]:
    return message_factory.GetMessageClass(route.method.input_type)


def response_class(route: Route) -> type[Message]:
    return message_factory.GetMessageClass(route.method.output_type)


def to_request(
    route: Route,
    variables: Mapping[str, str],
    query: str,
    body: bytes,
    headers: Mapping[str, str],
) -> Message:
    """The RPC request the HTTP request stands for, or ``BadRequest``."""
    request = request_class(route)()
    if route.body:
        _merge_body(request, route.body, body)
    elif body.strip():
        raise BadRequest("", f"{route.verb} {route.template} takes no body")
    else:
        _merge_query(request, query)
    for path, text in variables.items():
        _set_path(request, path, urllib.parse.unquote(text))
    _set_idempotency_key(request, headers.get(IDEMPOTENCY_HEADER))
    return request


def to_json(response: Message) -> bytes:
    """``response`` in the proto3 JSON mapping (lowerCamelCase names, enums by name)."""
    return json.dumps(json_format.MessageToDict(response), ensure_ascii=False).encode()


def _merge_body(request: Message, body_field: str, body: bytes) -> None:
    document = _json(body)
    if body_field != "*":
        document = {body_field: document}
    _parse(document, request)


def _json(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest("", f"the body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise BadRequest("", "the body is a JSON object")
    if _depth(document) > _JSON_DEPTH_MAX:
        raise BadRequest("", f"the body nests deeper than {_JSON_DEPTH_MAX} levels")
    return document


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def _parse(document: Any, request: Message) -> None:
    try:
        json_format.ParseDict(document, request, ignore_unknown_fields=False)
    except json_format.ParseError as error:
        raise BadRequest(_field_named(str(error)), str(error)) from None


def _field_named(message: str) -> str:
    """The field json_format's message names: ``... at "EarnRequest.purchase.amountMinor"``,
    or ``... has no field named "x" at "EarnRequest.purchase"``."""
    _, _, where = message.partition(' at "')
    path = where.split('"', 1)[0].partition(".")[2]
    _, unknown, rest = message.partition('has no field named "')
    if unknown:
        name = rest.split('"', 1)[0]
        return f"{path}.{name}" if path else name
    return path


def _merge_query(request: Message, query: str) -> None:
    document: dict[str, Any] = {}
    try:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise BadRequest("", "the query string cannot be read") from None
    descriptor = cast(Descriptor, request.DESCRIPTOR)
    for name, value in pairs:
        field = _field_of(descriptor, name.split("."))
        _put(document, name.split("."), field, value)
    _parse(_json_named(descriptor, document), request)


def _field_of(descriptor: Descriptor, path: list[str]) -> FieldDescriptor:
    field: FieldDescriptor | None = None
    for i, name in enumerate(path):
        field = _named(descriptor, name)
        if field is None:
            raise BadRequest(".".join(path[: i + 1]), "no such field")
        if i < len(path) - 1:
            if field.message_type is None:
                raise BadRequest(".".join(path[: i + 1]), "has no fields")
            descriptor = field.message_type
    if field is None or field.message_type is not None:
        raise BadRequest(".".join(path), "a query parameter names a scalar field")
    return field


def _named(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    by_name = descriptor.fields_by_name.get(name)
    if by_name is not None:
        return by_name
    return next((f for f in descriptor.fields if f.json_name == name), None)


def _put(document: dict[str, Any], path: list[str], field: FieldDescriptor, value: str) -> None:
    for name in path[:-1]:
        document = document.setdefault(name, {})
    if field.is_repeated:
        document.setdefault(path[-1], []).append(value)
    elif path[-1] in document:
        raise BadRequest(".".join(path), "given twice")
    else:
        document[path[-1]] = value


def _json_named(descriptor: Descriptor, document: dict[str, Any]) -> dict[str, Any]:
    """Query values are text; json_format reads text for every scalar but bool."""
    converted: dict[str, Any] = {}
    for name, value in document.items():
        field = _named(descriptor, name)
        if field is None:
            raise BadRequest(name, "no such field")
        if isinstance(value, dict) and field.message_type is not None:
            converted[name] = _json_named(field.message_type, value)
        elif field.type == FieldDescriptor.TYPE_BOOL:
            converted[name] = _bool(name, value)
        else:
            converted[name] = value
    return converted


def _bool(name: str, value: Any) -> Any:
    if value in ("true", "false"):
        return value == "true"
    raise BadRequest(name, "is true or false")


def _set_path(request: Message, path: str, text: str) -> None:
    *parents, leaf = path.split(".")
    target = request
    for name in parents:
        target = getattr(target, name)
    field = target.DESCRIPTOR.fields_by_name[leaf]
    if field.type != FieldDescriptor.TYPE_STRING:
        raise BadRequest(path, "a path variable names a string field")
    setattr(target, leaf, text)


def _set_idempotency_key(request: Message, key: str | None) -> None:
    """The header's key into the request; calls that write nothing take none and ignore it,
    so a client may send one on every request."""
    if key is None or IDEMPOTENCY_FIELD not in request.DESCRIPTOR.fields_by_name:
        return
    given = getattr(request, IDEMPOTENCY_FIELD)
    if given and given != key:
        raise BadRequest(IDEMPOTENCY_FIELD, "differs from the Idempotency-Key header")
    setattr(request, IDEMPOTENCY_FIELD, key)
