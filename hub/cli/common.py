"""What several commands share: database flags, building the hub, printing tables."""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

import psycopg
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.faults import CAUSE_DEPTH_MAX, infrastructure_error
from hub.adapters.migrate import current_revision, head_revision, upgrade
from hub.cli.json_output import print_json
from hub.config import DEFAULT_DATABASE_URL, ConfigError, Settings
from hub.domain.errors import DatabaseUnavailable
from hub.domain.short_ids import short_form
from hub.services.commands import Attribution

DRIVER_ERRORS = (psycopg.Error, sqlite3.Error)
SERVER_REFUSAL = "FATAL:"
"""How libpq prefixes a refusal the server sent (no such database or role, bad password):
the server is up, so "is it running?" would mislead."""


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


def database_url(args: argparse.Namespace) -> str:
    """The database the command works on: ``--db``, else ``$HUB_DATABASE_URL``."""
    return getattr(args, "db", None) or os.environ.get("HUB_DATABASE_URL", DEFAULT_DATABASE_URL)


def database_failure(error: BaseException, url: str) -> str | None:
    """One line for a database that cannot be reached or refuses the connection; ``None``
    for any other error (a bug in a statement keeps its traceback)."""
    if not isinstance(error, (sa.exc.DBAPIError, *DRIVER_ERRORS, DatabaseUnavailable)):
        return None
    if infrastructure_error(error, commit_sent=False) is None:
        return None
    driver = _driver_error(error)
    reason = _reason(driver) if driver else "no answer"
    where = database_location(url)
    if isinstance(driver, sqlite3.Error):
        return f"cannot open the database file {where} ({reason})"
    if SERVER_REFUSAL in str(driver):
        return f"the database at {where} refused the connection ({reason}); check HUB_DATABASE_URL"
    return f"cannot reach the database at {where} ({reason}); is it running?"


def database_location(url: str) -> str:
    """Where ``url`` points, without its user or password: ``host:port``, or the file."""
    try:
        parsed = sa.make_url(url)
    except (ValueError, sa.exc.ArgumentError):
        return "HUB_DATABASE_URL"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or "(memory)"
    if parsed.host:
        return f"{parsed.host}:{parsed.port or 5432}"
    hosts = parsed.query.get("host")  # multi-host URLs: ?host=a:5432&host=b:5432
    return ",".join([hosts] if isinstance(hosts, str) else hosts or ["localhost"])


def _driver_error(error: BaseException) -> BaseException | None:
    """The psycopg or sqlite3 exception under SQLAlchemy's and the hub's wrappers."""
    seen: BaseException | None = error
    for _ in range(CAUSE_DEPTH_MAX):
        if seen is None or isinstance(seen, DRIVER_ERRORS):
            return seen
        orig = seen.orig if isinstance(seen, sa.exc.DBAPIError) else None
        seen = orig if isinstance(orig, BaseException) else seen.__cause__
    return None


def _reason(driver: BaseException) -> str:
    """The driver's own words, without libpq's preamble: "connection refused"."""
    first_line = (str(driver).splitlines() or [type(driver).__name__])[0]
    words = first_line.rsplit(": ", 1)[-1].strip()
    return words[:1].lower() + words[1:]


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


TABLE_WIDTH_MAX = 100
"""Tables fit a standard terminal; ``hub --wide`` prints every cell whole."""
CELL_WIDTH_MIN = 20
"""Cells are cut no narrower than this: enough for a kind or a status to read whole."""
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class TableStyle:
    wide: bool = False
    """Full ids and whole cells, however wide the table gets (``hub --wide``)."""
    json: bool = False
    """Listings print one JSON document instead of tables (``hub --json``)."""


TABLE_STYLE = TableStyle()


def print_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO | None = None
) -> None:
    """Rows as aligned columns; numbers right-aligned. ``out`` defaults to the standard output
    as it is when called (so a redirected ``sys.stdout`` gets the table). Unless ``--wide``,
    UUIDs show their short form (``0193a5b2..3f9a``, which commands accept back) and the
    widest text columns are cut (with "…") so the table fits 100 columns."""
    out = out or sys.stdout
    text_rows = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in text_rows)]) for i, h in enumerate(headers)]
    numeric = [
        all(_is_number(r[i]) for r in text_rows) and bool(text_rows) for i in range(len(headers))
    ]
    if not TABLE_STYLE.wide:
        widths = _fitted(widths, numeric, [len(h) for h in headers])

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            _fit(c, w).rjust(w) if n else _fit(c, w).ljust(w)
            for c, w, n in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in text_rows:
        print(line(row), file=out)


def print_listing(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    records: Iterable[object],
    out: TextIO | None = None,
) -> None:
    """A listing: ``rows`` as a table, or with ``--json`` the ``records`` (typed values under
    snake_case keys: dicts, dataclasses or protobuf messages) as one JSON array."""
    if TABLE_STYLE.json:
        print_json(list(records), out)
    else:
        print_table(headers, rows, out)


def print_record(record: object, print_text: Callable[[], None]) -> None:
    """A single record: ``print_text`` prints its lines, or with ``--json`` the ``record`` is
    printed as one JSON object."""
    if TABLE_STYLE.json:
        print_json(record)
    else:
        print_text()


def print_page_json(page: object) -> bool:
    """With ``--json``, a paged listing prints its whole page as one object (its items under
    the gRPC field name, ``total`` where known and ``next_page_token``, empty on the last
    page), so a script pages on from standard output; ``False`` without ``--json``."""
    if not TABLE_STYLE.json:
        return False
    print_json(page)
    return True


def notice(text: str) -> None:
    """A line beside a listing ("next page: ..."): on the standard output with the table, on
    the standard error with ``--json`` so the output stays one JSON document."""
    print(text, file=sys.stderr if TABLE_STYLE.json else sys.stdout)


def _fitted(widths: list[int], numeric: list[bool], header_widths: list[int]) -> list[int]:
    """Narrow the widest text columns, one character at a time, until the row fits."""
    fitted = list(widths)
    floor = [max(CELL_WIDTH_MIN, h) for h in header_widths]
    while sum(fitted) + 2 * (len(fitted) - 1) > TABLE_WIDTH_MAX:
        cuttable = [i for i, w in enumerate(fitted) if not numeric[i] and w > floor[i]]
        if not cuttable:
            break  # numbers are never cut: a wide table beats a wrong figure
        widest = max(cuttable, key=lambda i: fitted[i])
        fitted[widest] -= 1
    return fitted


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    text = str(value)
    if not TABLE_STYLE.wide:
        text = _UUID.sub(lambda found: short_form(uuid.UUID(found.group(0))), text)
    return text


def _is_number(text: str) -> bool:
    return text.lstrip("-").replace(".", "", 1).replace(",", "").isdigit()
