"""The ``hub`` command: serve, migrate, manage partners and members, verify, demo, bench."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

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
from hub.config import ConfigError
from hub.domain.errors import HubError

COMMANDS = (serve, certs, partners, rules, members, fraud, settle, ledger, audit, demo, bench)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hub", description=__doc__)
    root.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
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
    except ConfigError as error:
        print(f"hub: configuration: {error}", file=sys.stderr)
        return 2
    except HubError as error:
        print(f"hub: {error.message} ({error.reason})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
