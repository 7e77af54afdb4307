"""The gateway's HTTPS server: the standard library's threading HTTP server, TLS asking for
(not requiring) a client certificate chained to the coalition CA.

Each request: size checked, request id read or made (and echoed in ``x-request-id``), the
partner authenticated, routed, transcoded, called on the hub, answered in JSON. The hub admits
the partner on every call (revocation, disabled partner, rate limit), as for a gRPC call.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import grpc
from google.rpc import code_pb2

from hub.adapters.pki import principal_of
from hub.api.headers import REQUEST_ID_HEADER
from hub.api.interceptors import request_id_of
from hub.domain.errors import HubError, InvalidField, MalformedRequest, Unauthenticated
from hub.domain.principals import Principal
from hub.gateway.errors import Failure, failure_of_error, failure_of_rpc_error, plain_failure
from hub.gateway.link import HubLink, Relayed
from hub.gateway.routes import Route, all_routes, allowed_verbs, find
from hub.gateway.transcode import BadRequest, to_json, to_request
from hub.tls_http import TlsHttpServer

log = logging.getLogger("hub.gateway")

BODY_BYTES_MAX = 256 * 1024
"""A receipt of 200 lines in JSON is well under this; the hub's own gRPC limit is similar."""
DRAIN_BYTES_MAX = 4 * BODY_BYTES_MAX
"""An oversized body up to this is read and dropped so the client reads the refusal; a larger
one is not read at all (the connection closes under it)."""
OPENAPI_PATH = "/openapi.json"
JSON = "application/json"


def tls_context(cert_file: str, key_file: str, client_ca_file: str) -> ssl.SSLContext:
    """Server TLS that asks every client for a certificate chained to the coalition CA; a
    client without one may still call with an API key (then the hub decides)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    context.load_verify_locations(client_ca_file)
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


@dataclass(frozen=True)
class Gateway:
    """What every request needs: the routes, the hub, the OpenAPI document."""

    link: HubLink
    openapi_json: bytes
    routes: tuple[Route, ...] = all_routes()


class GatewayServer(TlsHttpServer):
    def __init__(self, address: tuple[str, int], gateway: Gateway, context: ssl.SSLContext):
        super().__init__(address, _Handler, context, "gateway")
        self.gateway = gateway


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class _Handler(BaseHTTPRequestHandler):
    server: GatewayServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("gateway: %s %s", self.client_address[0], format % args)

    def _serve(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        request_id = request_id_of(headers)
        body = self._body()
        if body is None:
            self.close_connection = True  # an unread body would be taken for a request
            self._drain()
            error = MalformedRequest(f"the body is larger than {BODY_BYTES_MAX} bytes")
            answer = _failed(failure_of_error(error, request_id))
            return self._send(Answer(413, answer.body), request_id)
        split = urllib.parse.urlsplit(self.path)
        answer = _answer(self.server.gateway, self, split, body, headers, request_id)
        self._send(answer, request_id)

    def _body(self) -> bytes | None:
        text = self.headers.get("Content-Length") or "0"
        length = int(text) if text.isdigit() else BODY_BYTES_MAX + 1
        if length > BODY_BYTES_MAX:
            return None
        return self.rfile.read(length) if length else b""

    def _drain(self) -> None:
        text = self.headers.get("Content-Length") or ""
        if text.isdigit() and int(text) <= DRAIN_BYTES_MAX:
            with contextlib.suppress(OSError):
                self.rfile.read(int(text))

    def _send(self, answer: Answer, request_id: str) -> None:
        self.send_response(answer.status)
        for name, value in (
            ("Content-Type", JSON),
            ("Content-Length", str(len(answer.body))),
            ("Cache-Control", "no-store"),
            (REQUEST_ID_HEADER, request_id),
            *answer.headers,
        ):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)


def _answer(
    gateway: Gateway,
    handler: _Handler,
    split: urllib.parse.SplitResult,
    body: bytes,
    headers: dict[str, str],
    request_id: str,
) -> Answer:
    verb, path = handler.command, split.path
    if verb == "GET" and path == OPENAPI_PATH:
        return Answer(200, gateway.openapi_json)
    found = find(gateway.routes, verb, path)
    if found is None:
        return _unrouted(gateway.routes, verb, path, request_id)
    route, variables = found
    try:
        request = to_request(route, variables, split.query, body, headers)
        caller = _caller(handler.connection, headers)
    except BadRequest as bad:
        return _failed(failure_of_error(_bad_input(bad), request_id))
    except HubError as error:
        return _failed(failure_of_error(error, request_id))
    try:
        response = gateway.link.call(route, request, caller, request_id)
    except grpc.RpcError as error:
        return _failed(failure_of_rpc_error(error, request_id))
    return Answer(200, to_json(response))


def _bad_input(bad: BadRequest) -> HubError:
    if bad.field:
        return InvalidField(bad.description, field=bad.field)
    return MalformedRequest(bad.description)


def _caller(connection: Any, headers: dict[str, str]) -> Relayed:
    """The partner's API key when the request carries one, else the partner its client
    certificate names (the TLS layer verified its chain)."""
    scheme, _, key = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key.strip():
        return Relayed.api_key(key.strip())
    if scheme:
        raise Unauthenticated("the Authorization header is `Bearer <API key>`")
    der = connection.getpeercert(binary_form=True) if hasattr(connection, "getpeercert") else None
    if not der:
        raise Unauthenticated("present a partner certificate or an API key (Authorization: Bearer)")
    return Relayed.partner(_partner(der))


def _partner(der: bytes) -> Principal:
    principal = principal_of(ssl.DER_cert_to_PEM_cert(der).encode())
    if not principal.is_partner:
        raise Unauthenticated("only partners call the partner API")
    return principal


def _unrouted(routes: tuple[Route, ...], verb: str, path: str, request_id: str) -> Answer:
    verbs = allowed_verbs(routes, path)
    if verbs:
        message = f"{path} answers {', '.join(verbs)}, not {verb}"
        answer = _failed(plain_failure(code_pb2.UNIMPLEMENTED, message, request_id))
        return Answer(405, answer.body, (("Allow", ", ".join(verbs)),))
    return _failed(plain_failure(code_pb2.NOT_FOUND, f"no route {verb} {path}", request_id))


def _failed(failure: Failure) -> Answer:
    extra = () if failure.retry_after_s is None else (("Retry-After", str(failure.retry_after_s)),)
    return Answer(failure.http_status, failure.body, extra)


@dataclass
class RunningGateway:
    server: GatewayServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        self.server.gateway.link.close()
