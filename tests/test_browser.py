"""The staff site, a schedule page and Swagger UI in a real browser (Debian's Chromium through
Playwright) under the production headers and content security policy: signing in with a second
factor works, every page renders, and the browser reports no policy violation and no error.

The data is made before the browser starts: Playwright's synchronous API runs an event loop in
this thread, and Django refuses database calls from a thread with a running loop. The browser
talks only to the live server, whose own thread has none.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import AgendaItemFactory, CommitteeFactory, InviteeFactory, MembershipFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
PASSWORD = "correct horse battery staple"

# Runs in every page before its own scripts, so no violation is missed.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation([
    event.violatedDirective, event.blockedURI, event.sourceFile, event.lineNumber, event.sample
  ].join(" | "));
});
"""


@pytest.fixture(autouse=True)
def _chromium():
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install -y chromium")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); REQUIRE_BROWSER=1 makes this a failure")


@pytest.fixture
def browser_settings(production_settings):
    """The production settings, less what cannot work over the live server's plain HTTP. Chromium
    treats http://localhost as a secure context, so Secure and __Host- cookies still work."""
    production_settings.SECURE_SSL_REDIRECT = False
    return production_settings


class Browser:
    """One Chromium page that records policy violations, console errors and uncaught exceptions."""

    def __init__(self, playwright, base_url: str, **context_options) -> None:
        self.base_url = base_url
        self.problems: list[str] = []
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = self.browser.new_context(
            base_url=base_url, **{"viewport": {"width": 1280, "height": 900}, **context_options}
        )
        context.expose_function("reportViolation", lambda text: self.problems.append(f"CSP violation: {text}"))
        context.add_init_script(REPORT_VIOLATIONS)
        self.page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        self.page.on("requestfailed", lambda request: self.problems.append(f"request failed: {request.url}"))

    def _console(self, message) -> None:
        # Chromium asks every page without an icon link for /favicon.ico, which this site does not serve.
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text} ({message.location.get('url')})")

    def visit(self, path: str, *, screenshot: str, ready: str = "#content") -> None:
        response = self.page.goto(path)
        assert response.status == 200, (path, response.status)
        self.settle(ready=ready, screenshot=screenshot)

    def sign_in_to_admin(self, *, username: str, device, screenshot: str) -> None:
        """The staff sign-in with the password and the device's current code, as a person types them."""
        self.visit("/admin/login/?next=/admin/", screenshot=screenshot)
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.page.fill("#id_otp_token", f"{code:06d}")
        self.page.click("input[type=submit]")
        self.page.wait_for_url(f"{self.base_url}/admin/")

    def settle(self, *, ready: str, screenshot: str) -> None:
        self.page.wait_for_selector(ready)
        self.page.wait_for_load_state("networkidle")
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{screenshot}.png"), full_page=True)


def test_staff_site_schedule_and_swagger_ui_work_under_the_policy(client, live_server, browser_settings):
    from playwright.sync_api import sync_playwright

    committee = CommitteeFactory(slug="chile-peru")
    for delegation in ("CL", "PE"):
        MembershipFactory(committee=committee, delegation=delegation)
    session = SessionFactory(committee=committee, number=1)
    AgendaItemFactory(session=session, position=1)
    AgendaItemFactory(session=session, position=2)
    InviteeFactory(session=session)
    user = User.objects.create_superuser(username="chief", password=PASSWORD, email="chief@example.org")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    document = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = sum(len(item) for item in document["paths"].values())

    with sync_playwright() as playwright:
        browser = Browser(playwright, live_server.url)
        page = browser.page
        try:
            browser.sign_in_to_admin(username="chief", device=device, screenshot="01-admin-login")
            browser.settle(ready="#content-main", screenshot="02-admin-index")
            assert page.inner_text("#user-tools").startswith("WELCOME,")

            browser.visit("/admin/meetings/session/", screenshot="03-session-list")
            assert page.locator("#result_list tbody tr").count() == 1

            browser.visit("/admin/meetings/session/add/", screenshot="04-session-add")
            # The inline formsets' "add another" rows and an autocomplete drop-down run the admin's scripts.
            page.click(".inline-group .add-row a >> nth=0")
            page.locator(".select2-selection").first.click()
            page.wait_for_selector(".select2-results__option")
            page.keyboard.press("Escape")
            browser.settle(ready="#session_form", screenshot="05-session-add-used")

            browser.visit(f"/admin/meetings/session/{session.pk}/change/", screenshot="06-session-change")
            browser.visit(f"/admin/otp_totp/totpdevice/{device.pk}/config/", screenshot="07-authenticator-qr")
            assert page.locator("img.qrcode-image").evaluate("image => image.naturalWidth") > 0

            browser.visit(f"/schedule/sessions/{session.pk}/", screenshot="08-schedule-page", ready="main")

            browser.visit("/api/v1/docs/", screenshot="09-swagger-ui", ready=".opblock")
            assert page.locator(".opblock").count() == operations
            page.click(".opblock-summary >> nth=0")
            browser.settle(ready=".opblock-body", screenshot="10-swagger-ui-operation")
            problems = list(browser.problems)

            # The recorder itself: an inline script added now is refused and reported.
            page.evaluate("document.body.append(Object.assign(document.createElement('script'), {text: '1'}))")
            page.wait_for_timeout(500)
            probe = browser.problems[len(problems) :]
        finally:
            browser.browser.close()

    assert problems == []
    # Seen both ways: the page's event and the console.
    assert sorted(text.split(" | ")[0].split(": ")[0] for text in probe) == ["CSP violation", "console error"]
    assert any(text.startswith("CSP violation: script-src-elem | inline |") for text in probe), probe


def test_a_secretariat_plans_the_next_session_and_orders_its_agenda(live_server, browser_settings):
    from playwright.sync_api import sync_playwright

    from meetings.models import AgendaItem, Session
    from tests.api import secretariat_of

    committee = CommitteeFactory(slug="chile-peru", country_a="CL", country_b="PE", default_timezone="America/Lima")
    first = SessionFactory(committee=committee, number=1, timezone="America/Santiago", host_country="CL")
    user = secretariat_of(committee, "CL")
    user.set_password(PASSWORD)
    user.save()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    with sync_playwright() as playwright:
        browser = Browser(playwright, live_server.url)
        page = browser.page
        try:
            browser.sign_in_to_admin(username=user.username, device=device, screenshot="20-secretariat-login")

            browser.visit(f"/admin/meetings/session/{first.pk}/change/", screenshot="21-first-session")
            page.get_by_role("link", name="Plan the next session").click()
            browser.settle(ready="#session_form", screenshot="22-next-session-proposed")
            assert page.input_value("#id_number") == "2"
            assert page.input_value("#id_host_country") == "PE"
            page.fill("#id_venue", "Torre Tagle, Lima")

            # Three agenda items: the empty row, and two more added on the page.
            add = page.locator("#agenda_items-group .add-row a")
            add.click()
            add.click()
            for index, title in enumerate(["Opening", "Border report", "Humanitarian corridor"]):
                page.fill(f"#id_agenda_items-{index}-title", title)
                page.fill(f"#id_agenda_items-{index}-duration_minutes", "20")
            # The last item goes first, by keyboard: focus its "up" arrow and press it twice.
            up = page.locator("#agenda_items-2 button[data-move=up]")
            up.focus()
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.dataset.move") == "up"  # focus stays on the arrow
            page.keyboard.press("Enter")
            positions = page.eval_on_selector_all(
                "#agenda_items-group tr.form-row:not(.empty-form)",
                "rows => rows.map(r => [r.querySelector('input[name$=-title]').value,"
                " r.querySelector('input[name$=-position]').value])",
            )
            assert positions == [["Humanitarian corridor", "1"], ["Opening", "2"], ["Border report", "3"]]
            assert page.inner_text("#agenda_items-2 .agenda-announcement") == "Now at position 1."
            browser.settle(ready="#session_form", screenshot="23-agenda-reordered")
            page.click("input[name=_continue]")
            page.wait_for_selector(".messagelist .success")
            browser.settle(ready=".field-clocks", screenshot="24-next-session-saved")
            clocks = page.inner_text(".field-clocks")
            assert "Lima" in clocks and "Santiago" in clocks

            browser.visit("/admin/meetings/session/calendar/?month=2026-01", screenshot="25-calendar")
            browser.visit("/admin/committees/person/import/", screenshot="26-import-people")
        finally:
            browser.browser.close()

    assert browser.problems == []
    planned = Session.objects.get(committee=committee, number=2)
    assert (planned.host_country.code, planned.venue) == ("PE", "Torre Tagle, Lima")
    assert list(AgendaItem.objects.filter(session=planned).values_list("position", "title")) == [
        (1, "Humanitarian corridor"),
        (2, "Opening"),
        (3, "Border report"),
    ]


def test_a_member_reads_the_schedule_in_both_languages_subscribes_and_downloads(live_server, browser_settings):
    from datetime import UTC, datetime, timedelta

    from django.utils import timezone
    from playwright.sync_api import sync_playwright

    committee = CommitteeFactory(
        slug="chile-peru", name_es="Comité de Migración", name_en="Migration Committee", schedule_published=True
    )
    start = (timezone.now() + timedelta(days=10)).replace(hour=15, minute=0, second=0, microsecond=0)
    session = SessionFactory(
        committee=committee,
        number=2,
        title="Border review",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="America/Lima",
    )
    AgendaItemFactory(session=session, position=1, title="Opening", duration_minutes=15)
    SessionFactory(
        committee=committee,
        number=1,
        title="Founding session",
        status="held",
        starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC),
    )

    with sync_playwright() as playwright:
        # A phone-sized screen, a Spanish-speaking reader in Santiago.
        browser = Browser(
            playwright,
            live_server.url,
            viewport={"width": 390, "height": 844},
            locale="es-CL",
            timezone_id="America/Santiago",
            accept_downloads=True,
        )
        page = browser.page
        try:
            browser.visit("/schedule/", screenshot="30-schedule-es", ready="main")
            assert page.inner_text("h1") == "Calendarios de los comités"
            # The first Tab reaches the skip link, which takes the focus to the content.
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main"
            page.get_by_role("link", name="Comité de Migración").click()
            browser.settle(ready="#upcoming-heading", screenshot="31-committee-es")
            assert page.inner_text("#upcoming-heading") == "Próximas sesiones"
            page.get_by_label("Idioma").select_option("en")
            page.get_by_role("button", name="Cambiar").click()
            browser.settle(ready="#upcoming-heading", screenshot="32-committee-en")
            assert page.inner_text("#upcoming-heading") == "Upcoming sessions"
            page.get_by_role("link", name="Session 2: Border review").click()
            browser.settle(ready=".agenda", screenshot="33-session-en")
            your_time = page.inner_text(".when .your-time td")
            assert your_time.endswith("(America/Santiago)"), your_time
            assert page.locator(".when th").all_inner_texts()[:3] == ["At the venue", "Lima", "Santiago"]
            webcal = page.get_by_role("link", name="Subscribe in your calendar").get_attribute("href")
            assert webcal == f"webcal://{live_server.url.split('://')[1]}/schedule/chile-peru.ics"
            with page.expect_download() as download:
                page.get_by_role("link", name="Download this session (.ics)").click()
            path = download.value.path()
            assert download.value.suggested_filename == "chile-peru-2.ics"
            ics = Path(path).read_text()
            browser.visit("/schedule/chile-peru/2030/1/", screenshot="34-month-en", ready="table.month")
        finally:
            browser.browser.close()

    assert browser.problems == []
    assert ics.startswith("BEGIN:VCALENDAR") and f"UID:{session.uid}" in ics


def test_staff_read_every_time_of_the_reminder_log_and_a_sessions_history_with_its_zone(live_server, browser_settings):
    from datetime import UTC, datetime

    from playwright.sync_api import sync_playwright

    from meetings.choices import ReminderState
    from meetings.models import Reminder
    from tests.zoned_times import unzoned_times

    browser_settings.TIME_ZONE = "America/Lima"
    committee = CommitteeFactory(slug="chile-peru")
    member = MembershipFactory(committee=committee, delegation="CL").person
    session = SessionFactory(committee=committee, number=1, starts_at=datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    planned = (
        (24 * 60, datetime(2026, 11, 29, 15, 0, tzinfo=UTC), datetime(2026, 11, 29, 15, 1, tzinfo=UTC)),
        (60, datetime(2026, 11, 30, 14, 0, tzinfo=UTC), None),
    )
    for offset, due, sent_at in planned:
        Reminder.objects.create(
            session=session,
            person=member,
            offset_minutes=offset,
            due_at=due,
            next_attempt_at=due,
            state=ReminderState.SENT if sent_at else ReminderState.PENDING,
            sent_at=sent_at,
            message_id=f"<{offset}@tracker.test>",
        )
    user = User.objects.create_superuser(username="chief", password=PASSWORD, email="chief@example.org")
    session.starts_at, session.ends_at = (
        datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
    )
    session._history_user = user
    session.save()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    with sync_playwright() as playwright:
        browser = Browser(playwright, live_server.url)
        page = browser.page
        try:
            browser.sign_in_to_admin(username="chief", device=device, screenshot="40-times-login")
            browser.visit("/admin/meetings/reminder/", screenshot="41-reminder-log")
            log = page.inner_text("#content")
            due_cells = page.locator("#result_list td.field-due").all_inner_texts()
            browser.visit(f"/admin/meetings/session/{session.pk}/history/", screenshot="42-session-history")
            history = page.inner_text("#content")
            page.locator("#change-history a").first.click()
            page.wait_for_selector(".history-version")
            page.locator("fieldset.collapse summary").click()  # the folded record: created and changed
            browser.settle(ready=".field-changed", screenshot="43-session-version")
            version = page.inner_text("#content")
        finally:
            browser.browser.close()

    assert browser.problems == []
    # Two rows: the session's start on three clocks, due on two, and the sent one's time on two.
    assert unzoned_times(log) == (2 * 3 + 2 * 2 + 2, [])
    assert due_cells == [
        "2026-11-29 10:00 UTC-05:00 (America/Lima) · Santiago 2026-11-29 12:00 UTC-03:00",
        "2026-11-30 09:00 UTC-05:00 (America/Lima) · Santiago 2026-11-30 11:00 UTC-03:00",
    ]
    # Two versions' dates, and the start and end before and after the move on three clocks.
    assert unzoned_times(history) == (2 + 2 * 2 * 3, [])
    # The version's date; start and end on three clocks; created and changed.
    assert unzoned_times(version) == (1 + 2 * 3 + 2, [])


def test_chile_proposes_a_record_peru_approves_it_and_the_public_page_shows_it(live_server, browser_settings):
    from datetime import UTC, datetime

    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    from committees.access import access_for
    from meetings.models import Record, RecordEntry
    from meetings.records.services import record_save, record_start
    from tests.api import secretariat_of

    committee = CommitteeFactory(slug="chile-peru", country_a="CL", country_b="PE", schedule_published=True)
    for delegation, name in (("CL", "Alberto van Klaveren"), ("PE", "Hugo de Zela")):
        MembershipFactory(
            committee=committee,
            delegation=delegation,
            role="co_chair",
            person__full_name=name,
            person__country=delegation,
        )
    session = SessionFactory(
        committee=committee, number=1, status="held", starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC)
    )
    item = AgendaItemFactory(
        session=session, position=1, title="Corredor humanitario", title_en="Humanitarian corridor"
    )
    users = {}
    for delegation in ("CL", "PE"):
        user = secretariat_of(committee, delegation)
        user.set_password(PASSWORD)
        user.save()
        users[delegation] = (user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True))
    chile = access_for(users["CL"][0])
    record = record_start(session=session, access=chile)
    record_save(
        record=record,
        access=chile,
        user=users["CL"][0],
        entries=[
            RecordEntry(
                agenda_item=item,
                kind="decision",
                text="Se abre un corredor humanitario por Chacalluta.",
                text_en="A humanitarian corridor opens through Chacalluta.",
            )
        ],
    )
    change_page = f"/admin/meetings/record/{record.pk}/change/"

    with sync_playwright() as playwright:
        browser = Browser(playwright, live_server.url)
        page = browser.page
        try:
            user, device = users["CL"]
            browser.sign_in_to_admin(username=user.username, device=device, screenshot="40-chile-login")
            browser.visit(change_page, screenshot="41-record-draft")
            assert page.locator("input[name=approve]").count() == 0  # nothing to approve in a draft
            page.click("input[name=propose]")
            page.wait_for_selector(".messagelist .success")
            browser.settle(ready="#record-approvals", screenshot="42-record-proposed")
            assert page.locator("input[name=propose]").count() == 0
            page.click("input[name=approve]")
            page.wait_for_selector(".messagelist .success")
            browser.settle(ready="#record-approvals", screenshot="43-approved-by-chile")
            assert page.locator("tr.record-approval").count() == 1
            chile_problems = list(browser.problems)
        finally:
            browser.browser.close()

        # Approved by one side only: the public page still shows nothing of it.
        public = Browser(playwright, live_server.url)
        try:
            public.visit(f"/schedule/sessions/{session.pk}/", screenshot="44-public-before", ready="main")
            before = public.page.inner_text("main")
        finally:
            public.browser.close()

        browser = Browser(playwright, live_server.url)
        page = browser.page
        try:
            user, device = users["PE"]
            browser.sign_in_to_admin(username=user.username, device=device, screenshot="45-peru-login")
            browser.visit(change_page, screenshot="46-record-awaiting-peru")
            page.click("input[name=approve]")
            page.wait_for_selector(".messagelist .success")
            browser.settle(ready="#record-versions", screenshot="47-record-approved")
            assert page.locator("tr.record-version").count() == 1
            peru_problems = list(browser.problems)
        finally:
            browser.browser.close()

        public = Browser(playwright, live_server.url, accept_downloads=True)
        page = public.page
        try:
            public.visit(f"/schedule/sessions/{session.pk}/", screenshot="48-public-after", ready="main")
            after = page.inner_text("main")
            with page.expect_download() as download_info:
                page.get_by_role("link", name="Record in Spanish (PDF)").click()
            download = download_info.value
            pdf_path = ARTIFACTS / download.suggested_filename
            download.save_as(pdf_path)
            public_problems = list(public.problems)
        finally:
            public.browser.close()

    assert (chile_problems, peru_problems, public_problems) == ([], [], [])
    # The browser reads English: the page shows the English text, the Spanish PDF the Spanish.
    assert "A humanitarian corridor opens" not in before
    assert "A humanitarian corridor opens through Chacalluta." in after
    assert Record.objects.get().state == "approved"
    assert download.suggested_filename == "chile-peru-session-1-record-v1-es.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(pdf_path).pages)
    assert "Se abre un corredor humanitario por Chacalluta." in text
    assert "Alberto van Klaveren" in text and "Hugo de Zela" in text
