"""The console's pages behind one entry point: route a request, check its CSRF proof, call
the page as the signed-in person, and turn every refusal into a page a person can read.

A refusal from the hub (PERMISSION_DENIED for a role that may not, FAILED_PRECONDITION with
SAME_OFFICER for four eyes) is a page naming what happened and why, never a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import jinja2
from google.protobuf.message import Message

from hub.console import csrf, formats
from hub.console.http import Refusal, Request, Response
from hub.console.link import HubError, HubLink
from hub.domain.principals import Role

log = logging.getLogger("hub.console")

Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = re.fullmatch(self.pattern, path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[Role]


NAV = (
    NavItem("Night board", "/night", frozenset({Role.OFFICER})),
    NavItem("Fraud queue", "/fraud", frozenset({Role.ANALYST})),
    NavItem("Members", "/members", frozenset({Role.ANALYST})),
    NavItem("Rule tuning", "/tuning", frozenset({Role.OPERATOR})),
)
"""What each role may use; the hub's policy table decides again on every call."""

_STATUS_OF_CODE = {
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 503,
}
_TITLES = {
    "ROLE_NOT_ALLOWED": "Not for your role",
    "SAME_OFFICER": "Four eyes",
    "CREDENTIAL_REVOKED": "Certificate revoked",
}
_EXPLANATIONS = {
    "ROLE_NOT_ALLOWED": "Your role may not use this page or action; the hub refused it.",
    "SAME_OFFICER": (
        "Four eyes: the officer who ran this day cannot approve it. Another officer must."
    ),
    "EXCEPTIONS_OPEN": "Every reconciliation exception must be accepted before approval.",
    "CREDENTIAL_REVOKED": "The certificate you signed in with has been revoked.",
    "UNIMPLEMENTED": "This hub does not offer that service yet; it may need upgrading.",
}


class Desk:
    """What a page works with: its request, the hub called as the person, the templates."""

    def __init__(self, console: Console, request: Request) -> None:
        self.request = request
        self.person = request.person
        self._console = console

    @property
    def link(self) -> HubLink:
        return self._console.link

    def call(self, method: Any, message: Message) -> Any:
        return self._console.link.call(self.person, method, message)

    def render(self, template: str, *, status: int = 200, **values: Any) -> Response:
        return self._console.render(template, self.request, status=status, **values)


class Console:
    """Routes requests to pages; one per console process."""

    def __init__(
        self, link: HubLink, routes: Sequence[Route], tokens: csrf.Tokens | None = None
    ) -> None:
        self.link = link
        self.routes = tuple(routes)
        self.tokens = tokens or csrf.Tokens()
        self._templates = jinja2.Environment(
            loader=jinja2.PackageLoader("hub.console", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self._templates.filters.update(formats.FILTERS)

    def handle(self, request: Request, session: str, origin: str) -> Response:
        """The response to ``request``; never raises for anything a person can do."""
        try:
            if request.method == "POST":
                self._require_own_form(request, session, origin)
            return self._dispatch(request)
        except Refusal as refusal:
            return self._refusal_page(request, refusal.status, refusal.message, "", "")
        except HubError as error:
            status = _STATUS_OF_CODE.get(error.code, 502)
            return self._refusal_page(request, status, error.message, error.reason, error.code.name)
        except Exception:
            log.exception("console page %s %s failed", request.method, request.path)
            return self._refusal_page(request, 500, "The console failed; this is a bug.", "", "")

    def render(
        self, template: str, request: Request, *, status: int = 200, **values: Any
    ) -> Response:
        page = self._templates.get_template(template).render(
            person=request.person,
            nav=[item for item in NAV if request.person.role in item.roles],
            path=request.path,
            csrf_field=csrf.FIELD_NAME,
            csrf_token=request.csrf_token,
            notice=request.arg("notice"),
            **values,
        )
        return Response(status, page.encode())

    def _dispatch(self, request: Request) -> Response:
        for route in self.routes:
            params = route.match(request.method, request.path)
            if params is not None:
                return route.handler(Desk(self, request), **params)
        raise Refusal(404, f"There is no page {request.path}.")

    def _require_own_form(self, request: Request, session: str, origin: str) -> None:
        given = request.field(csrf.FIELD_NAME)
        if not csrf.same_origin(request.headers, origin) or not self.tokens.accepts(
            session, request.person.uri, given
        ):
            raise Refusal(403, "This form did not come from the console's own pages; refused.")

    def _refusal_page(
        self, request: Request, status: int, message: str, reason: str, code: str
    ) -> Response:
        return self.render(
            "refused.html",
            request,
            status=status,
            message=message,
            reason=reason,
            code=code,
            title=_TITLES.get(reason, "Refused"),
            explanation=_EXPLANATIONS.get(reason or code, ""),
        )
