"""The ``hub`` command: serve, migrate, manage partners and members, verify, demo, bench."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

import psycopg
import sqlalchemy as sa

from hub.cli import (
    audit,
    bench,
    certs,
    demo,
    fraud,
    ledger,
    members,
    partners,
    rules,
    serve,
    settle,
)
from hub.cli.common import database_failure, database_url
from hub.config import ConfigError
from hub.domain.errors import HubError

COMMANDS = (serve, certs, partners, rules, members, fraud, settle, ledger, audit, demo, bench)
RUNTIME_FAILURE = 1
"""The command ran and failed: the database, a file or a port was not there."""
USAGE_FAILURE = 2
"""The command was refused as asked: bad settings or arguments, a business refusal."""
INTERRUPTED = 130
EXPECTED_FAILURES = (ConfigError, HubError, OSError, sa.exc.DBAPIError, psycopg.Error)
"""What a command can meet in normal operation; anything else is a bug and keeps its
traceback, which is what a bug report needs."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hub", description=__doc__)
    root.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    root.add_argument(
        "--debug", action="store_true", help="on a failure, print the traceback, not one line"
    )
    subcommands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subcommands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
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
    if isinstance(error, OSError):
        return [str(error)], RUNTIME_FAILURE
    return None
