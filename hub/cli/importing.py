"""``hub import members``: load a partner's own programme (members, opening balances) from CSV.

An operator's command on the hub's machine, like ``hub migrate``: it hashes identifiers with
the hub's identifier key and writes through PostgreSQL COPY. Running the same file again
resumes an interrupted import after its last committed chunk.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from hub.adapters.bulk_import import ImportAlreadyRunning, PostgresBulkImportStore
from hub.bootstrap import Hub
from hub.cli.common import add_database_flag, opened
from hub.domain.import_rows import RefusedRow
from hub.services import bulk_import
from hub.services.bulk_import import CHUNK_ROWS_DEFAULT, ImportFile, ImportOptions, ImportProgress

RUNTIME_FAILURE = 1
USAGE_FAILURE = 2
STOPPED = 1
READ_BYTES = 1 << 20
BAR_WIDTH = 30
REPORT_SUFFIX = ".refused.csv"


def register(subcommands: Any) -> None:
    importing = subcommands.add_parser("import", help="bulk imports (PostgreSQL)")
    kinds = importing.add_subparsers(dest="kind", required=True, metavar="WHAT")
    members = kinds.add_parser(
        "members",
        help="members and opening balances of a partner's own programme, from CSV",
        description=(
            "CSV columns: external_id, opening_points, one or more of card, phone, app_id, "
            "and optionally expires_at (ISO 8601 with a zone). Run the same file again to "
            "resume an interrupted import."
        ),
    )
    members.add_argument("partner_id", metavar="PARTNER")
    members.add_argument("file", metavar="FILE", type=Path)
    members.add_argument(
        "--on-error",
        choices=("skip", "stop"),
        default="skip",
        help="a refused row is reported and skipped (default), or stops the import there",
    )
    members.add_argument(
        "--report",
        metavar="FILE",
        type=Path,
        help=f"where refused rows are listed with their lines (default: FILE{REPORT_SUFFIX})",
    )
    members.add_argument(
        "--chunk-rows",
        type=int,
        default=CHUNK_ROWS_DEFAULT,
        help=f"rows per commit (default {CHUNK_ROWS_DEFAULT})",
    )
    add_database_flag(members)
    members.set_defaults(run=run_members)


def run_members(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        if hub.engine.dialect.name != "postgresql":
            print(
                "hub: bulk import writes through PostgreSQL COPY; this hub's database is "
                f"{hub.engine.dialect.name} (use --db postgresql://...)",
                file=sys.stderr,
            )
            return USAGE_FAILURE
        sha256, lines = _digest_and_lines(args.file)
        options = ImportOptions(args.on_error == "stop", args.chunk_rows)
        store = PostgresBulkImportStore(hub.engine)
        try:
            return _import(args, hub, store, sha256, lines, options)
        except ImportAlreadyRunning as busy:
            print(f"hub: {busy}", file=sys.stderr)
            return RUNTIME_FAILURE
        finally:
            store.close()


def _import(
    args: argparse.Namespace,
    hub: Hub,
    store: PostgresBulkImportStore,
    sha256: bytes,
    lines: int,
    options: ImportOptions,
) -> int:
    with args.file.open(encoding="utf-8-sig", newline="") as text:
        done = bulk_import.import_members(
            args.partner_id,
            ImportFile(str(args.file), sha256, text),
            options,
            store=store,
            hasher=hub.identifier_hasher(),
            clock=hub.clock,
            zone=hub.zone,
            progress=Progress(lines, sys.stderr),
        )
    refusals = store.refusals()
    report = args.report or args.file.with_name(args.file.name + REPORT_SUFFIX)
    _write_report(report, refusals)
    _print_summary(done, report if refusals else None)
    return STOPPED if done.stopped_at is not None else 0


def _digest_and_lines(path: Path) -> tuple[bytes, int]:
    """The file's SHA-256 (which names its run) and its line count (for the ETA)."""
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as data:
        while block := data.read(READ_BYTES):
            digest.update(block)
            lines += block.count(b"\n")
    return digest.digest(), lines


def _write_report(path: Path, refusals: list[RefusedRow] | Any) -> None:
    if not refusals:
        path.unlink(missing_ok=True)
        return
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("line", "reason"))
        writer.writerows((row.line, row.reason) for row in refusals)


def _print_summary(done: ImportProgress, report: Path | None) -> None:
    resumed = f" (resumed at line {done.resumed_from_line})" if done.resumed_from_line > 2 else ""
    print(f"imported {done.imported_members} members with {done.imported_points} points{resumed}")
    if done.already_imported:
        print(f"left {done.already_imported} members an earlier import brought in")
    if report is not None:
        print(f"refused {done.refused_rows} rows: {report}")
    if done.stopped_at is not None:
        print(
            f"stopped at line {done.stopped_at.line}: {done.stopped_at.reason}; the lines "
            "before it are imported, and running the command again resumes there",
            file=sys.stderr,
        )


class Progress:
    """A bar on a terminal; elsewhere a line per committed chunk (logs, tests)."""

    def __init__(self, total_lines: int, out: TextIO) -> None:
        self._total = max(total_lines, 1)
        self._out = out
        self._started = time.monotonic()
        self._first_line: int | None = None
        self._terminal = out.isatty()

    def __call__(self, done: ImportProgress) -> None:
        if self._first_line is None:
            self._first_line = done.resumed_from_line
        elapsed_s = max(time.monotonic() - self._started, 1e-6)
        rate = (done.line - self._first_line) / elapsed_s
        left_s = (self._total + 1 - done.line) / rate if rate > 0 else 0.0
        figures = (
            f"line {done.line - 1:,} of {self._total:,}: {done.imported_members:,} imported, "
            f"{done.refused_rows:,} refused, {rate:,.0f} rows/s, ETA {_clock(left_s)}"
        )
        if self._terminal:
            filled = int(BAR_WIDTH * min(done.line / self._total, 1.0))
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            end = "\n" if done.line > self._total or done.stopped_at else ""
            print(f"\r[{bar}] {figures}", end=end, file=self._out, flush=True)
        else:
            print(figures, file=self._out, flush=True)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
