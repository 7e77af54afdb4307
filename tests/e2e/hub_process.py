"""``hub serve`` as a real process on a free port, for tests that signal, stop or starve it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.conftest import KEYS_ENV

EXIT_TIMEOUT_S = 60.0
WAIT_S = 30.0
"""A generous bound for what should take a second or so."""


@dataclass
class HubProcess:
    process: subprocess.Popen[str]
    target: str
    stderr: IO[str]

    def logs(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def terminate(self) -> int:
        """SIGTERM, then the exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            # faulthandler (PYTHONFAULTHANDLER) prints every thread's stack on SIGABRT.
            self.process.send_signal(signal.SIGABRT)
            self.process.wait(timeout=EXIT_TIMEOUT_S)
            raise AssertionError(f"hub serve ignored SIGTERM: {self.logs()[-6000:]}") from None


@contextmanager
def hub_serve(database_url: str, *, verbose: bool = False, **env: str) -> Iterator[HubProcess]:
    """``hub serve --insecure`` on 127.0.0.1 and a free port; killed on exit if still running.
    ``verbose`` logs at DEBUG (every refusal's reason, say)."""
    environment = os.environ | KEYS_ENV | {"HUB_FRAUD_CHECKS": "off", "PYTHONFAULTHANDLER": "1"}
    environment |= env
    command = [sys.executable, "-m", "hub", *(["-v"] if verbose else [])]
    command += ["serve", "--db", database_url, "--insecure"]
    # A file, not a pipe: a hub logging an outage must never block on a full pipe.
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            [*command, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=environment,
        )
        try:
            line = process.stdout.readline() if process.stdout else ""
            if not line.startswith("hub listening on "):
                process.wait(timeout=EXIT_TIMEOUT_S)
                stderr.seek(0)
                raise AssertionError(f"hub serve did not start: {stderr.read()}")
            yield HubProcess(process, line.split(" on ")[1].strip(), stderr)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=EXIT_TIMEOUT_S)
            if process.stdout:
                process.stdout.close()


def health_status(channel: grpc.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service=service)
    return int(stub.Check(request, timeout=5).status)


def until(condition: Callable[[], object], *, timeout_s: float = WAIT_S) -> None:
    """Poll ``condition`` until it holds; fail after a generous ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
