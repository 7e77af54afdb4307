"""Staff at their desks: a real mTLS hub, and ``hub`` commands run as a person with a profile.

    desk = StaffDesk.open(hub, tmp_path)        # a hub serving mTLS on a free port
    ran = desk.run(OLGA, "settle", "run", "--date", "2026-01-10")
    assert ran.code == 0, ran.err

Each person gets a certificate the hub has on record and a profile file, exactly as
``hub certs issue staff`` writes them; the command runs in-process with no database URL and
no key in its environment, so a command that still opened the database would fail.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from hub import bootstrap
from hub.api.server import RunningServer, start_server
from hub.cli import main
from hub.cli.staff_client import write_profile
from hub.domain.principals import Principal, Role
from tests.e2e.mtls import Pki

OLGA = Principal.staff(Role.OFFICER, "olga")
PAT = Principal.staff(Role.OFFICER, "pat")
ANA = Principal.staff(Role.ANALYST, "ana")
ADA = Principal.staff(Role.OPERATOR, "ada")


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@dataclass
class StaffDesk:
    hub: bootstrap.Hub
    pki: Pki
    server: RunningServer
    directory: Path
    profiles: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def open(cls, hub: bootstrap.Hub, directory: Path, pki: Pki | None = None) -> StaffDesk:
        pki = pki or Pki()
        server = start_server(hub, "127.0.0.1:0", tls=pki.server_tls())
        return cls(hub, pki, server, directory)

    @property
    def target(self) -> str:
        return f"localhost:{self.server.port}"

    def profile(self, person: Principal) -> Path:
        """The profile ``hub certs issue staff`` would have written for ``person``."""
        if person.uri not in self.profiles:
            issued = self.pki.enrol(self.hub, person)
            folder = self.directory / "staff" / person.uri.rsplit("/", 2)[-2] / person.name
            stem = f"{person.role.value}-{person.name}"
            issued.write(folder, stem)
            (folder / "ca.crt").write_bytes(self.pki.authority.certificate_pem)
            self.profiles[person.uri] = write_profile(folder, stem, self.target)
        return self.profiles[person.uri]

    def run(self, person: Principal, *argv: str) -> Ran:
        """``hub <argv> --profile <person's>``, with no database URL or key in reach."""
        profile = self.profile(person)
        out, err = io.StringIO(), io.StringIO()
        with _without_hub_settings(), redirect_stdout(out), redirect_stderr(err):
            code = main([*argv, "--profile", str(profile)])
        return Ran(code, out.getvalue(), err.getvalue())

    def close(self) -> None:
        self.server.stop(grace_s=2)


@contextmanager
def _without_hub_settings() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("HUB_")}
    try:
        yield
    finally:
        os.environ.update(saved)
