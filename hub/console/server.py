"""The console's HTTPS server: the standard library's threading HTTP server behind mutual TLS.

Each connection's TLS handshake runs on that connection's own thread, so a slow or silent
client holds up no one else. Without a staff certificate (and with no trusted SSO proxy
configured) the handshake itself fails: a signed-out browser gets nothing at all.
"""

from __future__ import annotations

import logging
import ssl
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from hub.console import csrf
from hub.console.app import Console
from hub.console.http import Request, Response
from hub.console.identity import HeaderTrust, NotSignedIn, sign_in
from hub.console.settings import ConsoleSettings
from hub.domain.principals import Principal
from hub.tls_http import TlsHttpServer

log = logging.getLogger("hub.console")

FORM_BODY_BYTES_MAX = 64 * 1024
"""A bulk form of a few hundred ids fits many times over."""


def tls_context(settings: ConsoleSettings) -> ssl.SSLContext:
    """Server TLS that asks every browser for a certificate chained to the coalition CA;
    required unless an SSO proxy is trusted (it connects without one)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.server_cert_file, settings.server_key_file)
    context.load_verify_locations(settings.client_ca_file)
    context.verify_mode = ssl.CERT_OPTIONAL if settings.trusted_header else ssl.CERT_REQUIRED
    return context


class ConsoleServer(TlsHttpServer):
    def __init__(
        self,
        address: tuple[str, int],
        console: Console,
        context: ssl.SSLContext,
        trust: HeaderTrust,
    ) -> None:
        super().__init__(address, _Handler, context, "console")
        self.console = console
        self.trust = trust


class _Handler(BaseHTTPRequestHandler):
    server: ConsoleServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("console: %s %s", self.client_address[0], format % args)

    def _serve(self) -> None:
        form = self._form()
        if form is None:
            self.close_connection = True  # the unread body would be taken for a request
            return self._send(Response(413, b"form too large", "text/plain"))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            person = sign_in(
                self.connection.getpeercert(binary_form=True),
                headers,
                self.client_address[0],
                self.server.trust,
            )
        except NotSignedIn as why:
            return self._send(Response(401, f"not signed in: {why}".encode(), "text/plain"))
        session = csrf.cookie_session(headers.get("cookie"))
        fresh = "" if session else csrf.Tokens.new_session()
        request = self._request(form, headers, person, session or fresh)
        response = self.server.console.handle(request, session, self._origin())
        self._send(response, (("Set-Cookie", csrf.session_cookie(fresh)),) if fresh else ())

    def _request(
        self,
        form: dict[str, list[str]],
        headers: dict[str, str],
        person: Principal,
        session: str,
    ) -> Request:
        split = urllib.parse.urlsplit(self.path)
        return Request(
            method=self.command,
            path=split.path,
            query=urllib.parse.parse_qs(split.query),
            form=form,
            headers=headers,
            person=person,
            csrf_token=self.server.console.tokens.token(session, person.uri),
        )

    def _origin(self) -> str:
        return f"https://{self.headers.get('Host', '')}"

    def _form(self) -> dict[str, list[str]] | None:
        text = self.headers.get("Content-Length") or "0"
        length = int(text) if text.isdigit() else FORM_BODY_BYTES_MAX + 1
        if length > FORM_BODY_BYTES_MAX:
            return None
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        return urllib.parse.parse_qs(body, keep_blank_values=True)

    def _send(self, response: Response, extra: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(response.status)
        headers = (
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            ("Cache-Control", "no-store"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
            ("Referrer-Policy", "same-origin"),
            *response.headers,
            *extra,
        )
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)


@dataclass
class RunningConsole:
    server: ConsoleServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        self.server.console.link.close()
