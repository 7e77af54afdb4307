"""An operator at their desk: ``hub partner``, ``hub rules`` and ``hub member erase`` run as a
person with a profile against a real mTLS hub (``tests/e2e/staff.py``), no database URL in
reach.

    @pytest.fixture
    def desk(hub, tmp_path):
        with open_desk(hub, tmp_path) as opened:
            yield opened

    out = ok(desk, "partner", "list")
    error = refused(desk, "rules", "end", "nope", "--reason", "x")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hub import bootstrap
from hub.domain.principals import Principal
from tests.e2e.staff import ADA, StaffDesk


@contextmanager
def open_desk(hub: bootstrap.Hub, directory: Path) -> Iterator[StaffDesk]:
    desk = StaffDesk.open(hub, directory)
    try:
        yield desk
    finally:
        desk.close()


def ok(desk: StaffDesk, *argv: str, person: Principal = ADA) -> str:
    """``hub <argv>`` as ``person`` (the operator ada by default); it must succeed."""
    ran = desk.run(person, *argv)
    assert ran.code == 0, ran.err
    return ran.out


def refused(desk: StaffDesk, *argv: str, person: Principal = ADA) -> str:
    """``hub <argv>`` as ``person``; it must fail with exit code 2 and one line on stderr."""
    ran = desk.run(person, *argv)
    assert ran.code == 2, ran.out
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    return ran.err
