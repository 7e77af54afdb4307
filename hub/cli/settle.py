"""``hub settle``: run, show and approve the nightly settlement, write and verify signed
statements, import partners' reports and work their reconciliation exceptions.

Officers work through the hub's settlement service with their own certificate (flags or a
profile: see ``hub.cli.staff_client``): the hub knows who ran, accepted or approved from the
TLS handshake, so whoever ran a day cannot approve it, whichever channels they use. A staff
machine holds no database URL and no key.

``hub settle-due`` is the hub operator's, for cron on the hub's own machine (as ``hub sweep``
is): it opens the database with the hub's keys and settles every closed day due as
``system:scheduler``, exactly as ``hub serve``'s nightly thread does, so any officer approves
those runs and no person can be named at a terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from coalition.hub.v1 import settlement_pb2
from hub import bootstrap
from hub.cli.common import (
    add_database_flag,
    notice,
    opened,
    print_page_json,
    print_record,
)
from hub.cli.json_output import add_json_flag
from hub.cli.progress import Display, add_progress_flag, progress_for
from hub.cli.settle_views import (
    by_kind,
    counts_of,
    print_days,
    print_liabilities,
    print_page,
    print_run,
    run_view,
    who,
)
from hub.cli.staff_client import StaffClient, add_connection_flags, connected
from hub.domain.errors import InvalidField
from hub.services.commands import GetStatement, RunSettlement
from hub.services.exception_pages import EXCEPTIONS_PAGE_SIZE_MAX
from hub.services.ports.reconciliation import ExceptionKind
from hub.services.results import SettlementRunView
from hub.services.schedule import SCHEDULER
from hub.services.settlement_days import SETTLEMENT_DAYS_PAGE_SIZE_MAX
from settlement.periods import parse_business_date
from settlement.signing import SignatureInvalid, key_id, verify

PUBLIC_KEY_FILE = "hub-signing-key.pem"
"""Written next to the statements, so a partner can check them without asking for the key."""
SIGNATURE_SUFFIX = ".sig"
_NOT_RUN = settlement_pb2.SETTLEMENT_DAY_STATE_NOT_RUN


def register(subcommands: Any) -> None:
    settle = subcommands.add_parser(
        "settle", help="settlement officers: run, show, approve, statements, reconciliation"
    )
    actions = settle.add_subparsers(dest="action", required=True, metavar="ACTION")
    for parser in (*_register_runs(actions), *_register_reconciliation(actions)):
        add_connection_flags(parser)
    _register_keys(actions)
    due = subcommands.add_parser(
        "settle-due",
        help="the operator's cron job on the hub's machine: settle every closed day due as "
        "system:scheduler (opens the database with the hub's keys; officers use `hub settle`)",
    )
    due.add_argument("--date", help="business date YYYY-MM-DD (default: every day due)")
    due.add_argument("--out", metavar="DIR", help="also write the statements under DIR")
    add_database_flag(due)
    add_progress_flag(due)
    due.set_defaults(run=run_settle_due)


def _register_runs(actions: Any) -> list[argparse.ArgumentParser]:
    run = actions.add_parser("run", help="settle one closed day, or every closed unsettled day")
    run.add_argument("--date", help="business date YYYY-MM-DD (default: every day due)")
    run.add_argument("--out", metavar="DIR", help="also write the statements under DIR")
    add_progress_flag(run)
    run.set_defaults(run=run_run)
    show = actions.add_parser("show", help="a run: matrix, net positions, transfers")
    show.add_argument("--date", help="business date YYYY-MM-DD (default: the latest run)")
    show.add_argument("--json", action="store_true", help="print the signed summary JSON")
    show.set_defaults(run=run_show)
    days = actions.add_parser("days", help="the night board: days, their state and who did what")
    days.add_argument(
        "--page-size",
        type=int,
        default=0,
        metavar="N",
        help=f"days per page (default 31, at most {SETTLEMENT_DAYS_PAGE_SIZE_MAX})",
    )
    days.add_argument("--page-token", default="", metavar="TOKEN", help="the next page's")
    add_json_flag(days)
    days.set_defaults(run=run_days)
    written = actions.add_parser("statements", help="write every partner's signed statements")
    written.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    written.add_argument("--out", metavar="DIR", required=True, help="written under DIR/<date>/")
    written.set_defaults(run=run_statements)
    owed = actions.add_parser("liabilities", help="points outstanding per issuer, and value")
    owed.add_argument("--date", help="a settled day (default: the latest)")
    add_json_flag(owed)
    owed.set_defaults(run=run_liabilities)
    return [run, show, days, written, owed]


def _register_reconciliation(actions: Any) -> list[argparse.ArgumentParser]:
    kinds = tuple(kind.value for kind in ExceptionKind)
    imported = actions.add_parser("import", help="import a partner's report and match it")
    imported.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    imported.add_argument("--partner", required=True, metavar="ID")
    imported.add_argument("file", metavar="FILE", help="the report CSV ('-': standard input)")
    imported.set_defaults(run=run_import)
    listed = actions.add_parser("exceptions", help="a day's reconciliation exceptions")
    listed.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    listed.add_argument("--partner", metavar="ID", help="only this partner's")
    listed.add_argument("--kind", choices=kinds, help="only this kind")
    listed.add_argument("--all", action="store_true", help="accepted ones too")
    listed.add_argument(
        "--page-size",
        type=int,
        default=0,
        metavar="N",
        help=f"exceptions per page (default 100, at most {EXCEPTIONS_PAGE_SIZE_MAX})",
    )
    listed.add_argument("--page-token", default="", metavar="TOKEN", help="the next page's")
    add_json_flag(listed)
    listed.set_defaults(run=run_exceptions)
    accept = actions.add_parser("accept", help="accept an exception with a note")
    accept.add_argument("exception_id")
    accept.add_argument("--note", required=True, help="why it is acceptable; audited")
    accept.set_defaults(run=run_accept)
    accept_all = actions.add_parser(
        "accept-all", help="accept a day's open exceptions at once, with one note"
    )
    accept_all.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    accept_all.add_argument("--partner", metavar="ID", help="only this partner's")
    accept_all.add_argument("--kind", choices=kinds, help="only this kind")
    accept_all.add_argument("--note", required=True, help="why they are acceptable; audited")
    accept_all.set_defaults(run=run_accept_all)
    approve = actions.add_parser("approve", help="approve a run (not by whoever ran it)")
    approve.add_argument("--date", required=True, help="business date YYYY-MM-DD")
    approve.add_argument("--note", required=True, help="for the audit log")
    approve.set_defaults(run=run_approve)
    return [imported, listed, accept, accept_all, approve]


def _register_keys(actions: Any) -> None:
    check = actions.add_parser(
        "verify", help="check a statement file's signature (no hub needed with --public-key)"
    )
    check.add_argument("file", metavar="FILE")
    check.add_argument("--signature", metavar="SIG", help="default: FILE.sig")
    check.add_argument(
        "--public-key", metavar="PEM", help="the hub's public key (default: ask the hub)"
    )
    check.set_defaults(run=run_verify)
    add_connection_flags(check)
    public = actions.add_parser("public-key", help="print the hub's statement-signing key (PEM)")
    public.set_defaults(run=run_public_key)
    add_connection_flags(public)


# -- arguments ------------------------------------------------------------------------------


def business_date(text: str) -> date:
    return parse_business_date(text, field="date")


def _date_text(text: str | None) -> str:
    """The date as the hub takes it ('' when not given), checked here first."""
    return business_date(text).isoformat() if text is not None else ""


# -- runs -----------------------------------------------------------------------------------


def run_run(args: argparse.Namespace) -> int:
    day = _date_text(args.date)
    with connected(args) as client, progress_for(args, "settle run") as progress:
        days = [day] if day else _due_days(client)
        progress.stage("settling days", len(days), "days")
        for due in days:
            progress.note(f"settling {due} on the hub")
            ran = client.call(
                client.settlement.RunSettlement,
                settlement_pb2.RunSettlementRequest(business_date=due),
            )
            progress.clear()  # the day's figures go to standard output, maybe the same terminal
            print_run(run_view(ran))
            if args.out:
                write_statements(client, ran, Path(args.out))
            progress.advance(1, f"settled {due} on the hub")
    if not days:
        print("nothing to settle: every closed business day is settled")
    return 0


def _due_days(client: StaffClient) -> list[str]:
    """The closed days not settled yet, oldest first (days settle in order): the newest days
    of the night board."""
    due: list[str] = []
    for page in _day_pages(client):
        not_run = [day.business_date for day in page.days if day.state == _NOT_RUN]
        due.extend(not_run)
        if len(not_run) < len(page.days):
            break
    return sorted(due)


def _day_pages(client: StaffClient) -> Iterator[settlement_pb2.ListSettlementDaysResponse]:
    token = ""
    while True:
        request = settlement_pb2.ListSettlementDaysRequest(
            page_size=SETTLEMENT_DAYS_PAGE_SIZE_MAX, page_token=token
        )
        page = client.call(client.settlement.ListSettlementDays, request)
        yield page
        token = page.next_page_token
        if not token:
            return


def run_settle_due(args: argparse.Namespace) -> int:
    """The operator's cron run: every day due (or ``--date``), as the nightly thread runs."""
    day = business_date(args.date) if args.date else None
    with opened(args) as hub, progress_for(args, "settle-due") as progress:
        api = hub.settlement_api()
        if day is None:
            runs = api.run_due(SCHEDULER, progress)
        else:
            progress.stage("settling days", 1, "days")
            steps = partial(_day_step, progress, day)
            runs = [api.run(RunSettlement(day, SCHEDULER), steps)]
            progress.advance(1, f"settled {day.isoformat()}")
        progress.finish()
        for settled in runs:
            print(f"settled {settled.business_date.isoformat()} as {settled.run_by}")
            if args.out:
                write_local_statements(hub, settled, Path(args.out))
    if not runs:
        print("nothing to settle: every closed business day is settled")
    return 0


def _day_step(progress: Display, day: date, step: str) -> None:
    """A step of the day's run (``hub.services.ports.settlement.Progress``), as a note."""
    progress.note(f"{day.isoformat()}: {step}")


def _get(client: StaffClient, day: str) -> settlement_pb2.SettlementRun:
    request = settlement_pb2.GetSettlementRequest(business_date=day)
    return client.call(client.settlement.GetSettlement, request)  # type: ignore[no-any-return]


def run_show(args: argparse.Namespace) -> int:
    with connected(args) as client:
        shown = _get(client, _date_text(args.date))
    if args.json:
        _write_exactly(shown.summary_json)
    else:
        print_run(run_view(shown))
    return 0


def _write_exactly(data: bytes) -> None:
    """The bytes as signed, to a binary standard output (UTF-8 text to a redirected one)."""
    sys.stdout.flush()
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    binary.write(data)
    binary.flush()


def run_days(args: argparse.Namespace) -> int:
    request = settlement_pb2.ListSettlementDaysRequest(
        page_size=args.page_size, page_token=args.page_token
    )
    with connected(args) as client:
        print_days(client.call(client.settlement.ListSettlementDays, request))
    return 0


def run_statements(args: argparse.Namespace) -> int:
    day, out = _date_text(args.date), Path(args.out)
    with connected(args) as client:
        write_statements(client, _get(client, day), out)
    return 0


def write_statements(
    client: StaffClient, settled: settlement_pb2.SettlementRun, out: Path
) -> list[Path]:
    """Write DIR/<date>/<partner>.json, .csv and their raw signatures, and the hub's public key
    when it is the one that signed them; returns the statement files written."""
    folder = out / settled.business_date
    written = []
    for partner in settled.positions:
        request = settlement_pb2.GetStatementRequest(
            business_date=settled.business_date, partner_id=partner.partner_id
        )
        written += write_statement(folder, client.call(client.settlement.GetStatement, request))
    key = _signing_key(client)
    write_public_key(folder, key.key_id, key.public_key_pem, signed_by=settled.signing_key_id)
    print(f"wrote {len(written)} statements to {folder}", file=sys.stderr)
    return written


def write_local_statements(hub: bootstrap.Hub, day: SettlementRunView, out: Path) -> None:
    """``write_statements`` on the hub's own machine (the operator's cron run, the demo)."""
    api, folder = hub.settlement_api(), out / day.business_date.isoformat()
    for partner in day.settlement.partners:
        write_statement(folder, api.statement(GetStatement(day.business_date, partner.partner_id)))
    key = api.signing_key()
    write_public_key(folder, key.key_id, key.public_key_pem, signed_by=day.signing_key_id)


class SignedStatement(Protocol):
    """A partner's statement in both forms with their signatures (the hub's message, or the
    use case's view)."""

    @property
    def partner_id(self) -> str: ...
    @property
    def json(self) -> bytes: ...
    @property
    def json_signature(self) -> bytes: ...
    @property
    def csv(self) -> bytes: ...
    @property
    def csv_signature(self) -> bytes: ...


def write_statement(folder: Path, statement: SignedStatement) -> list[Path]:
    """Write ``<partner>.json`` and ``.csv`` with their raw signatures under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, data, signature in (
        (".json", statement.json, statement.json_signature),
        (".csv", statement.csv, statement.csv_signature),
    ):
        path = folder / f"{statement.partner_id}{suffix}"
        path.write_bytes(data)
        _signature_path(path).write_bytes(signature)
        written.append(path)
    return written


def _signing_key(client: StaffClient) -> settlement_pb2.SigningKey:
    request = settlement_pb2.GetSigningKeyRequest()
    return client.call(client.settlement.GetSigningKey, request)  # type: ignore[no-any-return]


def write_public_key(folder: Path, key_id: str, public_key_pem: bytes, *, signed_by: str) -> None:
    """The hub's current public key, unless the key has rotated since the day was signed."""
    if key_id == signed_by:
        (folder / PUBLIC_KEY_FILE).write_bytes(public_key_pem)
    else:
        print(
            f"hub: not writing {PUBLIC_KEY_FILE}: the statements were signed by key {signed_by}, "
            f"the hub's key is now {key_id}",
            file=sys.stderr,
        )


def _signature_path(path: Path) -> Path:
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def run_liabilities(args: argparse.Namespace) -> int:
    request = settlement_pb2.GetLiabilitiesRequest(business_date=_date_text(args.date))
    with connected(args) as client:
        owed = client.call(client.settlement.GetLiabilities, request)
    print_record(owed, lambda: print_liabilities(owed))
    return 0


# -- reconciliation -------------------------------------------------------------------------


def _read_report(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as error:
        raise InvalidField(f"cannot read {name}: {error.strerror}", field="file") from None


def run_import(args: argparse.Namespace) -> int:
    request = settlement_pb2.ImportReportRequest(
        business_date=_date_text(args.date),
        partner_id=args.partner,
        report_csv=_read_report(args.file),
    )
    with connected(args) as client:
        matched = client.call(client.settlement.ImportReport, request)
    counts = counts_of(matched)
    print(
        f"{matched.partner_id} {matched.business_date}: {matched.matched} matched, "
        f"{matched.exceptions_total} exceptions ({by_kind(counts)})"
    )
    if matched.exceptions:
        print_page(matched.exceptions, matched.exceptions_total, matched.next_page_token)
    return 0


def run_exceptions(args: argparse.Namespace) -> int:
    request = settlement_pb2.ListExceptionsRequest(
        business_date=_date_text(args.date),
        partner_id=args.partner or "",
        kind=args.kind or "",
        include_accepted=args.all,
        page_size=args.page_size,
        page_token=args.page_token,
    )
    with connected(args) as client:
        page = client.call(client.settlement.ListExceptions, request)
    if print_page_json(page):
        return 0
    print_page(page.exceptions, page.total, page.next_page_token)
    notice(by_kind(counts_of(page)))
    return 0


def run_accept(args: argparse.Namespace) -> int:
    request = settlement_pb2.AcceptExceptionRequest(exception_id=args.exception_id, note=args.note)
    with connected(args) as client:
        accepted = client.call(client.settlement.AcceptException, request)
    by = who(accepted.accepted_by_actor)
    print(f"exception {accepted.exception_id} accepted by {by}: {accepted.note}")
    return 0


def run_accept_all(args: argparse.Namespace) -> int:
    day = _date_text(args.date)
    request = settlement_pb2.AcceptExceptionsRequest(
        business_date=day, partner_id=args.partner or "", kind=args.kind or "", note=args.note
    )
    with connected(args) as client:
        done = client.call(client.settlement.AcceptExceptions, request)
    which = " ".join(filter(None, (args.partner, args.kind)))
    print(
        f"{done.accepted} open {which + ' ' if which else ''}exceptions of {day} accepted by "
        f"{who(done.accepted_by)}: {args.note}"
    )
    return 0


def run_approve(args: argparse.Namespace) -> int:
    request = settlement_pb2.ApproveSettlementRequest(
        business_date=_date_text(args.date), note=args.note
    )
    with connected(args) as client:
        approved = client.call(client.settlement.ApproveSettlement, request)
    print_run(run_view(approved))
    return 0


# -- signatures -----------------------------------------------------------------------------


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidField(f"cannot read the {what} {path}: {error.strerror}", field=what) from None


def _hub_public_key(args: argparse.Namespace) -> bytes:
    """The hub's public key, asked of the hub as this person."""
    with connected(args) as client:
        return _signing_key(client).public_key_pem


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
