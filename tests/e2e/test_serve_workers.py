"""``hub serve --workers N``: N real server processes on one port, on PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from partner_sdk import HubClient, Identifier
from tests.conftest import KEYS_ENV
from tests.e2e.test_cli import seed_partner

pytestmark = pytest.mark.slow
CLIENTS = 16
"""Connections the kernel spreads over 2 workers: all on one has odds 2 in 65,536."""
ESTABLISHED = "01"


def _serve(url: str, *flags: str) -> subprocess.Popen[str]:
    env = os.environ | KEYS_ENV | {"HUB_FRAUD_CHECKS": "off"}
    command = [sys.executable, "-m", "hub", "serve", "--db", url, "--insecure", *flags]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _workers(parent: int) -> list[int]:
    """The parent's spawned workers (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def _connections_served(pid: int, port: int) -> int:
    """Established TCP connections on ``port`` whose socket the process ``pid`` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    served = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == ESTABLISHED and fields[9] in inodes:
                served += 1
    return served


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_two_workers_serve_one_port_each_with_its_own_hub_and_drain_on_sigterm(pg_url):
    seed_partner(pg_url, "coffee", name="Coffee Co")
    server = _serve(pg_url, "--listen", "127.0.0.1:0", "--workers", "2")
    try:
        target = server.stdout.readline().split(" on ")[1].strip()
        port = int(target.rsplit(":", 1)[1])
        # Without a local subchannel pool, clients in one process share one connection.
        tills = [
            HubClient(
                target,
                partner_id="coffee",
                channel_options=(("grpc.use_local_subchannel_pool", 1),),
            )
            for _ in range(CLIENTS)
        ]
        for number, till in enumerate(tills):
            card = Identifier.card(f"40001234{number:08d}")
            till.enroll(card)
            earned = till.earn(card, amount_minor=1_000, currency="EUR", order_id=f"o-{number}")
            assert earned.points == 10
        workers = _workers(server.pid)
        served = {pid: _connections_served(pid, port) for pid in workers}
        for till in tills:
            till.close()
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    assert len(workers) == 2
    assert all(count > 0 for count in served.values()), served
    assert sum(served.values()) == CLIENTS
    assert code == 0, server.stderr.read()


def test_serve_exits_non_zero_when_a_worker_cannot_start(sqlite_url):
    port = _free_port()
    # A listener without SO_REUSEPORT: no worker can bind the port beside it.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        server = _serve(sqlite_url, "--listen", f"127.0.0.1:{port}", "--workers", "2")
        code = server.wait(timeout=60)
    assert code == 1
    assert server.stdout.read() == ""
    assert "Traceback" not in server.stderr.read()


def test_serve_stops_every_worker_and_exits_non_zero_when_one_dies(sqlite_url):
    server = _serve(sqlite_url, "--listen", "127.0.0.1:0", "--workers", "2")
    try:
        assert server.stdout.readline().startswith("hub listening on 127.0.0.1:")
        first, second = _workers(server.pid)
        os.kill(first, signal.SIGKILL)
        code = server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    assert code == 1
    assert not Path(f"/proc/{second}").exists() or _is_zombie(second)


def _is_zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("HUB_WORKERS", "0", "HUB_WORKERS must be between 1 and 64, not 0"),
        ("HUB_WORKERS", "two", "HUB_WORKERS must be an integer"),
        ("HUB_THREADS", "-1", "HUB_THREADS must be between 1 and 256, not -1"),
    ],
)
def test_serve_refuses_a_bad_process_count_in_one_line(sqlite_url, setting, value, message):
    env = os.environ | KEYS_ENV | {setting: value}
    result = subprocess.run(
        [sys.executable, "-m", "hub", "serve", "--db", sqlite_url, "--insecure"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"hub: configuration: {message}"
