"""The OpenAPI 3.1 document of the gateway, made from the same descriptors and routes it
serves, so the document and the server cannot disagree; ``hub gateway openapi`` writes it
and ``docs/openapi.json`` is checked in (a test fails when it is stale).

Schemas follow the proto3 JSON mapping the gateway speaks: lowerCamelCase names, 64-bit
integers as strings, enums by name, Timestamps as RFC 3339 strings, bytes as base64.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from hub.gateway.routes import Route, all_routes
from hub.gateway.transcode import IDEMPOTENCY_FIELD

TITLE = "Coalition hub partner API (REST/JSON)"
VERSION = "1"
_STATUS_SCHEMA = "google.rpc.Status"
_F = FieldDescriptor
_SCALARS: dict[int, dict[str, Any]] = {
    _F.TYPE_STRING: {"type": "string"},
    _F.TYPE_BOOL: {"type": "boolean"},
    _F.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
    _F.TYPE_INT32: {"type": "integer", "format": "int32"},
    _F.TYPE_SINT32: {"type": "integer", "format": "int32"},
    _F.TYPE_UINT32: {"type": "integer", "format": "int32"},
    _F.TYPE_INT64: {"type": "string", "format": "int64"},
    _F.TYPE_SINT64: {"type": "string", "format": "int64"},
    _F.TYPE_UINT64: {"type": "string", "format": "int64"},
    _F.TYPE_DOUBLE: {"type": "number"},
    _F.TYPE_FLOAT: {"type": "number"},
}
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?\d+(\.\d+)?s$"},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}},
}


def document(routes: Sequence[Route] = all_routes()) -> dict[str, Any]:
    """The OpenAPI document of ``routes``."""
    schemas: dict[str, Any] = {_STATUS_SCHEMA: _status_schema()}
    paths: dict[str, Any] = {}
    for route in routes:
        operation = _operation(route, schemas)
        paths.setdefault(route.template, {})[route.verb.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION},
        "security": [{"clientCertificate": []}, {"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "clientCertificate": {"type": "mutualTLS"},
                "apiKey": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def rendered(routes: Sequence[Route] = all_routes()) -> bytes:
    """The document as checked in: sorted keys, two-space indents, a final newline."""
    return (json.dumps(document(routes), indent=2, sort_keys=True) + "\n").encode()


def _operation(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    request = route.method.input_type
    operation: dict[str, Any] = {
        "operationId": f"{route.method.containing_service.name}_{route.method.name}",
        "tags": [route.method.containing_service.name],
        "parameters": _parameters(route, schemas),
        "responses": {
            "200": _json_content("OK", _ref(route.method.output_type, schemas)),
            "default": _json_content("A google.rpc.Status", {"$ref": _path(_STATUS_SCHEMA)}),
        },
    }
    if route.body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(request, schemas)}},
        }
    return operation


def _parameters(route: Route, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    request = route.method.input_type
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in route.variables
    ]
    if IDEMPOTENCY_FIELD in request.fields_by_name:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Sets idempotency_key: the same key and body answer the same.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 128},
            }
        )
    if not route.body:
        parameters.extend(_query(request, route.variables, "", schemas))
    return parameters


def _query(
    message: Descriptor, bound: Sequence[str], prefix: str, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for field in message.fields:
        name = f"{prefix}{field.name}"
        if name in bound:
            continue
        if field.message_type is not None and field.message_type.full_name not in _WELL_KNOWN:
            found.extend(_query(field.message_type, bound, f"{name}.", schemas))
        else:
            found.append({"name": name, "in": "query", "schema": _field(field, schemas)})
    return found


def _json_content(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path(name: str) -> str:
    return f"#/components/schemas/{name}"


def _ref(message: Descriptor, schemas: dict[str, Any]) -> dict[str, Any]:
    if message.full_name in _WELL_KNOWN:
        return dict(_WELL_KNOWN[message.full_name])
    if message.full_name not in schemas:
        schemas[message.full_name] = {}  # placed first: messages may refer to themselves
        schemas[message.full_name] = _message(message, schemas)
    return {"$ref": _path(message.full_name)}


def _message(message: Descriptor, schemas: dict[str, Any]) -> dict[str, Any]:
    properties = {field.json_name: _field(field, schemas) for field in message.fields}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _field(field: FieldDescriptor, schemas: dict[str, Any]) -> dict[str, Any]:
    if field.message_type is not None:
        one = _ref(field.message_type, schemas)
    elif field.enum_type is not None:
        one = _enum(field.enum_type)
    else:
        one = dict(_SCALARS[field.type])
    if field.is_repeated:
        return {"type": "array", "items": one}
    return one


def _enum(enum: EnumDescriptor) -> dict[str, Any]:
    return {"type": "string", "enum": [value.name for value in enum.values]}


def _status_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "google.rpc.Status: details hold ErrorInfo (reason), BadRequest, "
        "RequestInfo and RetryInfo, each with its @type.",
        "properties": {
            "code": {"type": "integer", "format": "int32"},
            "message": {"type": "string"},
            "details": {"type": "array", "items": dict(_WELL_KNOWN["google.protobuf.Any"])},
        },
    }
