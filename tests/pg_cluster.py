"""A PostgreSQL cluster of a test's own, for tests that stop, kill or restart the database.

Never the shared server: ``initdb`` in a temporary directory, ``pg_ctl`` on a free port (and a
Unix socket in that directory), run as the ``postgres`` user when the tests run as root, and
the directory deleted afterwards. Fsync is off: these clusters hold nothing worth keeping.

    with PgCluster.temporary() as cluster:
        url = cluster.url()            # postgresql://postgres@127.0.0.1:<port>/postgres
        cluster.stop()                 # the hub's database is gone
        cluster.start()                # and back, same port, same data
        with cluster.frozen(): ...     # reachable over TCP, answering nothing

Without the binaries the test is skipped, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("HUB_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"
"""PostgreSQL refuses to run as root; as root, the cluster runs as this user."""
COMMAND_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_binaries() -> None:
    """Skip the test (fail under ``CI=true``) when PostgreSQL's server binaries are missing."""
    if (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists():
        return
    reason = f"PostgreSQL server binaries not found in {PG_BIN} (HUB_TEST_PG_BIN)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the fault tests must run", pytrace=False)
    pytest.skip(reason)


class PgCluster:
    """One initialised cluster in ``root``, served on ``port`` while started."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.data = root / "data"
        self.log = root / "postgres.log"

    @classmethod
    @contextmanager
    def temporary(cls, *, settings: Sequence[str] = ()) -> Iterator[PgCluster]:
        """A fresh cluster, started (``settings``: extra ``-c name=value``); stopped and
        deleted on exit whatever state the test left it in."""
        require_binaries()
        root = Path(tempfile.mkdtemp(prefix="hub-pg-"))
        cluster = cls(root, free_port())
        try:
            _give_to_postgres(root)
            cluster.initdb()
            cluster.start(settings=settings)
            yield cluster
        finally:
            cluster.stop(mode="immediate", check=False)
            shutil.rmtree(root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def initdb(self) -> None:
        _run_as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"],
            "--no-sync",
            "-E",
            "UTF8",
        )

    def start(self, *, settings: Sequence[str] = ()) -> None:
        """Start and wait until it accepts connections."""
        options = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.root}",
            "-c fsync=off",
            "-c full_page_writes=off",
            *(f"-c {setting}" for setting in settings),
        ]
        _run_as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w"],
            "-o",
            " ".join(options),
            "start",
        )

    def stop(self, *, mode: str = "fast", check: bool = True) -> None:
        """``fast`` ends sessions and shuts down cleanly; ``immediate`` is a crash (recovery
        on the next start)."""
        _run_as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w"],
            "stop",
            check=check,
        )

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Every process of the running cluster stopped (SIGSTOP) and then resumed: meanwhile
        the kernel still accepts TCP connections, and nothing answers on them."""
        pids = self._pids()
        _signal_all(pids, signal.SIGSTOP)
        try:
            yield
        finally:
            _signal_all(pids, signal.SIGCONT)

    def _pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        return [postmaster, *map(int, children)]

    def psql(self, sql: str, database: str = "postgres") -> str:
        command = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        return _run_as_postgres(command, "-d", database, "-Atc", sql)


def _signal_all(pids: list[int], signum: signal.Signals) -> None:
    for pid in pids:
        # A backend may end between the listing and the signal (a client that disconnected).
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _is_root() -> bool:
    return os.geteuid() == 0


def _give_to_postgres(root: Path) -> None:
    if _is_root():
        user = pwd.getpwnam(OS_USER)
        os.chown(root, user.pw_uid, user.pw_gid)


def _run_as_postgres(command: Sequence[str], *args: str, check: bool = True) -> str:
    full = [*command, *args]
    if _is_root():
        full = ["runuser", "-u", OS_USER, "--", *full]
    done = subprocess.run(
        full, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, cwd="/", check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(full)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout
