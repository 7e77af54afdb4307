"""``hub certs``: the coalition CA, and the client certificates it issues to partners and staff.

The CA key stays in the PKI directory on the operator's machine (``HUB_PKI_DIR``, ``--pki``);
the database records each certificate issued, so that revoking one takes effect from its
holder's next call on, in every hub replica.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hub import bootstrap
from hub.adapters.pki import (
    CA_CERT_FILE,
    CLIENT_VALID_DAYS_DEFAULT,
    SERVER_CERT_FILE,
    SERVER_KEY_FILE,
    CertificateAuthority,
    Issued,
)
from hub.cli import staff_client
from hub.cli.common import (
    add_database_flag,
    add_reason_flag,
    attribution,
    opened,
    print_listing,
    settings_from,
)
from hub.cli.json_output import add_json_flag
from hub.domain.clock import SystemClock
from hub.domain.credentials import Credential
from hub.domain.principals import STAFF_ROLES, Principal, staff_role
from hub.services.commands import Attribution, RecordCredential, RevokeCredential

DEFAULT_HOSTS = ("localhost", "127.0.0.1")


def register(subcommands: Any) -> None:
    certs = subcommands.add_parser("certs", help="the coalition CA and client certificates")
    actions = certs.add_subparsers(dest="action", required=True, metavar="ACTION")

    init = actions.add_parser("init", help="create the CA and the hub's server certificate")
    init.add_argument(
        "--host",
        action="append",
        help="a DNS name or IP callers reach the hub by (repeatable; default localhost, 127.0.0.1)",
    )
    init.set_defaults(run=run_init)

    issue = actions.add_parser("issue", help="issue a client certificate")
    issue.add_argument("kind", choices=("partner", "staff", "console", "gateway"))
    issue.add_argument(
        "name",
        help="the partner id, the staff member's name (one per person), the console's "
        "or the REST gateway's",
    )
    issue.add_argument(
        "--role", choices=[*(role.value for role in STAFF_ROLES), "admin"], help="staff only"
    )
    issue.add_argument(
        "--hub",
        metavar="HOST:PORT",
        default=staff_client.DEFAULT_HUB_ADDRESS,
        help="where the holder reaches the hub, written into a staff member's profile",
    )
    _issue_flags(issue)
    issue.set_defaults(run=run_issue)

    renew = actions.add_parser("renew", help="issue a fresh certificate to the same principal")
    renew.add_argument("serial")
    renew.add_argument(
        "--revoke-old",
        action="store_true",
        help="revoke the old one at once (default: let it expire)",
    )
    _issue_flags(renew)
    renew.set_defaults(run=run_renew)

    revoke = actions.add_parser("revoke", help="refuse a certificate from its next call on")
    revoke.add_argument("serial")
    add_reason_flag(revoke)
    revoke.set_defaults(run=run_revoke)

    listing = actions.add_parser("list", help="certificates issued, with their state")
    listing.add_argument("--principal", help="only this principal's (a spiffe:// URI)")
    add_json_flag(listing)
    listing.set_defaults(run=run_list)

    for action in actions.choices.values():
        action.add_argument(
            "--pki", metavar="DIR", help="the CA's directory (default $HUB_PKI_DIR or ./pki)"
        )
        if action is not init:
            add_database_flag(action)


def _issue_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=CLIENT_VALID_DAYS_DEFAULT, help="validity")
    parser.add_argument("--out", metavar="DIR", help="where to write it (default: <pki>/issued)")
    add_reason_flag(parser)


def _pki_dir(args: argparse.Namespace) -> Path:
    return Path(args.pki or settings_from(args).pki_dir)


def run_init(args: argparse.Namespace) -> int:
    directory = _pki_dir(args)
    now = SystemClock().now()
    authority = CertificateAuthority.create(now)
    authority.save(directory)
    server = authority.issue_server(args.host or DEFAULT_HOSTS, now)
    server.write(directory, Path(SERVER_CERT_FILE).stem)
    print(f"created the coalition CA and the hub's server certificate in {directory}/")
    print("serve with mTLS by setting:")
    print(f"  HUB_TLS_CERT={directory / SERVER_CERT_FILE}")
    print(f"  HUB_TLS_KEY={directory / SERVER_KEY_FILE}")
    print(f"  HUB_TLS_CLIENT_CA={directory / CA_CERT_FILE}")
    return 0


def _principal(args: argparse.Namespace) -> Principal:
    if args.kind == "partner":
        return Principal.partner(args.name)
    if args.kind == "console":
        return Principal.console(args.name)
    if args.kind == "gateway":
        return Principal.gateway(args.name)
    role = staff_role(args.role or "")
    if role is None:
        raise SystemExit("hub: a staff certificate needs --role (analyst, officer or operator)")
    return Principal.staff(role, args.name)


def run_issue(args: argparse.Namespace) -> int:
    principal = _principal(args)
    with opened(args) as hub:
        _issue(args, hub, principal, renews=None)
    return 0


def run_renew(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        old = hub.operator.get_credential(args.serial)
        _issue(args, hub, old.principal, renews=old.serial)
        if args.revoke_old:
            hub.operator.revoke_credential(
                RevokeCredential(old.serial, changed_by=attribution(args))
            )
            print(f"revoked the old certificate {old.serial}")
    return 0


def issue_credential(
    hub: bootstrap.Hub,
    authority: CertificateAuthority,
    principal: Principal,
    *,
    changed_by: Attribution,
    valid_days: int = CLIENT_VALID_DAYS_DEFAULT,
    renews: str | None = None,
) -> Issued:
    """Sign a client certificate for ``principal`` and record it, so the hub accepts it."""
    # Certificates live by the real clock (TLS checks them so), whatever the hub's clock says.
    issued = authority.issue_client(principal, SystemClock().now(), valid_days=valid_days)
    info = issued.info
    hub.operator.record_credential(
        RecordCredential(
            serial=info.serial,
            principal_uri=principal.uri,
            fingerprint_sha256=info.fingerprint_sha256,
            not_before=info.not_before,
            not_after=info.not_after,
            renews=renews,
            changed_by=changed_by,
        )
    )
    return issued


def write_for_holder(issued: Issued, authority: CertificateAuthority, out: Path, stem: str) -> None:
    """Write the certificate, its key (owner-only) and the CA next to them."""
    certificate_path, key_path = issued.write(out, stem)
    (out / CA_CERT_FILE).write_bytes(authority.certificate_pem)
    info = issued.info
    until = f"{info.not_after:%Y-%m-%d}"
    print(f"issued certificate {info.serial} to {info.principal_uri}, valid until {until}")
    print(f"  certificate: {certificate_path}")
    print(f"  private key: {key_path} (for its holder only)")
    print(f"  CA:          {out / CA_CERT_FILE}")


def _issue(
    args: argparse.Namespace, hub: bootstrap.Hub, principal: Principal, *, renews: str | None
) -> None:
    directory = _pki_dir(args)
    authority = CertificateAuthority.load(directory)
    issued = issue_credential(
        hub, authority, principal, changed_by=attribution(args), valid_days=args.days, renews=renews
    )
    out = Path(args.out) if args.out else directory / "issued"
    stem = f"{principal.role.value}-{principal.name}"
    write_for_holder(issued, authority, out, stem)
    if principal.role in STAFF_ROLES:
        profile = staff_client.write_profile(out, stem, getattr(args, "hub", None))
        print(f"  profile:     {profile} (hub fraud|settle|partner|rules --profile {profile})")


def run_revoke(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        revoked = hub.operator.revoke_credential(
            RevokeCredential(args.serial, changed_by=attribution(args))
        )
    print(f"revoked certificate {revoked.serial} of {revoked.principal.uri}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        found = hub.operator.list_credentials(args.principal)
    print_listing(
        ("serial", "principal", "issued", "not after", "state", "renews"),
        [_row(credential) for credential in found],
        [_record(credential) for credential in found],
    )
    return 0


def _record(credential: Credential) -> dict[str, object]:
    return {
        "serial": credential.serial,
        "principal": credential.principal.uri,
        "role": credential.principal.role,
        "name": credential.principal.name,
        "state": "revoked" if credential.revoked else "accepted",
        "fingerprint_sha256": credential.fingerprint_sha256,
        "not_before": credential.not_before,
        "not_after": credential.not_after,
        "issued_at": credential.issued_at,
        "issued_by": credential.issued_by,
        "renews": credential.renews,
        "revoked_at": credential.revoked_at,
        "revoked_by": credential.revoked_by,
        "revoked_reason": credential.revoked_reason,
    }


def _row(credential: Credential) -> tuple[object, ...]:
    state = f"revoked {credential.revoked_at:%Y-%m-%d}" if credential.revoked_at else "accepted"
    return (
        credential.serial,
        credential.principal.uri,
        credential.issued_at,
        credential.not_after,
        state,
        credential.renews or "",
    )
