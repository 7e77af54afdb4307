"""Principals, certificates, admission and rate limits, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.adapters.pki import CertificateAuthority, PkiError, principal_of
from hub.api.rate_limits import RateLimiter
from hub.domain.access import PartnerAccess, admit
from hub.domain.credentials import Credential
from hub.domain.errors import (
    CredentialRevoked,
    InvalidField,
    PartnerDisabled,
    RateLimited,
    RoleNotAllowed,
    Unauthenticated,
)
from hub.domain.partners import PartnerStatus
from hub.domain.principals import Principal, Role, person_of

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
COFFEE = Principal.partner("coffee", "abc123")


def credential(principal: Principal = COFFEE, **changes: object) -> Credential:
    fields: dict[str, object] = {
        "serial": "abc123",
        "principal": principal.with_serial(None),
        "fingerprint_sha256": "00" * 32,
        "not_before": NOW,
        "not_after": NOW + timedelta(days=365),
        "issued_at": NOW,
        "issued_by": "cli:root",
    }
    return Credential(**(fields | changes))  # type: ignore[arg-type]


ACTIVE = PartnerAccess(PartnerStatus.ACTIVE, None)


@pytest.mark.parametrize(
    "uri",
    [
        "spiffe://coalition.hub/partner/coffee",
        "spiffe://coalition.hub/staff/analyst/ana",
        "spiffe://coalition.hub/staff/operator/ada.b",
        "spiffe://coalition.hub/console/web",
    ],
)
def test_a_principal_round_trips_through_its_uri(uri):
    assert Principal.from_uri(uri).uri == uri


def test_a_certificate_of_the_admin_role_names_an_operator():
    legacy = Principal.from_uri("spiffe://coalition.hub/staff/admin/ada")

    assert legacy.role is Role.OPERATOR
    assert legacy.uri == "spiffe://coalition.hub/staff/operator/ada"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("spiffe://coalition.hub/staff/officer/olga", "spiffe://coalition.hub/staff/officer/olga"),
        ("spiffe://coalition.hub/staff/officer/olga", "spiffe://coalition.hub/staff/analyst/olga"),
        ("spiffe://coalition.hub/staff/officer/olga", "cli:olga"),
    ],
)
def test_one_person_is_one_person_whatever_the_role_or_channel(first, second):
    assert person_of(first) == person_of(second) == "staff:olga"


@pytest.mark.parametrize(
    "other",
    ["spiffe://coalition.hub/staff/officer/pat", "system:scheduler", "cli:pat"],
)
def test_other_actors_are_other_persons(other):
    assert person_of("spiffe://coalition.hub/staff/officer/olga") != person_of(other)


def test_only_a_console_relays_and_only_for_staff():
    console = Principal.console("web")
    olga = Principal.staff(Role.OFFICER, "olga")

    assert olga.relayed_by(console).via == console
    with pytest.raises(Unauthenticated):
        Principal.partner("coffee").relayed_by(console)
    with pytest.raises(Unauthenticated):
        olga.relayed_by(Principal.staff(Role.ANALYST, "ana"))


@pytest.mark.parametrize(
    "uri",
    [
        "spiffe://other.domain/partner/coffee",
        "spiffe://coalition.hub/staff/partner/coffee",
        "spiffe://coalition.hub/staff/root/ana",
        "spiffe://coalition.hub/partner/Coffee Co",
        "spiffe://coalition.hub/partner/coffee/extra",
        "",
    ],
)
def test_a_uri_that_names_no_coalition_principal_is_unauthenticated(uri):
    with pytest.raises(Unauthenticated):
        Principal.from_uri(uri)


def test_staff_are_not_partners():
    with pytest.raises(RoleNotAllowed):
        _ = Principal.staff(Role.ANALYST, "ana").partner_id
    with pytest.raises(InvalidField):
        Principal.staff(Role.PARTNER, "ana")


def test_a_client_certificate_names_its_principal_and_serial():
    authority = CertificateAuthority.create(NOW)
    issued = authority.issue_client(Principal.staff(Role.OFFICER, "oscar"), NOW, valid_days=30)
    principal = principal_of(issued.certificate_pem)
    assert (principal.role, principal.name) == (Role.OFFICER, "oscar")
    assert principal.credential_serial == issued.info.serial
    assert issued.info.not_after - issued.info.not_before == timedelta(days=30, minutes=5)


def test_the_server_certificate_names_no_principal():
    authority = CertificateAuthority.create(NOW)
    server = authority.issue_server(["localhost", "127.0.0.1"], NOW)
    with pytest.raises(Unauthenticated):
        principal_of(server.certificate_pem)


def test_client_certificates_have_a_bounded_lifetime():
    authority = CertificateAuthority.create(NOW)
    with pytest.raises(PkiError):
        authority.issue_client(COFFEE, NOW, valid_days=0)
    with pytest.raises(PkiError):
        authority.issue_client(COFFEE, NOW, valid_days=10_000)


def test_a_ca_is_saved_once_and_loaded_back(tmp_path):
    authority = CertificateAuthority.create(NOW)
    authority.save(tmp_path)
    assert (tmp_path / "ca.key").stat().st_mode & 0o077 == 0, "the CA key is private"
    assert CertificateAuthority.load(tmp_path).certificate_pem == authority.certificate_pem
    with pytest.raises(PkiError):
        authority.save(tmp_path)
    with pytest.raises(PkiError, match="hub certs init"):
        CertificateAuthority.load(tmp_path / "missing")


def test_an_accepted_credential_of_an_active_partner_is_admitted_with_its_limit():
    admission = admit(COFFEE, credential(), PartnerAccess(PartnerStatus.ACTIVE, 7))
    assert admission.rate_limit_per_s == 7


def test_a_revoked_credential_is_refused():
    revoked = credential().revoke(NOW, "cli:root", "key leaked")
    with pytest.raises(CredentialRevoked):
        admit(COFFEE, revoked, ACTIVE)
    assert revoked.revoke(NOW + timedelta(days=1), "x", "y").revoked_at == NOW


def test_a_credential_not_on_record_or_of_someone_else_is_refused():
    with pytest.raises(Unauthenticated):
        admit(COFFEE, None, ACTIVE)
    with pytest.raises(Unauthenticated):
        admit(COFFEE, credential(Principal.partner("fuel")), ACTIVE)


def test_unknown_and_disabled_partners_are_refused_and_staff_need_no_partner():
    with pytest.raises(Unauthenticated):
        admit(COFFEE, credential(), None)
    with pytest.raises(PartnerDisabled):
        admit(COFFEE, credential(), PartnerAccess(PartnerStatus.DISABLED, None))
    ana = Principal.staff(Role.ANALYST, "ana")
    assert admit(ana, None, None).rate_limit_per_s is None


class FakeSeconds:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_a_rate_limit_allows_a_second_of_burst_then_says_when_to_retry():
    seconds = FakeSeconds()
    limiter = RateLimiter(clock_s=seconds)
    for _ in range(4):
        limiter.take("coffee", 4)
    with pytest.raises(RateLimited) as refused:
        limiter.take("coffee", 4)
    assert refused.value.metadata["retry_after_s"] == "0.250"
    limiter.take("fuel", 4)  # another partner has its own bucket
    seconds.now_s += 0.25
    limiter.take("coffee", 4)
    with pytest.raises(RateLimited):
        limiter.take("coffee", 4)
