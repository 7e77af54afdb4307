"""Connecting with a partner certificate: local checks first, then real TLS servers."""

from __future__ import annotations

import socket
from pathlib import Path

import grpc
import pytest
from cryptography import x509

from hub.domain.principals import Principal, Role
from partner_sdk import AsyncHubClient, CertificateError, HubClient, HubError, Unavailable

from .fakes import NOW, FakeClock, FakePartnerService, served
from .pki import Pki, days


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_partner_certificate_connects_and_names_the_partner(
    pki: Pki, tls_hub: FakePartnerService
) -> None:
    with HubClient.connect(tls_hub.target, **pki.partner("coffee").kwargs()) as client:
        assert client.partner_id == "coffee"
        assert client.ping() == NOW

    assert tls_hub.methods() == ["Ping"]


def test_over_mtls_the_certificate_not_metadata_names_the_partner(
    pki: Pki, tls_hub: FakePartnerService
) -> None:
    with HubClient.connect(tls_hub.target, **pki.partner("coffee").kwargs()) as client:
        client.ping()

    metadata = tls_hub.received[0].metadata
    assert "x-hub-partner-id" not in metadata
    assert len(metadata["x-request-id"]) == 32


def test_an_expired_certificate_is_refused_before_any_connection(
    pki: Pki, tls_hub: FakePartnerService
) -> None:
    files = pki.partner(issued_at=pki.now - days(10), valid_days=1)
    expired_at = (pki.now - days(9)).strftime("%Y-%m-%d %H:%M")

    with pytest.raises(CertificateError, match=f"expired at {expired_at}") as raised:
        HubClient.connect(tls_hub.target, **files.kwargs())

    assert str(files.certificate) in raised.value.message
    assert tls_hub.received == []


def test_a_certificate_not_yet_valid_says_from_when(pki: Pki) -> None:
    files = pki.partner(issued_at=pki.now + days(2))

    with pytest.raises(CertificateError, match="is not valid until") as raised:
        HubClient.connect("127.0.0.1:1", **files.kwargs())

    assert (pki.now + days(2)).strftime("%Y-%m-%d") in raised.value.message
    assert "clock" in raised.value.message


def test_a_certificate_from_another_ca_is_refused_naming_its_issuer(
    pki: Pki, tls_hub: FakePartnerService
) -> None:
    files = pki.partner(ca=pki.other_ca)

    with pytest.raises(CertificateError, match="is not signed by the CA in") as raised:
        HubClient.connect(tls_hub.target, **files.kwargs())

    assert "Some Other CA" in raised.value.message
    assert tls_hub.received == []


def test_a_key_that_is_not_the_certificates_is_refused(pki: Pki) -> None:
    coffee, tea = pki.partner("coffee"), pki.partner("tea")

    with pytest.raises(CertificateError) as raised:
        HubClient.connect(
            "127.0.0.1:1",
            certificate=coffee.certificate,
            private_key=tea.private_key,
            ca=pki.ca_file,
        )

    assert raised.value.message == (
        f"private key {tea.private_key} does not belong to certificate {coffee.certificate}"
    )


@pytest.mark.parametrize(
    ("missing", "label"),
    [("certificate", "certificate"), ("private_key", "private key"), ("ca", "CA certificate")],
)
def test_a_missing_file_is_named(pki: Pki, tmp_path: Path, missing: str, label: str) -> None:
    arguments = {**pki.partner().kwargs(), missing: tmp_path / "nowhere.pem"}

    with pytest.raises(CertificateError) as raised:
        HubClient.connect("127.0.0.1:1", **arguments)

    assert raised.value.message == f"{label} file {tmp_path / 'nowhere.pem'} does not exist"


def test_a_directory_given_as_a_file_cannot_be_read(pki: Pki, tmp_path: Path) -> None:
    arguments = {**pki.partner().kwargs(), "ca": tmp_path}

    with pytest.raises(CertificateError, match=f"cannot read CA certificate file {tmp_path}: "):
        HubClient.connect("127.0.0.1:1", **arguments)


def test_swapped_certificate_and_key_files_are_not_pem_of_the_right_kind(pki: Pki) -> None:
    files = pki.partner()

    with pytest.raises(CertificateError) as raised:
        HubClient.connect(
            "127.0.0.1:1", certificate=files.private_key, private_key=files.certificate, ca=files.ca
        )

    assert raised.value.message == f"certificate {files.private_key} is not a PEM certificate"


def test_a_key_file_that_is_not_pem_is_refused(pki: Pki, tmp_path: Path) -> None:
    files = pki.partner()
    garbage = tmp_path / "garbage.key"
    garbage.write_bytes(b"\x30\x82 not pem at all")

    with pytest.raises(CertificateError) as raised:
        HubClient.connect(
            "127.0.0.1:1", certificate=files.certificate, private_key=garbage, ca=files.ca
        )

    assert raised.value.message == f"private key {garbage} is not a PEM private key"


def test_an_encrypted_key_is_refused_because_grpc_cannot_decrypt_it(pki: Pki) -> None:
    files = pki.partner()
    files.encrypt_private_key()

    with pytest.raises(CertificateError, match="is encrypted; the SDK needs it unencrypted"):
        HubClient.connect("127.0.0.1:1", **files.kwargs())


def test_a_server_certificate_is_not_a_client_certificate(pki: Pki) -> None:
    files = pki.files(pki.ca.issue_server(["coffee.example"], pki.now), "server")

    with pytest.raises(CertificateError, match="is not a client certificate") as raised:
        HubClient.connect("127.0.0.1:1", **files.kwargs())

    assert "clientAuth" in raised.value.message


def test_a_certificate_naming_no_coalition_principal_is_refused(pki: Pki) -> None:
    files = pki.client_certificate_naming([x509.DNSName("coffee.example")])

    with pytest.raises(CertificateError, match="names no coalition principal") as raised:
        HubClient.connect("127.0.0.1:1", **files.kwargs())

    assert "spiffe://coalition.hub/partner/<partner id>" in raised.value.message


def test_a_staff_certificate_is_not_a_partners(pki: Pki) -> None:
    staff = pki.ca.issue_client(Principal.staff(Role.ADMIN, "alice"), pki.now)

    named = r"coalition\.hub/staff/operator/alice, not a partner"
    with pytest.raises(CertificateError, match=named):
        HubClient.connect("127.0.0.1:1", **pki.files(staff, "alice").kwargs())


def test_a_certificate_error_is_a_hub_error_but_not_unavailable() -> None:
    error = CertificateError("certificate coffee.crt expired")

    assert isinstance(error, HubError)
    assert not isinstance(error, Unavailable)
    assert (error.code, error.reason) == (grpc.StatusCode.UNAVAILABLE, "")


def test_a_hub_certificate_from_an_unknown_ca_is_a_certificate_error_and_not_retried(
    pki: Pki, clock: FakeClock
) -> None:
    hub_credentials = pki.server_credentials(ca=pki.other_ca)
    with served(FakePartnerService(), hub_credentials) as hub:
        client = HubClient.connect(hub.target, retry=clock.policy(), **pki.partner().kwargs())
        with client, pytest.raises(CertificateError) as raised:
            client.ping()

    assert "the hub's certificate did not verify against the CA" in raised.value.message
    assert "CERTIFICATE_VERIFY_FAILED" in raised.value.message
    assert raised.value.request_id
    assert clock.sleeps == []
    assert hub.received == []


def test_a_hub_certificate_for_another_host_is_a_certificate_error(pki: Pki) -> None:
    with served(FakePartnerService(), pki.server_credentials(["hub.example"])) as hub:
        client = HubClient.connect(hub.target, retry=None, **pki.partner().kwargs())
        with client, pytest.raises(CertificateError) as raised:
            client.ping()

    assert "does not name the host" in raised.value.message
    assert "server_name" in raised.value.message


def test_server_name_connects_by_ip_to_a_hub_certified_for_a_host_name(pki: Pki) -> None:
    with served(FakePartnerService(), pki.server_credentials(["hub.example"])) as hub:
        files = pki.partner()
        with HubClient.connect(hub.target, server_name="hub.example", **files.kwargs()) as client:
            assert client.ping() == NOW


def test_an_empty_server_name_is_refused(pki: Pki) -> None:
    with pytest.raises(ValueError, match="server_name"):
        HubClient.connect("127.0.0.1:1", server_name="", **pki.partner().kwargs())


def test_nothing_listening_is_unavailable_not_a_certificate_error(pki: Pki) -> None:
    client = HubClient.connect(f"127.0.0.1:{closed_port()}", retry=None, **pki.partner().kwargs())
    with client, pytest.raises(Unavailable) as raised:
        client.ping()

    assert not isinstance(raised.value, CertificateError)
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE


def test_a_plaintext_hub_fails_the_handshake_without_blaming_a_certificate(
    pki: Pki, fake_hub: FakePartnerService
) -> None:
    client = HubClient.connect(fake_hub.target, retry=None, **pki.partner().kwargs())
    with client, pytest.raises(Unavailable) as raised:
        client.ping()

    assert type(raised.value) is Unavailable


def test_a_hub_refusing_a_locally_valid_certificate_looks_like_a_network_failure(
    pki: Pki,
) -> None:
    # The documented blind spot: under TLS 1.3 the hub refuses after the client's handshake
    # finished, and the client only sees the socket close.
    hub_credentials = pki.server_credentials(trusted_client_ca=pki.other_ca)
    with served(FakePartnerService(), hub_credentials) as hub:
        client = HubClient.connect(hub.target, retry=None, **pki.partner().kwargs())
        with client, pytest.raises(Unavailable) as raised:
            client.ping()

    assert type(raised.value) is Unavailable
    assert hub.received == []


@pytest.mark.asyncio
async def test_async_a_partner_certificate_connects_and_names_the_partner(
    pki: Pki, tls_hub: FakePartnerService
) -> None:
    async with AsyncHubClient.connect(tls_hub.target, **pki.partner("tea").kwargs()) as client:
        assert client.partner_id == "tea"
        assert await client.ping() == NOW

    assert "x-hub-partner-id" not in tls_hub.received[0].metadata


@pytest.mark.asyncio
async def test_async_an_expired_certificate_is_refused_before_any_connection(
    pki: Pki, tls_hub: FakePartnerService
) -> None:
    files = pki.partner(issued_at=pki.now - days(10), valid_days=1)

    with pytest.raises(CertificateError, match="expired at"):
        AsyncHubClient.connect(tls_hub.target, **files.kwargs())

    assert tls_hub.received == []


@pytest.mark.asyncio
async def test_async_a_hub_certificate_from_an_unknown_ca_is_a_certificate_error(
    pki: Pki, clock: FakeClock
) -> None:
    with served(FakePartnerService(), pki.server_credentials(ca=pki.other_ca)) as hub:
        files = pki.partner()
        async with AsyncHubClient.connect(hub.target, retry=clock.policy(), **files.kwargs()) as c:
            with pytest.raises(CertificateError, match="CERTIFICATE_VERIFY_FAILED"):
                await c.ping()

    assert clock.sleeps == []


@pytest.mark.asyncio
async def test_async_nothing_listening_is_unavailable_not_a_certificate_error(pki: Pki) -> None:
    target = f"127.0.0.1:{closed_port()}"
    async with AsyncHubClient.connect(target, retry=None, **pki.partner().kwargs()) as client:
        with pytest.raises(Unavailable) as raised:
            await client.ping()

    assert not isinstance(raised.value, CertificateError)
