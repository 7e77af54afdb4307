"""What several commands share: database flags, building the hub, printing tables."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO

from hub import bootstrap
from hub.adapters.migrate import current_revision, head_revision, upgrade
from hub.config import ConfigError, Settings
from hub.services.commands import Attribution


def add_reason_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reason", required=True, help="why, for the audit log (e.g. a ticket reference)"
    )


def attribution(args: argparse.Namespace) -> Attribution:
    """The operator at this terminal and the ``--reason`` they gave, for the audit log."""
    return Attribution(f"cli:{getpass.getuser()}", args.reason)


def add_database_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: $HUB_DATABASE_URL or sqlite:///hub.db)"
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Environment settings, overridden by whichever of the common flags the command has."""
    return Settings.from_env(
        database_url=getattr(args, "db", None),
        listen=getattr(args, "listen", None),
        threads=getattr(args, "threads", None),
        workers=getattr(args, "workers", None),
    )


def open_hub(args: argparse.Namespace, *, migrate: bool = False) -> bootstrap.Hub:
    """The hub for the command's settings; refuses an out-of-date schema unless ``migrate``."""
    hub = bootstrap.build(settings_from(args))
    if migrate:
        upgrade(hub.engine)
    elif current_revision(hub.engine) != head_revision():
        hub.close()
        raise ConfigError(
            "the database schema is not up to date; run "
            f"`hub migrate --db {hub.settings.database_url}`"
        )
    return hub


@contextmanager
def opened(args: argparse.Namespace, *, migrate: bool = False) -> Iterator[bootstrap.Hub]:
    """``open_hub`` for the length of a ``with`` block."""
    hub = open_hub(args, migrate=migrate)
    try:
        yield hub
    finally:
        hub.close()


def print_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO | None = None
) -> None:
    """Rows as aligned columns; numbers right-aligned. ``out`` defaults to the standard output
    as it is when called (so a redirected ``sys.stdout`` gets the table)."""
    out = out or sys.stdout
    text_rows = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in text_rows)]) for i, h in enumerate(headers)]
    numeric = [
        all(_is_number(r[i]) for r in text_rows) and bool(text_rows) for i in range(len(headers))
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in text_rows:
        print(line(row), file=out)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    return str(value)


def _is_number(text: str) -> bool:
    return text.lstrip("-").replace(".", "", 1).replace(",", "").isdigit()
