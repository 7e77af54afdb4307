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
from pathlib import Path
from typing import Any

from hub.adapters.bulk_import import ImportAlreadyRunning, PostgresBulkImportStore
from hub.bootstrap import Hub
from hub.cli.common import add_database_flag, opened
from hub.cli.progress import Display, add_progress_flag, progress_for
from hub.domain.import_rows import RefusedRow
from hub.services import bulk_import
from hub.services.bulk_import import CHUNK_ROWS_DEFAULT, ImportFile, ImportOptions, ImportProgress

RUNTIME_FAILURE = 1
USAGE_FAILURE = 2
STOPPED = 1
READ_BYTES = 1 << 20
HEADER_LINES = 1
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
    add_progress_flag(members)
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
    with (
        args.file.open(encoding="utf-8-sig", newline="") as text,
        progress_for(args, "import members") as shown,
    ):
        done = bulk_import.import_members(
            args.partner_id,
            ImportFile(str(args.file), sha256, text),
            options,
            store=store,
            hasher=hub.identifier_hasher(),
            clock=hub.clock,
            zone=hub.zone,
            progress=ChunkProgress(lines, shown),
        )
    refusals = store.refusals()
    report = args.report or args.file.with_name(args.file.name + REPORT_SUFFIX)
    _write_report(report, refusals)
    _print_summary(done, report if refusals else None)
    return STOPPED if done.stopped_at is not None else 0


def _digest_and_lines(path: Path) -> tuple[bytes, int]:
    """The file's SHA-256 (which names its run) and its line count (for the ETA)."""
    digest, lines, last = hashlib.sha256(), 0, b"\n"
    with path.open("rb") as data:
        while block := data.read(READ_BYTES):
            digest.update(block)
            lines += block.count(b"\n")
            last = block[-1:]
    return digest.digest(), lines + (last != b"\n")  # a last line without its newline


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


class ChunkProgress:
    """The import's report after each committed chunk, as rows of the file on a ``Display``
    (a resumed import starts at the rows an earlier attempt committed)."""

    def __init__(self, file_lines: int, shown: Display) -> None:
        self._rows = max(file_lines - HEADER_LINES, 0)
        self._shown = shown
        self._started = False

    def __call__(self, done: ImportProgress) -> None:
        if not self._started:
            self._shown.stage("rows", self._rows, "rows", done=_rows_before(done.resumed_from_line))
            self._started = True
        detail = f"{done.imported_members:,} imported, {done.refused_rows:,} refused"
        self._shown.update(_rows_before(done.line), detail)


def _rows_before(line: int) -> int:
    """The data rows before the file's ``line`` (1-based, the header first)."""
    return max(line - 1 - HEADER_LINES, 0)
