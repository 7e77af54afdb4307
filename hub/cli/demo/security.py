"""The demo's security chapter: a coalition CA of its own, a certificate per partner, partners
kept out of each other's holds, a revoked certificate refused, and the audit log verified."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hub import bootstrap
from hub.adapters.pki import CA_CERT_FILE, CertificateAuthority
from hub.api.server import ServerTls
from hub.cli.audit import print_report
from hub.cli.certs import issue_credential
from hub.cli.common import print_table
from hub.cli.demo.partners import PARTNERS, PARTNERS_BY_ID, new_order_id
from hub.domain.principals import Principal
from hub.services.audit import verify_audit
from hub.services.commands import Attribution, RevokeCredential
from partner_sdk import HubClient, HubError, Identifier

SECURITY_OFFICER = Attribution("spiffe://coalition.hub/staff/admin/demo", "demo credentials")
AUDIT_RECORDS_SHOWN = 6
DEMO_CALL_TIMEOUT_S = 30.0
"""Per attempt. The demo's 8 tills share one SQLite writer and one process with the hub, so
on a busy or slow machine a call can wait well past a till's usual 5 s; the tour is about what
the hub answers, not how fast, and must not fail on a slow laptop."""


@dataclass(frozen=True)
class DemoPki:
    authority: CertificateAuthority
    directory: Path

    @classmethod
    def create(cls, directory: Path) -> DemoPki:
        authority = CertificateAuthority.create(datetime.now(UTC))
        authority.save(directory)
        return cls(authority, directory)

    def server_tls(self) -> ServerTls:
        return ServerTls.issued_by(self.authority, ["localhost", "127.0.0.1"], datetime.now(UTC))

    def issue(self, hub: bootstrap.Hub, principal: Principal, stem: str) -> str:
        """Issue, record and write a partner's certificate; its serial."""
        issued = issue_credential(hub, self.authority, principal, changed_by=SECURITY_OFFICER)
        issued.write(self.directory / "issued", stem)
        return issued.info.serial

    def connect(self, target: str, stem: str) -> HubClient:
        issued = self.directory / "issued"
        return HubClient.connect(
            target,
            certificate=issued / f"{stem}.crt",
            private_key=issued / f"{stem}.key",
            ca=self.directory / CA_CERT_FILE,
            timeout_s=DEMO_CALL_TIMEOUT_S,
        )


def issue_partner_certificates(hub: bootstrap.Hub, pki: DemoPki) -> None:
    print(f"\nCredentials: a coalition CA in {pki.directory}, a client certificate per partner")
    rows = []
    for partner in PARTNERS:
        serial = pki.issue(hub, Principal.partner(partner.partner_id), partner.partner_id)
        rows.append((partner.partner_id, serial, Principal.partner(partner.partner_id).uri))
    print_table(("partner", "certificate serial", "names"), rows)


def connect_partners(pki: DemoPki, target: str) -> dict[str, HubClient]:
    """Each partner's SDK client, connected with its own certificate over mTLS."""
    return {p.partner_id: pki.connect(target, p.partner_id) for p in PARTNERS}


def show_partners_kept_apart(clients: dict[str, HubClient], card: Identifier) -> None:
    coffee, fuel = clients["coffee"], clients["fuel"]
    print("\nPartners see only their own business: Fill Up tries Bean There's hold")
    hold = coffee.authorize(
        card,
        amount_minor=20_000,
        currency=PARTNERS_BY_ID["coffee"].currency,
        order_id=new_order_id(PARTNERS_BY_ID["coffee"]),
        points=10,
    )
    for label, attempt in (
        ("look at it", lambda: fuel.get_hold(hold.hold_id)),
        ("capture it", lambda: fuel.capture(hold.hold_id)),
        ("void it", lambda: fuel.void(hold.hold_id)),
    ):
        try:
            attempt()
        except HubError as error:
            print(f"  fuel tries to {label:<10} -> {error.code.name} {error.reason}")
    voided = coffee.void(hold.hold_id)
    print(f"  the hold is still Bean There's to resolve: it voids it ({voided.status.value})")


def show_revocation(hub: bootstrap.Hub, pki: DemoPki, target: str) -> None:
    print("\nA till's certificate is revoked: refused from its next call, no restart")
    serial = pki.issue(hub, Principal.partner("coffee"), "coffee-till-7")
    with pki.connect(target, "coffee-till-7") as till:
        till.ping()
        print(f"  till 7 (certificate {serial}) pings the hub: ok")
        hub.operator.revoke_credential(RevokeCredential(serial, changed_by=SECURITY_OFFICER))
        try:
            till.ping()
        except HubError as error:
            print(f"  revoked, it pings again -> {error.code.name} {error.reason}")


def show_audit_log(hub: bootstrap.Hub) -> bool:
    print("\nAudit log: every staff change, who, what and why, MAC-chained")
    records = hub.operator.list_audit(limit=AUDIT_RECORDS_SHOWN)
    print_table(
        ("seq", "actor", "action", "target", "reason"),
        [(r.seq, r.event.actor, r.event.action, r.event.target, r.event.reason) for r in records],
    )
    report = verify_audit(uow_factory=hub.uow_factory, keys=hub.settings.audit_keys())
    print_report(report)
    return report.ok
