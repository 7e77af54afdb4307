"""The console's edges without a browser: who may sign in (certificates, and an SSO proxy's
header only when a deployment trusts one), its settings, ``hub console`` refusing what it
cannot use, and ``hub serve --console-listen`` relaying to a development hub.

The landing page answers without calling the hub (a redirect to the person's first desk), so
it shows whom the console took the caller for.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hub.cli import main
from hub.console import ConsoleSettings, start_console
from hub.console.link import HubLink
from hub.domain.principals import Principal, Role
from tests.e2e.hub_process import hub_serve, until
from tests.e2e.mtls import Pki, real_now

ANA = Principal.staff(Role.ANALYST, "ana")
COFFEE = Principal.partner("coffee")
HEADER = "X-Forwarded-User"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture(scope="module")
def files(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("console-edges")
    cert, key = pki.authority.issue_server(["localhost", "127.0.0.1"], real_now()).write(
        folder, "server"
    )
    ana_cert, ana_key = pki.issue(ANA).write(folder, "ana")
    coffee_cert, coffee_key = pki.issue(COFFEE).write(folder, "coffee")
    (folder / "ca.crt").write_bytes(pki.authority.certificate_pem)
    return {
        "cert": cert,
        "key": key,
        "ca": folder / "ca.crt",
        "ana": ana_cert,
        "ana.key": ana_key,
        "coffee": coffee_cert,
        "coffee.key": coffee_key,
    }


def settings_of(files: dict[str, Path], **changes: object) -> ConsoleSettings:
    base = ConsoleSettings(
        listen="127.0.0.1:0",
        hub="localhost:1",  # never called: the landing page answers by itself
        server_cert_file=str(files["cert"]),
        server_key_file=str(files["key"]),
        client_ca_file=str(files["ca"]),
        insecure_hub=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def console(files: dict[str, Path], request: pytest.FixtureRequest) -> Iterator[int]:
    """A console on a free port; a test's indirect parameter changes its settings."""
    changes = getattr(request, "param", {})
    settings = settings_of(files, **changes)
    running = start_console(settings, link=HubLink.open(settings))
    yield running.port
    running.stop()


def landing(
    port: int,
    files: dict[str, Path],
    *,
    who: str | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    method: str = "GET",
    path: str = "/",
) -> tuple[int, str]:
    """GET / as ``who`` (a certificate's name in ``files``, or none): the status, and the
    Location of a redirect or else the body."""
    context = ssl.create_default_context(cafile=str(files["ca"]))
    if who:
        context.load_cert_chain(str(files[who]), str(files[f"{who}.key"]))
    connection = http.client.HTTPSConnection(
        "localhost", port, context=context, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Location") or response.read().decode()
    finally:
        connection.close()


# -- signing in -------------------------------------------------------------------------------


def test_a_staff_certificate_signs_in_and_an_sso_header_is_ignored_by_default(console, files):
    status, location = landing(console, files, who="ana", headers={HEADER: "officer/olga"})
    assert (status, location) == (303, "/fraud")


def test_without_a_certificate_the_handshake_itself_fails_by_default(console, files):
    with pytest.raises((ssl.SSLError, ConnectionError)):
        landing(console, files)


def test_a_partner_certificate_does_not_sign_in(console, files):
    status, text = landing(console, files, who="coffee")
    assert status == 401
    assert "only staff" in text


TRUSTING = {"trusted_header": HEADER, "trusted_proxies": ("127.0.0.1",)}


@pytest.mark.parametrize("console", [TRUSTING], indirect=True)
def test_a_trusted_proxy_names_the_person_in_the_configured_header(console, files):
    assert landing(console, files, headers={HEADER: "officer/olga"}) == (303, "/night")


@pytest.mark.parametrize("console", [TRUSTING], indirect=True)
def test_the_header_from_any_other_address_signs_no_one_in(console, files):
    status, text = landing(console, files, headers={HEADER: "officer/olga"}, source="127.0.0.2")
    assert status == 401
    assert "sign in with your staff certificate" in text


@pytest.mark.parametrize("console", [TRUSTING], indirect=True)
def test_a_certificate_still_wins_over_the_trusted_header(console, files):
    assert landing(console, files, who="ana", headers={HEADER: "officer/olga"}) == (303, "/fraud")


@pytest.mark.parametrize("console", [TRUSTING], indirect=True)
def test_a_trusted_header_naming_no_staff_role_signs_no_one_in(console, files):
    status, text = landing(console, files, headers={HEADER: "partner/coffee"})
    assert status == 401
    assert "no staff role" in text


def test_a_post_without_the_sessions_token_is_refused_even_from_the_same_origin(console, files):
    same_origin = {"Sec-Fetch-Site": "same-origin", "Content-Length": "0"}
    status, text = landing(
        console, files, who="ana", headers=same_origin, method="POST", path="/fraud/resolve"
    )
    assert status == 403
    assert "did not come from the console&#39;s own pages" in text


# -- settings ---------------------------------------------------------------------------------


def test_settings_name_every_missing_file_and_bad_value():
    problems = ConsoleSettings(listen="8443", trusted_header=HEADER).problems()
    assert any("HUB_CONSOLE_LISTEN" in problem for problem in problems)
    missing = next(problem for problem in problems if "needs" in problem)
    for name in ("HUB_CONSOLE_TLS_CERT", "HUB_CONSOLE_CLIENT_CA", "HUB_CONSOLE_CERT"):
        assert name in missing
    assert any("go together" in problem for problem in problems)


def test_settings_come_from_the_environment_and_flags_win():
    env = {"HUB_CONSOLE_HUB": "hub.internal:50051", "HUB_CONSOLE_TRUSTED_PROXIES": "10.0.0.7, ::1"}
    settings = ConsoleSettings.from_env(env, hub="other:50051")
    assert (settings.hub, settings.trusted_proxies) == ("other:50051", ("10.0.0.7", "::1"))


def test_hub_console_without_its_certificates_is_refused_in_one_line(capsys, monkeypatch):
    for name in ("HUB_CONSOLE_TLS_CERT", "HUB_CONSOLE_CERT", "HUB_CONSOLE_CLIENT_CA"):
        monkeypatch.delenv(name, raising=False)
    assert main(["console", "--listen", "127.0.0.1:0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hub: configuration: the console needs HUB_CONSOLE_TLS_CERT")


def test_hub_console_reaches_an_insecure_hub_on_loopback_only(capsys, files):
    flags = ["--tls-cert", str(files["cert"]), "--tls-key", str(files["key"])]
    flags += ["--client-ca", str(files["ca"]), "--insecure-hub", "--hub", "10.1.2.3:50051"]
    assert main(["console", *flags]) == 2
    assert "loopback hub only" in capsys.readouterr().err


# -- beside the hub ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.slow
def test_hub_serve_runs_the_console_beside_it_relaying_to_a_development_hub(files, sqlite_url):
    port = _free_port()
    env = {
        "HUB_SERVE_CONSOLE_LISTEN": f"127.0.0.1:{port}",
        "HUB_TLS_CERT": str(files["cert"]),
        "HUB_TLS_KEY": str(files["key"]),
        "HUB_TLS_CLIENT_CA": str(files["ca"]),
    }
    with hub_serve(sqlite_url, **env) as served:
        until(lambda: _answers(port))
        context = ssl.create_default_context(cafile=str(files["ca"]))
        context.load_cert_chain(str(files["ana"]), str(files["ana.key"]))
        connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=10)
        connection.request("GET", "/fraud")
        response = connection.getresponse()
        page = response.read().decode()
        connection.close()
        assert response.status == 200, page
        assert "Fraud queue" in page
        assert "The queue is empty." in page
        assert served.terminate() == 0
