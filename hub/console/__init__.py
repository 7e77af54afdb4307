"""The staff console: a small HTTPS web server beside the hub's gRPC edge.

Staff sign in with their client certificate (or, where a deployment trusts one explicitly, an
SSO proxy's header); every page calls the hub's services as that person, relayed under the
console's own certificate, so the hub's policy table decides what each role may see and do.
The console holds no database URL and no master key.

    running = start_console(ConsoleSettings.from_env(), link=None)
    ...
    running.stop()
"""

from __future__ import annotations

import threading

from hub.console.app import Console
from hub.console.identity import HeaderTrust
from hub.console.link import HubLink
from hub.console.pages import ROUTES
from hub.console.server import ConsoleServer, RunningConsole, tls_context
from hub.console.settings import ConsoleSettings

__all__ = ["ConsoleSettings", "HubLink", "RunningConsole", "start_console"]


def start_console(settings: ConsoleSettings, *, link: HubLink | None = None) -> RunningConsole:
    """Serve the console on ``settings.listen`` (port 0 picks a free one) and return at once."""
    host, _, port = settings.listen.rpartition(":")
    trust = HeaderTrust(settings.trusted_header, frozenset(settings.trusted_proxies))
    console = Console(link or HubLink.open(settings), ROUTES)
    server = ConsoleServer((host.strip("[]"), int(port)), console, tls_context(settings), trust)
    thread = threading.Thread(target=server.serve_forever, name="hub-console", daemon=True)
    thread.start()
    return RunningConsole(server, thread)
