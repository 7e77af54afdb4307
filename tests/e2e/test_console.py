"""The staff console in a real headless Chromium: staff sign in with their certificates and do
their day through the hub's services, as themselves.

One hub (SQLite, mTLS on a free port) and one console for the module; the browser presents each
person's certificate (Playwright's ``client_certificates``). The day settled is the day before
yesterday (DAY), so the night board lists it and yesterday, not yet run:

  10:00  a member enrolls at coffee and earns EUR 100 there (order C-1): 100 points
  11:00  fuel authorizes and captures 30 of them (order F-1)

The hub's clock then stands at the real time, so the day is closed and the time left on a
held redemption reads as it would. Coffee's own report says C-1
earned 90 points (an amount mismatch) and names an order C-404 the hub never saw (missing at
the hub). Five flags wait in the fraud queue: four of one member, one of a second member's
redemption held for review.

Screenshots of each page go to ``test-artifacts/console/`` and, when
``HUB_CONSOLE_SCREENSHOTS`` names a directory (``docs/console`` for the README), there too.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coalition.hub.v1 import settlement_pb2, settlement_pb2_grpc
from fraud.verdicts import RuleCode
from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.api.server import RunningServer, start_server
from hub.console import ConsoleSettings, RunningConsole, start_console
from hub.domain.clock import ManualClock
from hub.domain.principals import Principal, Role
from hub.domain.purchases import PointOfSale
from hub.domain.short_ids import short_form
from hub.services.commands import RevokeCredential
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.e2e.mtls import Pki, real_now
from tests.e2e.test_fraud_review_api import put_in_review, raise_flag
from tests.integration.helpers import authorize, capture, card, earn, earn_command, enroll

DAY_START = (datetime.now(UTC) - timedelta(days=2)).replace(hour=10, minute=0, second=0)
DAY = DAY_START.date().isoformat()
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
SCREENSHOTS_ENV = "HUB_CONSOLE_SCREENSHOTS"
ACTION_TIMEOUT_MS = 10_000
"""Every page answers in milliseconds; a missing element should fail fast, not in 30 s."""

ANA = Principal.staff(Role.ANALYST, "ana")
OLGA = Principal.staff(Role.OFFICER, "olga")
PAT = Principal.staff(Role.OFFICER, "pat")
ADA = Principal.staff(Role.OPERATOR, "ada")
BEN = Principal.staff(Role.ANALYST, "ben")
CONSOLE = Principal.console("web")


def _playwright() -> Any:
    """Playwright's sync API, or a failure under CI (a skip elsewhere) when it or Debian's
    Chromium is missing: the console's tests must run in CI."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = [
        what
        for what, there in (("playwright", sync_playwright), ("chromium", CHROMIUM.exists()))
        if not there
    ]
    if missing:
        reason = f"the console's browser tests need {' and '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI=true they must run", pytrace=False)
        pytest.skip(reason)
    return sync_playwright


# -- the scene --------------------------------------------------------------------------------


@dataclass
class Scene:
    hub: bootstrap.Hub
    pki: Pki
    server: RunningServer
    console: RunningConsole
    folder: Path
    flagged_member: uuid.UUID
    held_member: uuid.UUID
    files: dict[str, tuple[Path, Path]]
    serials: dict[str, str]

    @property
    def target(self) -> str:
        return f"localhost:{self.server.port}"

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.console.port}"

    def certificate(self, person: Principal) -> tuple[Path, Path]:
        """``person``'s certificate and key files, issued and on the hub's records."""
        if person.uri not in self.files:
            issued = self.pki.enrol(self.hub, person)
            self.files[person.uri] = issued.write(self.folder, f"{person.role}-{person.name}")
            self.serials[person.uri] = issued.info.serial
        return self.files[person.uri]

    def revoke(self, person: Principal) -> None:
        command = RevokeCredential(self.serials[person.uri], changed_by=OPERATOR)
        self.hub.operator.revoke_credential(command)


def _post_the_day(hub: bootstrap.Hub) -> None:
    member = enroll(hub).member_id
    earn(hub, member, 10_000, order_id="C-1")
    hub.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    held = authorize(hub, member, 30, partner_id="fuel", order_id="F-1")
    capture(hub, held.hold_id, partner_id="fuel")


def _raise_flags(hub: bootstrap.Hub) -> tuple[uuid.UUID, uuid.UUID]:
    flagged = enroll(hub, "coffee", card("4000999988887777")).member_id
    earn(hub, flagged, 20_000)
    raise_flag(hub, flagged, score=80, rule=RuleCode.CASHIER_ONE_CARD)
    for minute, score in ((1, 60), (2, 50), (3, 40)):
        raise_flag(hub, flagged, score=score, minutes=minute, rule=RuleCode.MEMBER_VELOCITY_COUNT)
    held_member = enroll(hub, "coffee", card("4000555566667777")).member_id
    till = PointOfSale(store_id="S-12", terminal_id="T-3", cashier_id="C-13")
    command = earn_command(held_member, 10_000, order_id="C-77")
    hub.partner_api().earn(replace(command, purchase=replace(command.purchase, point_of_sale=till)))
    hold = authorize(hub, held_member, 50)
    put_in_review(hub, hold.hold_id)
    raise_flag(
        hub, held_member, score=70, minutes=4, hold_id=hold.hold_id, rule=RuleCode.EARN_THEN_BURN
    )
    return flagged, held_member


def _console_settings(scene_folder: Path, pki: Pki, hub: bootstrap.Hub, target: str) -> Any:
    server = pki.authority.issue_server(["localhost", "127.0.0.1"], real_now())
    server_cert, server_key = server.write(scene_folder, "console-server")
    console_cert, console_key = pki.enrol(hub, CONSOLE).write(scene_folder, "console-web")
    ca = scene_folder / "ca.crt"
    ca.write_bytes(pki.authority.certificate_pem)
    return ConsoleSettings(
        listen="127.0.0.1:0",
        hub=target,
        server_cert_file=str(server_cert),
        server_key_file=str(server_key),
        client_ca_file=str(ca),
        console_cert_file=str(console_cert),
        console_key_file=str(console_key),
    )


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    folder = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{folder}/hub.db"
    settings = replace(settings_for(url), fraud_checks=False)
    hub = bootstrap.build(settings, clock=ManualClock(DAY_START))
    upgrade(hub.engine)
    add_partner(hub, "coffee")
    add_partner(hub, "fuel")
    _post_the_day(hub)
    hub.clock.advance(real_now() - hub.clock.now())  # type: ignore[attr-defined]
    flagged, held = _raise_flags(hub)
    pki = Pki()
    server = start_server(hub, "127.0.0.1:0", tls=pki.server_tls())
    target = f"localhost:{server.port}"
    console = start_console(_console_settings(folder, pki, hub, target))
    yield Scene(hub, pki, server, console, folder, flagged, held, {}, {})
    console.stop()
    server.stop(grace_s=2)
    hub.close()


@pytest.fixture(scope="module")
def browser(scene: Scene) -> Iterator[Any]:
    sync_playwright = _playwright()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


class Desk:
    """One person's browser tab, signed in with their certificate."""

    def __init__(self, scene: Scene, browser: Any, person: Principal | None) -> None:
        certificates = []
        if person is not None:
            cert, key = scene.certificate(person)
            certificates = [{"origin": scene.origin, "certPath": str(cert), "keyPath": str(key)}]
        self.context = browser.new_context(
            ignore_https_errors=True, client_certificates=certificates
        )
        self.context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.page = self.context.new_page()
        self.origin = scene.origin

    def open(self, path: str) -> Any:
        return self.page.goto(self.origin + path)

    def text(self) -> str:
        return str(self.page.inner_text("main"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desk(scene: Scene, browser: Any) -> Iterator[Any]:
    opened: list[Desk] = []

    def open_desk(person: Principal | None) -> Desk:
        opened.append(Desk(scene, browser, person))
        return opened[-1]

    yield open_desk
    for each in opened:
        each.close()


def shoot(desk: Desk, name: str) -> None:
    """Keep a screenshot of the page; copy it for the README when asked to."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    desk.page.screenshot(path=str(path), full_page=True)
    wanted = os.environ.get(SCREENSHOTS_ENV)
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(wanted) / path.name)


def import_report(scene: Scene) -> None:
    """Coffee's report of the day, imported by an officer over gRPC."""
    report = b"kind,order_id,transaction_id,points\nearn,C-1,,90\nearn,C-404,,10\n"
    channel = scene.pki.channel(scene.target, scene.pki.enrol(scene.hub, PAT))
    try:
        stub = settlement_pb2_grpc.SettlementServiceStub(channel)
        request = settlement_pb2.ImportReportRequest(
            business_date=DAY, partner_id="coffee", report_csv=report
        )
        stub.ImportReport(request, timeout=10)
    finally:
        channel.close()


# -- signing in -------------------------------------------------------------------------------


def test_a_browser_without_a_certificate_gets_nothing(scene, desk):
    anonymous = desk(None)
    with pytest.raises(Exception, match="ERR_"):
        anonymous.open("/")


def test_an_analyst_signs_in_by_certificate_and_sees_only_her_desks(scene, desk):
    ana = desk(ANA)
    ana.open("/")
    assert ana.page.url == scene.origin + "/fraud"
    header = ana.page.inner_text("header")
    assert "ana · analyst" in header
    assert ("Fraud queue" in header, "Members" in header) == (True, True)
    assert ("Night board" in header, "Rule tuning" in header) == (False, False)


def test_an_analyst_cannot_open_the_settlement_pages(scene, desk):
    ana = desk(ANA)
    for path in ("/night", f"/days/{DAY}", f"/days/{DAY}/exceptions"):
        response = ana.open(path)
        assert response.status == 403, path
        assert "Not for your role" in ana.text()
        assert "ROLE_NOT_ALLOWED" in ana.text()
    shoot(ana, "refused")


def test_a_revoked_certificate_signs_in_but_the_hub_refuses_every_call(scene, desk):
    ben = desk(BEN)
    assert ben.open("/fraud").status == 200
    scene.revoke(BEN)
    assert ben.open("/fraud").status == 403
    assert "CREDENTIAL_REVOKED" in ben.text()
    assert "has been revoked" in ben.text()


# -- the analyst's day ------------------------------------------------------------------------


def test_an_analyst_works_the_fraud_queue_by_member_and_by_rule(scene, desk):
    ana = desk(ANA)
    ana.open("/fraud")
    assert "5 open" in ana.text()
    assert "14 min" in ana.text()  # by the hub's clock
    assert "expire within" not in ana.text()  # a hold's first 10 minutes warn nobody
    scene.hub.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    try:
        ana.open("/fraud")
        assert "1 held redemption(s) expire within 5 minutes" in ana.text()
        assert "4 min" in ana.text()
    finally:
        scene.hub.clock.advance(-timedelta(minutes=10))  # type: ignore[attr-defined]
        ana.open("/fraud")
    groups = ana.page.locator("tr.group")
    assert groups.count() == 2  # two members
    assert short_form(scene.flagged_member) in groups.first.inner_text()  # top score 80
    shoot(ana, "fraud-queue")
    ana.page.click("text=rule")
    assert ana.page.locator("tr.group").count() == 3  # three rules
    assert "cashier_one_card" in ana.text()


def test_an_analyst_resolves_one_flag_then_ticked_ones_then_a_members_group(scene, desk):
    ana = desk(ANA)
    ana.open("/fraud")
    member_rows = f"tbody:has(tr[data-group='{scene.flagged_member}']) tr[data-flag]"
    ana.page.locator(member_rows).first.locator("input[type=checkbox]").check()
    ana.page.select_option("select[name=resolution]", "false_positive")
    ana.page.fill("input[name=note]", "regular at that cashier")
    ana.page.click("text=Resolve selected")
    assert "1 flag(s) resolved as false_positive" in ana.text()
    assert "4 open" in ana.text()
    for row in ana.page.locator(member_rows).all()[:2]:
        row.locator("input[type=checkbox]").check()
    ana.page.fill("input[name=note]", "same burst, checked with the partner")
    ana.page.click("text=Resolve selected")
    assert "2 flag(s) resolved as confirmed" in ana.text()
    ana.page.fill("input[name=note]", "the rest of the burst")
    ana.page.click(f"tr[data-group='{scene.flagged_member}'] button:has-text('Resolve all')")
    assert "1 flag(s) resolved as confirmed" in ana.text()
    assert "1 open" in ana.text()  # the held redemption's flag


def test_an_analyst_releases_a_held_redemption_from_the_member_view(scene, desk):
    ana = desk(ANA)
    ana.open(f"/members/{scene.held_member}")
    assert "in_review" in ana.text()
    kinds = {row.get_attribute("data-kind") for row in ana.page.locator("tr[data-kind]").all()}
    assert {"transaction", "lot", "hold", "flag"} <= kinds
    assert "S-12 / T-3 / cashier C-13" in ana.page.inner_text("tr:has-text('C-77')")
    shoot(ana, "member")
    ana.page.fill("input[name=note]", "customer called, genuine")
    ana.page.click("button:has-text('Release')")
    assert "released" in ana.text()
    assert "release by spiffe://coalition.hub/staff/analyst/ana" in ana.text()


def test_an_analyst_freezes_and_unfreezes_a_member(scene, desk):
    ana = desk(ANA)
    ana.open(f"/members/{scene.flagged_member}")
    ana.page.fill("input[name=note]", "card sharing ring")
    ana.page.click("button:has-text('Freeze')")
    assert "frozen" in ana.text()
    ana.page.fill("input[name=note]", "cleared by the partner")
    ana.page.click("button:has-text('Unfreeze')")
    assert "unfrozen" in ana.text()
    assert "active" in ana.page.inner_text("h1")


# -- the officers' night ----------------------------------------------------------------------


def test_officers_run_reconcile_and_approve_a_day_with_four_eyes(scene, desk):
    olga = desk(OLGA)
    olga.open("/night")  # before any run, it lists the latest closed day alone
    # The hub's yesterday, not the one at collection: a run may cross midnight UTC.
    yesterday = (scene.hub.clock.now() - timedelta(days=1)).date().isoformat()
    assert "not run" in olga.page.inner_text(f"tr[data-day='{yesterday}']")
    olga.page.fill("input[name=business_date]:visible", DAY)
    olga.page.click("text=Run settlement")
    assert f"{DAY} settled" in olga.text()
    assert "margin: 0.73 eur" in olga.text().lower()
    assert "30" in olga.page.inner_text("table.matrix")
    shoot(olga, "day")
    csv_download = olga.page.request.get(f"{scene.origin}/days/{DAY}/positions.csv")
    assert csv_download.text().splitlines()[1].startswith("coffee,100,0,100,0,0,-100,EUR")
    statement = olga.page.request.get(f"{scene.origin}/days/{DAY}/statements/fuel.json.sig")
    assert statement.status == 200
    assert len(statement.body()) == 64  # an Ed25519 signature

    import_report(scene)
    olga.open(f"/days/{DAY}/exceptions")
    assert "2 exception(s) selected" in olga.text()
    olga.page.select_option("select[name=kind]", "amount_mismatch")
    olga.page.click("text=Filter")
    assert "1 exception(s) selected" in olga.text()
    olga.page.locator("tr[data-exception] input[type=checkbox]").check()
    olga.page.fill("form[action$='/accept'] input[name=note]", "coffee's till rounds down")
    olga.page.click("text=Accept selected")
    assert "1 exception(s) accepted" in olga.text()
    olga.open(f"/days/{DAY}/exceptions")
    shoot(olga, "workbench")
    olga.page.fill("form[action$='/accept'] input[name=note]", "C-404 was a training receipt")
    olga.page.click("text=Accept all open of this filter")
    assert "1 exception(s) accepted" in olga.text()
    assert "0 exception(s) selected" in olga.text()

    olga.page.fill("form[action$='/approve'] input[name=note]", "all accepted")
    olga.page.click(f"text=Approve {DAY}")
    assert "SAME_OFFICER" in olga.text()
    assert "Four eyes" in olga.text()
    shoot(olga, "four-eyes")

    pat = desk(PAT)
    pat.open(f"/days/{DAY}/exceptions")
    pat.page.fill("form[action$='/approve'] input[name=note]", "checked the transfers")
    pat.page.click(f"text=Approve {DAY}")
    assert f"{DAY} approved" in pat.text()
    pat.open("/night")
    row = pat.page.inner_text(f"tr[data-day='{DAY}']")
    assert ("approved" in row, "olga" in row, "pat" in row) == (True, True, True)
    shoot(pat, "night-board")


# -- forms come only from the console ---------------------------------------------------------


def test_a_cross_site_post_is_refused_even_with_the_certificate(scene, desk):
    ana = desk(ANA)
    evil = "https://evil.example/"
    form = (
        f'<form method="post" action="{scene.origin}/members/{scene.flagged_member}/freeze">'
        '<input name="note" value="gotcha"></form><script>document.forms[0].submit()</script>'
    )
    ana.page.route(evil, lambda route: route.fulfill(body=form, content_type="text/html"))
    with ana.page.expect_navigation(url=f"{scene.origin}/**"):
        ana.page.goto(evil)
    assert "did not come from the console's own pages" in ana.text()
    ana.open(f"/members/{scene.flagged_member}")
    assert "active" in ana.page.inner_text("h1")


# -- the operator's thresholds ----------------------------------------------------------------


def test_an_operator_previews_a_partners_thresholds_then_saves_them(scene, desk):
    ada = desk(ADA)
    ada.open("/")
    assert ada.page.url == scene.origin + "/tuning"
    ada.page.select_option("select[name=partner]", "coffee")
    ada.page.click("text=Show")
    # Every number as the hub resolved it: saving the form never turns a default into "never".
    assert ada.page.input_value("input[name='velocity_window_s']") != "0"
    assert ada.page.input_value("input[name='terminal_cards.review_at']") != "0"
    ada.page.fill("input[name='terminal_cards.review_at']", "40")
    ada.page.fill("input[name=days]", "7")
    ada.page.click("text=Preview flag counts")
    assert "operations replayed" in ada.text()
    assert ada.page.locator("tr[data-rule='terminal_many_cards']").count() == 1
    assert ada.page.input_value("input[name='terminal_cards.review_at']") == "40"
    shoot(ada, "tuning")
    ada.page.fill("form[action='/tuning/save'] input[name=note]", "morning rush at coffee tills")
    ada.page.click("text=Save as a new version")
    assert "fraud:coffee version 1 saved" in ada.text()
    assert ada.page.input_value("input[name='terminal_cards.review_at']") == "40"
