"""``--json``: every listing of ``hub`` takes it, and what it prints is typed JSON.

The commands themselves run against a real hub in ``tests/e2e/test_cli_json.py``; here, the
command tree and the conversion rules.
"""

from __future__ import annotations

import argparse
import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from coalition.hub.v1 import common_pb2, fraud_pb2, goodwill_pb2, settlement_pb2
from hub.cli import main, parser
from hub.cli.common import TABLE_STYLE, notice, print_listing
from hub.cli.json_output import message_record, plain

LISTINGS = {
    "audit list",
    "audit verify",
    "bench",
    "certs list",
    "events dead-letters list",
    "fraud flag",
    "fraud groups",
    "fraud queue",
    "fraud report",
    "fraud show",
    "fraud timeline",
    "goodwill list",
    "ledger verify",
    "member keys",
    "member show",
    "partner api-key list",
    "partner list",
    "partner show",
    "partner webhook show",
    "rules list",
    "rules show",
    "settle days",
    "settle exceptions",
    "settle liabilities",
    "settle show",
    "tuning preview",
}
"""What a script reads: listings, single records and reports. Each takes ``--json``."""
CHANGES_AND_SERVERS = {
    "certs init", "certs issue", "certs renew", "certs revoke",
    "console", "demo", "gateway", "import members", "keygen", "migrate", "relay", "serve",
    "settle-due", "sweep", "events dead-letters replay", "events prune",
    "fraud annul", "fraud decline", "fraud freeze", "fraud release", "fraud resolve",
    "fraud scan", "fraud unfreeze",
    "goodwill approve", "goodwill reject", "goodwill request",
    "member erase", "member merge", "member rekey", "member unmerge",
    "partner add", "partner disable", "partner enable", "partner set-limit",
    "partner set-offline-window", "partner set-phone-region", "partner set-rate",
    "partner api-key create", "partner api-key revoke",
    "partner webhook expiry-notice", "partner webhook rotate-secret", "partner webhook set",
    "rules benefits", "rules campaign", "rules cap", "rules end", "rules event",
    "rules exclusions", "rules fraud", "rules stacking", "rules tiers", "rules welcome",
    "settle accept", "settle accept-all", "settle approve", "settle import",
    "settle public-key", "settle run", "settle statements", "settle verify",
}  # fmt: skip
"""Commands that change something or run a server: they print what they did, no listing."""


@pytest.fixture(autouse=True)
def text_style() -> Iterator[None]:
    TABLE_STYLE.json = TABLE_STYLE.wide = False
    yield
    TABLE_STYLE.json = TABLE_STYLE.wide = False


def leaves(
    node: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every runnable command of the tree, as ``"fraud queue"``, with its parser."""
    subcommands = [a for a in node._actions if isinstance(a, argparse._SubParsersAction)]
    if not subcommands:
        yield " ".join(path), node
    for action in subcommands:
        for name, child in action.choices.items():
            yield from leaves(child, (*path, name))


def takes_json(command: argparse.ArgumentParser) -> bool:
    return any("--json" in action.option_strings for action in command._actions)


def test_every_command_is_known_as_a_listing_or_as_a_change():
    commands = {name for name, _ in leaves(parser())}

    assert commands - LISTINGS - CHANGES_AND_SERVERS == set(), "a new command: which is it?"
    assert (LISTINGS | CHANGES_AND_SERVERS) - commands == set()


def test_every_listing_takes_json_and_no_change_does():
    tree = dict(leaves(parser()))

    assert sorted(name for name in LISTINGS if not takes_json(tree[name])) == []
    assert sorted(name for name in CHANGES_AND_SERVERS if takes_json(tree[name])) == []


def test_the_roots_help_names_json(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])

    assert "--json" in capsys.readouterr().out


def test_the_root_flag_on_a_command_without_a_listing_is_refused(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--json", "keygen"])

    assert exited.value.code == 2
    assert "--json: this command prints no listing or report" in capsys.readouterr().err


def test_a_listing_under_json_is_one_array_of_its_records():
    TABLE_STYLE.json = True
    out = io.StringIO()

    print_listing(("member", "points"), [("3f2b8c1e..3e2f", "1,000")], [{"points": 1000}], out)

    assert json.loads(out.getvalue()) == [{"points": 1000}]


def test_an_empty_listing_under_json_is_an_empty_array():
    TABLE_STYLE.json = True
    out = io.StringIO()

    print_listing(("member",), [], [], out)

    assert json.loads(out.getvalue()) == []


def test_lines_beside_a_listing_move_to_standard_error_under_json(capsys):
    notice("next page: --page-token A")
    TABLE_STYLE.json = True
    notice("next page: --page-token B")

    printed = capsys.readouterr()
    assert printed.out == "next page: --page-token A\n"
    assert printed.err == "next page: --page-token B\n"


def test_a_message_keeps_64_bit_integers_as_numbers_and_unset_fields_as_null():
    flag = fraud_pb2.Flag(flag_id=str(uuid.UUID(int=7)), points=2**40, score=70)
    flag.raised_at.FromDatetime(datetime(2026, 1, 10, 10, 0, 5, tzinfo=UTC))

    record = message_record(flag)

    assert record["flag_id"] == "00000000-0000-0000-0000-000000000007"
    assert record["points"] == 2**40
    assert record["raised_at"] == "2026-01-10T10:00:05Z"
    assert record["resolved_at"] is None
    assert record["order_id"] is None
    assert record["purchase"] is None
    assert record["verdicts"] == []


def test_enums_read_as_their_short_names_and_unspecified_as_null():
    credit = goodwill_pb2.GoodwillCredit(status=goodwill_pb2.GOODWILL_STATUS_PENDING)
    day = settlement_pb2.SettlementDay(state=settlement_pb2.SETTLEMENT_DAY_STATE_NOT_RUN)

    assert message_record(credit)["status"] == "pending"
    assert message_record(credit)["funder"] is None
    assert message_record(day)["state"] == "not_run"


def test_money_is_a_decimal_string_in_major_units():
    flag = fraud_pb2.Flag(purchase=common_pb2.Money(amount_minor=12_345, currency="JPY"))
    euros = fraud_pb2.Flag(purchase=common_pb2.Money(amount_minor=1_005, currency="EUR"))

    assert message_record(flag)["purchase"] == {"amount": "12345", "currency": "JPY"}
    assert message_record(euros)["purchase"] == {"amount": "10.05", "currency": "EUR"}


def test_a_oneof_names_the_member_that_is_set():
    entry = fraud_pb2.TimelineEntry()
    entry.flag.flag_id = "f"

    record = message_record(entry)

    assert record["entry"] == "flag"
    assert record["transaction"] is None


def test_plain_values_keep_their_precision_and_their_zone():
    moment = datetime(2026, 1, 10, 10, 0)  # the hub stores UTC without a zone
    value = {
        "rate": Decimal("0.0100"),
        "at": moment,
        "day": date(2026, 1, 10),
        "id": uuid.UUID(int=1),
        "ok": True,
        "none": None,
    }

    assert plain(value) == {
        "rate": "0.0100",
        "at": "2026-01-10T10:00:00Z",
        "day": "2026-01-10",
        "id": "00000000-0000-0000-0000-000000000001",
        "ok": True,
        "none": None,
    }
