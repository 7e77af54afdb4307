"""The gateway's routes, read once from the protos' ``google.api.http`` options: no route is
written by hand, so a new annotated RPC is served (and documented) the day it is generated.

A path template such as ``/v1/holds/{hold_id}:capture`` becomes a pattern whose variables name
request fields (``{member.member_id}`` names a nested one); ``body: "*"`` takes the rest of the
request from the JSON body, and a route without a body takes it from the query string.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from google.api import annotations_pb2  # type: ignore[import-untyped]
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from coalition.hub.v1 import partner_pb2, settlement_pb2

GATEWAY_SERVICES: tuple[ServiceDescriptor, ...] = (
    partner_pb2.DESCRIPTOR.services_by_name["PartnerService"],
    settlement_pb2.DESCRIPTOR.services_by_name["PartnerSettlementService"],
)
"""What partners call; staff services stay on gRPC (and the console)."""

_VERBS = ("get", "put", "post", "delete", "patch")
_VARIABLE = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


@dataclass(frozen=True, slots=True)
class Route:
    verb: str
    """Upper case, as HTTP spells it."""
    template: str
    method: MethodDescriptor
    body: str
    """``*`` (the whole request), a field name, or empty (query parameters only)."""
    pattern: re.Pattern[str]
    variables: tuple[str, ...]
    """Field paths the template's variables fill, in order."""

    @property
    def grpc_path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    def match(self, verb: str, path: str) -> dict[str, str] | None:
        """The template's variables in ``path`` (field path to text), or ``None``."""
        if verb != self.verb:
            return None
        found = self.pattern.fullmatch(path)
        return dict(zip(self.variables, found.groups(), strict=True)) if found else None


def route_of(method: MethodDescriptor) -> Route | None:
    """The route ``method``'s ``google.api.http`` option names, else ``None``."""
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return None
    rule = options.Extensions[annotations_pb2.http]
    verb = next(name for name in _VERBS if getattr(rule, name))
    template = getattr(rule, verb)
    return Route(
        verb.upper(), template, method, rule.body, _pattern(template), _variables(template)
    )


def _variables(template: str) -> tuple[str, ...]:
    return tuple(_VARIABLE.findall(template))


def _pattern(template: str) -> re.Pattern[str]:
    parts = _VARIABLE.split(template)
    # split alternates literal text and variable names: literals at even positions
    regex = "".join(re.escape(part) if i % 2 == 0 else "([^/:]+)" for i, part in enumerate(parts))
    return re.compile(regex)


def all_routes(services: Sequence[ServiceDescriptor] = GATEWAY_SERVICES) -> tuple[Route, ...]:
    """Every annotated method of ``services``, in the protos' order."""
    found = (route_of(method) for service in services for method in service.methods)
    return tuple(route for route in found if route is not None)


def find(routes: Sequence[Route], verb: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``verb path`` and its variables; ``None`` when no route does."""
    for route in routes:
        variables = route.match(verb, path)
        if variables is not None:
            return route, variables
    return None


def allowed_verbs(routes: Sequence[Route], path: str) -> list[str]:
    """The verbs some route serves at ``path`` (for 405's ``Allow``)."""
    return sorted({route.verb for route in routes if route.pattern.fullmatch(path)})
