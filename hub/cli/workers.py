"""``hub serve --workers N``: N server processes on one port, supervised by the parent.

One Python process serves on one core whatever its threads, so a machine's cores need
processes. Each worker is a fresh interpreter (spawned, not forked: gRPC's core and the
database pools are not fork-safe) that builds a hub of its own (engine, pools, caches) and
binds the port with ``SO_REUSEPORT``; the kernel spreads new connections between the
workers, which share nothing but the database.

The parent builds no hub and serves nothing: it starts the workers, prints the one
``hub listening on`` line once all of them serve, forwards SIGTERM so each drains its calls,
and exits non-zero if a worker fails to start or dies; a service manager then restarts the
whole, rather than a hub running on fewer cores than it was given.
"""

from __future__ import annotations

import logging
import multiprocessing
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from hub.api.server import ServerTls
from hub.cli import signals
from hub.config import ConfigError, Settings
from hub.domain.errors import HubError

log = logging.getLogger("hub.serve")

WORKER_START_TIMEOUT_S = 120.0
"""How long a worker may take to import, build its hub and bind the port."""
SUPERVISE_POLL_S = 0.2
"""How often the parent looks for a dead worker."""
WORKER_CLOSE_S = 10.0
"""How long a worker may take to close its pools after the drain, beyond the drain's grace."""


@dataclass(frozen=True)
class Worker:
    """What a worker process knows of itself: its index, the address, and the pipe on which it
    tells the parent it serves."""

    index: int
    listen: str
    report: Connection

    def ready(self, port: int) -> None:
        self.report.send(port)
        self.report.close()


Target = Callable[[Settings, ServerTls | None, Worker], None]
"""Serves until SIGTERM, calling ``worker.ready`` once it listens; module-level (it is
pickled by name into the spawned worker)."""


@dataclass(frozen=True)
class _Started:
    process: BaseProcess
    report: Connection


def supervise(settings: Settings, tls: ServerTls | None, target: Target) -> int:
    """Run ``settings.workers`` copies of ``target`` on ``settings.listen`` until SIGTERM."""
    stop = signals.stop_on_signals()
    with _reserved_port(settings.listen) as listen:
        started = [
            _start(index, listen, settings, tls, target) for index in range(settings.workers)
        ]
        if not _all_ready(started, stop):
            code = _stop_all(started, settings.shutdown_grace_s)
            return code if stop.is_set() else 1
    # LocalHub and scripts wait for this exact line to learn the port.
    print(f"hub listening on {listen}", flush=True)
    while not stop.wait(SUPERVISE_POLL_S):
        dead = [item.process for item in started if not item.process.is_alive()]
        if dead:
            log.error("worker %s exited with %s: stopping", dead[0].name, dead[0].exitcode)
            _stop_all(started, settings.shutdown_grace_s)
            return 1
    log.warning("stopping %d workers", len(started))
    return _stop_all(started, settings.shutdown_grace_s)


@contextmanager
def _reserved_port(listen: str) -> Iterator[str]:
    """``listen`` with a port every worker can bind: ``host:0`` would give each worker a
    different one, so a free port is picked here and held (shareable) until they all serve."""
    host, _, port = listen.rpartition(":")
    if port != "0":
        yield listen
        return
    bare_host = host.strip("[]")
    family = socket.getaddrinfo(bare_host, 0, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family, socket.SOCK_STREAM) as reserved:
        reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        reserved.bind((bare_host, 0))
        yield f"{host}:{reserved.getsockname()[1]}"


def _start(
    index: int, listen: str, settings: Settings, tls: ServerTls | None, target: Target
) -> _Started:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_run,
        args=(target, settings, tls, Worker(index, listen, sender), logging.getLogger().level),
        name=f"hub-worker-{index}",
    )
    process.start()
    sender.close()  # else the parent's copy hides a worker's death from ``receiver``
    return _Started(process, receiver)


def _run(
    target: Target, settings: Settings, tls: ServerTls | None, worker: Worker, log_level: int
) -> None:
    """A worker's whole life, in the spawned process."""
    logging.basicConfig(
        level=log_level, format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"
    )
    try:
        target(settings, tls, worker)
    except (ConfigError, HubError, OSError, RuntimeError) as error:
        # grpc reports a port it cannot bind as a RuntimeError: one line, not a traceback.
        print(f"hub: worker {worker.index}: {error}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def _all_ready(started: list[_Started], stop: threading.Event) -> bool:
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    for item in started:
        while not item.report.poll(SUPERVISE_POLL_S):
            if stop.is_set() or time.monotonic() > deadline:
                return False
        try:
            item.report.recv()
        except EOFError:  # the worker died before it served
            item.process.join(WORKER_CLOSE_S)
            log.error(
                "worker %s failed to start (exit %s)", item.process.name, item.process.exitcode
            )
            return False
    return True


def _stop_all(started: list[_Started], grace_s: float) -> int:
    """SIGTERM to every worker, each drains; 0 when all of them exit cleanly."""
    for item in started:
        if item.process.is_alive():
            item.process.terminate()
    code = 0
    for item in started:
        item.process.join(grace_s + WORKER_CLOSE_S)
        if item.process.is_alive():
            log.error("worker %s did not stop: killing it", item.process.name)
            item.process.kill()
            item.process.join()
        if item.process.exitcode != 0:
            code = 1
    return code
