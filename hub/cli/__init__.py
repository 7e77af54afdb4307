"""The ``hub`` command: serve, migrate, manage partners and members, verify, demo, bench."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

import grpc
import psycopg
import sqlalchemy as sa

from hub.cli import (
    audit,
    bench,
    certs,
    console,
    demo,
    fraud,
    gateway,
    goodwill,
    importing,
    ledger,
    logs,
    members,
    partners,
    relay,
    rules,
    serve,
    settle,
    tuning,
)
from hub.cli.common import TABLE_STYLE, database_failure, database_url
from hub.cli.json_output import JSON_FLAG
from hub.config import ConfigError
from hub.domain.errors import HubError
from partner_sdk.errors import HubError as RemoteRefusal

COMMANDS = (
    serve,
    console,
    gateway,
    certs,
    partners,
    rules,
    tuning,
    members,
    importing,
    fraud,
    goodwill,
    settle,
    ledger,
    audit,
    demo,
    bench,
    relay,
)
RUNTIME_FAILURE = 1
"""The command ran and failed: the database, a file or a port was not there."""
USAGE_FAILURE = 2
"""The command was refused as asked: bad settings or arguments, a business refusal."""
INTERRUPTED = 130
WIDE_FLAG = "--wide"
EXPECTED_FAILURES = (
    ConfigError,
    HubError,
    RemoteRefusal,
    OSError,
    sa.exc.DBAPIError,
    psycopg.Error,
)
"""What a command can meet in normal operation; anything else is a bug and keeps its
traceback, which is what a bug report needs."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hub", description=__doc__)
    root.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    root.add_argument(
        "--debug", action="store_true", help="on a failure, print the traceback, not one line"
    )
    root.add_argument(
        WIDE_FLAG,
        action="store_true",
        help="tables with full ids and whole cells (default: fit 100 columns, ids shortened)",
    )
    root.add_argument(
        JSON_FLAG,
        dest="json_root",
        action="store_true",
        help="listings and reports print one JSON document (arrays of objects, full ids, "
        "ISO 8601 UTC times, integer points); also taken after the command: `hub fraud queue "
        "--json`",
    )
    subcommands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subcommands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    # --wide is a root flag that reads as a command's own: `hub fraud queue --wide`.
    TABLE_STYLE.wide = WIDE_FLAG in given
    root = parser()
    args = root.parse_args([arg for arg in given if arg != WIDE_FLAG])
    _take_json_flag(root, args)
    try:
        logs.configure(verbose=args.verbose)
        return int(args.run(args))
    except KeyboardInterrupt:
        return INTERRUPTED
    except EXPECTED_FAILURES as error:
        explained = explain_failure(error, args)
        if explained is None:
            raise
        lines, status = explained
        if args.debug:
            traceback.print_exc()
        else:
            print(*(f"hub: {line}" for line in lines), sep="\n", file=sys.stderr)
        return status


def _take_json_flag(root: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``hub --json COMMAND`` as ``hub COMMAND --json``: refused where there is no JSON form."""
    if args.json_root:
        if not hasattr(args, "json"):
            root.error(f"{JSON_FLAG}: this command prints no listing or report")
        args.json = True
    TABLE_STYLE.json = bool(getattr(args, "json", False))


def explain_failure(error: Exception, args: argparse.Namespace) -> tuple[list[str], int] | None:
    """The lines an operator reads for ``error``, and the exit status; ``None`` when it is
    not one the hub expects (a statement the database rejects is a bug)."""
    if isinstance(error, ConfigError):
        return [f"configuration: {problem}" for problem in error.problems], USAGE_FAILURE
    database = database_failure(error, database_url(args))
    if database is not None:
        return [database], RUNTIME_FAILURE
    if isinstance(error, HubError):
        # UNAVAILABLE (the commit outcome unknown, say) is the moment's, not the request's.
        unavailable = error.code == "UNAVAILABLE"
        status = RUNTIME_FAILURE if unavailable else USAGE_FAILURE
        return [f"{error.message} ({error.reason})"], status
    if isinstance(error, RemoteRefusal):
        # What the hub answered a staff command (or that it could not be reached).
        retryable = error.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        return [str(error)], RUNTIME_FAILURE if retryable else USAGE_FAILURE
    if isinstance(error, OSError):
        return [str(error)], RUNTIME_FAILURE
    return None
