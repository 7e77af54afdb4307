"""``hub settle``: run, show and approve the nightly settlement, write and verify signed
statements, import partners' reports and work their reconciliation exceptions.

The officer at this terminal is ``cli:<OS user>`` (or ``--officer``): the CLI trusts whoever
can reach the database, whereas the gRPC settlement service names officers by their client
certificate. Separation of duties (who runs a day cannot approve it) is the use case's rule, so
it holds on both paths; on the CLI it is only as strong as the database's access control.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from hub import bootstrap
from hub.cli.common import add_database_flag, opened, print_table, settings_from
from hub.domain.currencies import currency
from hub.domain.errors import InvalidField
from hub.domain.ids import parse_id
from hub.domain.money import Money
from hub.services.commands import (
    AcceptException,
    AcceptExceptions,
    ApproveSettlement,
    Attribution,
    GetStatement,
    ImportReport,
    ListExceptions,
    RunSettlement,
)
from hub.services.exception_pages import EXCEPTIONS_PAGE_SIZE_MAX
from hub.services.ports.reconciliation import ExceptionCounts, ReconciliationExceptionView
from hub.services.results import ExceptionPage, LiabilitiesView, SettlementRunView
from settlement.model import Settlement
from settlement.periods import parse_business_date
from settlement.signing import SignatureInvalid, StatementSigner, key_id, verify

PUBLIC_KEY_FILE = "hub-signing-key.pem"
"""Written next to the statements, so a partner can check them without asking for the key."""
SIGNATURE_SUFFIX = ".sig"
RUN_REASON = "settlement run"
IMPORT_REASON = "partner report import"


def register(subcommands: Any) -> None:
    settle = subcommands.add_parser(
        "settle", help="settlement officers: run, show, approve, statements, reconciliation"
    )
    actions = settle.add_subparsers(dest="action", required=True, metavar="ACTION")
    for parser in (*_register_runs(actions), *_register_reconciliation(actions)):
        add_database_flag(parser)
    _register_keys(actions)


def _add_officer_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--officer", metavar="NAME", help="who is acting (default: the OS user); audited"
    )


def _register_runs(actions: Any) -> list[argparse.ArgumentParser]:
    run = actions.add_parser("run", help="settle one closed day, or every closed unsettled day")
    run.add_argument("--date", help="business date YYYY-MM-DD (default: every day due)")
    run.add_argument("--out", metavar="DIR", help="also write the statements under DIR")
    _add_officer_flag(run)
    run.set_defaults(run=run_run)
    show = actions.add_parser("show", help="a run: matrix, net positions, transfers")
    show.add_argument("--date", help="business date YYYY-MM-DD (default: the latest run)")
    show.add_argument("--json", action="store_true", help="print the signed summary JSON")
    show.set_defaults(run=run_show)
    written = actions.add_parser("statements", help="write every partner's signed statements")
    written.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    written.add_argument("--out", metavar="DIR", required=True, help="written under DIR/<date>/")
    written.set_defaults(run=run_statements)
    owed = actions.add_parser("liabilities", help="points outstanding per issuer, and value")
    owed.add_argument("--date", help="a settled day (default: the latest)")
    owed.set_defaults(run=run_liabilities)
    return [run, show, written, owed]


def _register_reconciliation(actions: Any) -> list[argparse.ArgumentParser]:
    imported = actions.add_parser("import", help="import a partner's report and match it")
    imported.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    imported.add_argument("--partner", required=True, metavar="ID")
    imported.add_argument("file", metavar="FILE", help="the report CSV ('-': standard input)")
    _add_officer_flag(imported)
    imported.set_defaults(run=run_import)
    listed = actions.add_parser("exceptions", help="a day's reconciliation exceptions")
    listed.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    listed.add_argument("--partner", metavar="ID", help="only this partner's")
    listed.add_argument("--all", action="store_true", help="accepted ones too")
    listed.add_argument(
        "--page-size",
        type=int,
        default=0,
        metavar="N",
        help=f"exceptions per page (default 100, at most {EXCEPTIONS_PAGE_SIZE_MAX})",
    )
    listed.add_argument("--page-token", default="", metavar="TOKEN", help="the next page's")
    listed.set_defaults(run=run_exceptions)
    accept = actions.add_parser("accept", help="accept an exception with a note")
    accept.add_argument("exception_id")
    accept.add_argument("--note", required=True, help="why it is acceptable; audited")
    _add_officer_flag(accept)
    accept.set_defaults(run=run_accept)
    accept_all = actions.add_parser(
        "accept-all", help="accept a day's open exceptions at once, with one note"
    )
    accept_all.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    accept_all.add_argument("--partner", metavar="ID", help="only this partner's")
    accept_all.add_argument(
        "--kind",
        choices=("missing_at_hub", "missing_at_partner", "amount_mismatch"),
        help="only this kind",
    )
    accept_all.add_argument("--note", required=True, help="why they are acceptable; audited")
    _add_officer_flag(accept_all)
    accept_all.set_defaults(run=run_accept_all)
    approve = actions.add_parser("approve", help="approve a run (not by whoever ran it)")
    approve.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    approve.add_argument("--note", required=True, help="for the audit log")
    _add_officer_flag(approve)
    approve.set_defaults(run=run_approve)
    return [imported, listed, accept, accept_all, approve]


def _register_keys(actions: Any) -> None:
    check = actions.add_parser("verify", help="check a statement file's signature")
    check.add_argument("file", metavar="FILE")
    check.add_argument("--signature", metavar="SIG", help="default: FILE.sig")
    check.add_argument(
        "--public-key", metavar="PEM", help="the hub's public key (default: HUB_SIGNING_KEY's)"
    )
    check.set_defaults(run=run_verify)
    public = actions.add_parser("public-key", help="print the hub's statement-signing key (PEM)")
    public.set_defaults(run=run_public_key)


# -- arguments ------------------------------------------------------------------------------


def officer(args: argparse.Namespace, reason: str) -> Attribution:
    """The officer at this terminal (``--officer`` or the OS user) and why they act."""
    return Attribution(f"cli:{args.officer or getpass.getuser()}", reason)


def business_date(text: str) -> date:
    return parse_business_date(text, field="date")


def _optional_date(text: str | None) -> date | None:
    return business_date(text) if text is not None else None


class ProgressPrinter:
    """Prints each step of a run to standard error with the seconds since the command began."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock, self._started = clock, clock()

    def __call__(self, step: str) -> None:
        print(f"[{self._clock() - self._started:7.2f} s] {step}", file=sys.stderr, flush=True)


# -- runs -----------------------------------------------------------------------------------


def run_run(args: argparse.Namespace) -> int:
    by, day, progress = officer(args, RUN_REASON), _optional_date(args.date), ProgressPrinter()
    with opened(args) as hub:
        api = hub.settlement_api()
        runs = [api.run(RunSettlement(day, by), progress)] if day else api.run_due(by, progress)
        for settled in runs:
            print_run(settled)
            if args.out:
                write_statements(hub, settled, Path(args.out))
    if not runs:
        print("nothing to settle: every closed business day is settled")
    return 0


def run_show(args: argparse.Namespace) -> int:
    day = _optional_date(args.date)
    with opened(args) as hub:
        shown = hub.settlement_api().get(day)
    if args.json:
        sys.stdout.flush()
        sys.stdout.buffer.write(shown.summary_json)
        sys.stdout.buffer.flush()
    else:
        print_run(shown)
    return 0


def _money(amount_minor: int, code: str) -> str:
    return str(Money(amount_minor, currency(code)))


def print_run(shown: SettlementRunView) -> None:
    """A run as officers read it: window, who, matrix, net positions, transfers, margin."""
    s, code = shown.settlement, shown.currency
    print(f"settlement {shown.business_date.isoformat()}  {shown.status.value}  ({code})")
    print(f"window {_instant(shown.window_start)} .. {_instant(shown.window_end)}")
    print(f"ran {_instant(shown.run_at)} by {shown.run_by}; {s.transaction_count} transactions")
    if shown.approved_at is not None:
        print(f"approved {_instant(shown.approved_at)} by {shown.approved_by}")
    print(f"signed by key {shown.signing_key_id}")
    _section("matrix (points issued by row, redeemed at column; value paid to the redeemer)")
    print_matrix(s)
    _section("net positions")
    print_positions(s)
    _section("transfers")
    print_table(
        ("from", "to", "amount"),
        [(t.from_account, t.to_account, _money(t.amount_minor, code)) for t in s.transfers],
    )
    print()
    print(f"margin: {_money(s.margin_minor, code)}")
    print(f"breakage: {s.breakage.points} points, {_money(s.breakage.value_minor, code)}")
    print(f"adjustments: {len(s.adjustments)}")
    print(f"late operations (committed after their day was settled): {len(s.late)}")
    if s.late:
        print_table(
            ("partner", "kind", "transaction", "order", "stamped", "points"),
            [
                (
                    line.partner_id,
                    line.kind,
                    line.transaction_id,
                    line.order_id,
                    _instant(line.created_at),
                    line.points,
                )
                for line in s.late
            ],
        )
    print(f"open exceptions: {shown.open_exceptions}")
    print(f"no report from: {', '.join(shown.unreported) or 'none'}")


def _instant(value: object) -> str:
    return "the beginning" if value is None else f"{value:%Y-%m-%d %H:%M:%SZ}"


def _section(title: str) -> None:
    print(f"\n{title}:")


def print_matrix(s: Settlement) -> None:
    issuers = sorted({cell.issuer_id for cell in s.matrix})
    redeemers = sorted({cell.redeemer_id for cell in s.matrix})
    cells = {(c.issuer_id, c.redeemer_id): c for c in s.matrix}

    def cell(issuer: str, redeemer: str) -> str | None:
        found = cells.get((issuer, redeemer))
        if found is None:
            return None
        return f"{found.points} pts {_money(found.redemption_value_minor, s.currency)}"

    print_table(
        ("issuer \\ redeemer", *redeemers),
        [(issuer, *(cell(issuer, r) for r in redeemers)) for issuer in issuers],
    )


def print_positions(s: Settlement) -> None:
    code = s.currency
    print_table(
        ("partner", "issued pts", "pays", "redeemed pts", "receives", "net"),
        [
            (
                p.partner_id,
                p.issued_partner_funded.points,
                _money(p.pays_minor, code),
                p.redeemed.points,
                _money(p.receives_minor, code),
                _money(p.net_position_minor, code),
            )
            for p in s.partners
        ],
    )


def run_statements(args: argparse.Namespace) -> int:
    day, out = business_date(args.date), Path(args.out)
    with opened(args) as hub:
        write_statements(hub, hub.settlement_api().get(day), out)
    return 0


def write_statements(hub: bootstrap.Hub, settled: SettlementRunView, out: Path) -> list[Path]:
    """Write DIR/<date>/<partner>.json, .csv and their raw signatures, and the hub's public key
    when it is the one that signed them; returns the statement files written."""
    api, day = hub.settlement_api(), settled.business_date
    folder = out / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for partner in settled.settlement.partners:
        statement = api.statement(GetStatement(day, partner.partner_id))
        for suffix, data, signature in (
            (".json", statement.json, statement.json_signature),
            (".csv", statement.csv, statement.csv_signature),
        ):
            path = folder / f"{partner.partner_id}{suffix}"
            path.write_bytes(data)
            _signature_path(path).write_bytes(signature)
            written.append(path)
    _write_public_key(hub, settled.signing_key_id, folder)
    print(f"wrote {len(written)} statements to {folder}", file=sys.stderr)
    return written


def _write_public_key(hub: bootstrap.Hub, signed_by: str, folder: Path) -> None:
    """The hub's current public key, unless the key has rotated since the day was signed."""
    current = hub.settlement_api().signing_key()
    if current.key_id == signed_by:
        (folder / PUBLIC_KEY_FILE).write_bytes(current.public_key_pem)
    else:
        print(
            f"hub: not writing {PUBLIC_KEY_FILE}: the statements were signed by key {signed_by}, "
            f"the hub's key is now {current.key_id}",
            file=sys.stderr,
        )


def _signature_path(path: Path) -> Path:
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def run_liabilities(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        owed = hub.settlement_api().liabilities(_optional_date(args.date))
    print_liabilities(owed)
    return 0


def print_liabilities(owed: LiabilitiesView) -> None:
    print(f"outstanding points at the end of {owed.business_date.isoformat()}")
    print_table(
        ("issuer", "points", "value"),
        [
            (issuer, valued.points, _money(valued.value_minor, owed.currency))
            for issuer, valued in owed.liabilities
        ],
    )


# -- reconciliation -------------------------------------------------------------------------


def _read_report(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as error:
        raise InvalidField(f"cannot read {name}: {error.strerror}", field="file") from None


def run_import(args: argparse.Namespace) -> int:
    command = ImportReport(
        business_date(args.date),
        args.partner,
        _read_report(args.file),
        submitted_by=officer(args, IMPORT_REASON),
    )
    with opened(args) as hub:
        matched = hub.settlement_api().import_report(command)
    print(
        f"{matched.partner_id} {matched.business_date.isoformat()}: {matched.matched} matched, "
        f"{matched.page.total} exceptions ({_by_kind(matched.page.counts)})"
    )
    if matched.exceptions:
        print_page(matched.page)
    return 0


def _by_kind(counts: ExceptionCounts) -> str:
    return (
        f"{counts.missing_at_hub} missing at the hub, {counts.missing_at_partner} missing at "
        f"the partner, {counts.amount_mismatch} amount mismatches"
    )


def run_exceptions(args: argparse.Namespace) -> int:
    query = ListExceptions(
        business_date(args.date),
        args.partner,
        include_accepted=args.all,
        page_size=args.page_size,
        page_token=args.page_token,
    )
    with opened(args) as hub:
        page = hub.settlement_api().list_exceptions(query)
    print_page(page)
    print(f"{_by_kind(page.counts)}")
    return 0


def print_page(page: ExceptionPage) -> None:
    """A page of exceptions, and whether it is all of them."""
    print_exceptions(page.exceptions)
    print(f"{page.showing} exceptions")
    if page.next_page_token:
        print(f"next page: --page-token {page.next_page_token}")


def print_exceptions(exceptions: Iterable[ReconciliationExceptionView]) -> None:
    print_table(
        (
            "exception",
            "partner",
            "kind",
            "item",
            "order",
            "transaction",
            "hub pts",
            "partner pts",
            "line",
            "status",
            "note",
        ),
        [
            (
                e.id,
                e.partner_id,
                e.kind.value,
                e.item_kind,
                e.order_id,
                e.transaction_id,
                e.hub_points,
                e.partner_points,
                e.report_line,
                e.status.value,
                e.note,
            )
            for e in exceptions
        ],
    )


def run_accept(args: argparse.Namespace) -> int:
    exception_id = parse_id(args.exception_id, field="exception_id")
    with opened(args) as hub:
        accepted = hub.settlement_api().accept_exception(
            AcceptException(exception_id, officer(args, args.note))
        )
    print(f"exception {accepted.id} accepted by {accepted.accepted_by}: {accepted.note}")
    return 0


def run_accept_all(args: argparse.Namespace) -> int:
    command = AcceptExceptions(
        business_date(args.date), officer(args, args.note), partner_id=args.partner, kind=args.kind
    )
    with opened(args) as hub:
        done = hub.settlement_api().accept_exceptions(command)
    which = " ".join(filter(None, (done.partner_id, done.kind and done.kind.value)))
    print(
        f"{done.accepted} open {which + ' ' if which else ''}exceptions of "
        f"{done.business_date.isoformat()} accepted by {done.accepted_by}: {done.note}"
    )
    return 0


def run_approve(args: argparse.Namespace) -> int:
    command = ApproveSettlement(business_date(args.date), officer(args, args.note))
    with opened(args) as hub:
        approved = hub.settlement_api().approve(command)
    print_run(approved)
    return 0


# -- signatures -----------------------------------------------------------------------------


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidField(f"cannot read the {what} {path}: {error.strerror}", field=what) from None


def _hub_public_key(args: argparse.Namespace) -> bytes:
    """The hub's own public key, from ``HUB_SIGNING_KEY``: no database needed."""
    return StatementSigner(settings_from(args).signing_key_seed()).public_key_pem


def run_verify(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = _read(path, "file")
    signature = _read(
        Path(args.signature) if args.signature else _signature_path(path), "signature"
    )
    if args.public_key:
        public_pem = _read(Path(args.public_key), "public_key")
    else:
        public_pem = _hub_public_key(args)
    try:
        verify(data, signature, public_pem)
        signer = key_id(public_pem)
    except SignatureInvalid as error:
        print(f"hub: {path}: {error}", file=sys.stderr)
        return 1
    except ValueError:
        raise InvalidField(
            f"{args.public_key} is not a PEM public key", field="public_key"
        ) from None
    print(f"ok: signed by key {signer}")
    return 0


def run_public_key(args: argparse.Namespace) -> int:
    print(_hub_public_key(args).decode("ascii"), end="")
    return 0
