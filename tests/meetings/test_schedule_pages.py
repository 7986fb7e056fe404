"""The schedule pages: who may read which committee, each session on every clock, the month
calendar, subscribing and downloading, both languages, and pages people can use by keyboard."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from meetings.models import RecordEntry
from tests.api import reader_of, secretariat_of
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory
from tests.meetings.test_record_pages import record_approved
from tracker.models import CalendarFeed
from tracker.schedule import schedule_changed

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def committees():
    public = CommitteeFactory(
        slug="chile-peru", name_en="Migration Committee", name_es="Comité de Migración", schedule_published=True
    )
    private = CommitteeFactory(slug="closed", name_en="Closed Committee", name_es="Comité Cerrado")
    held = SessionFactory(
        committee=public,
        number=1,
        title="Founding session",
        status="held",
        starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 1, 15, 0, tzinfo=UTC),
        timezone="America/Santiago",
        venue="Cancillería, Santiago",
        host_country="CL",
    )
    opening = AgendaItemFactory(
        session=held,
        position=1,
        title="Opening",
        duration_minutes=15,
        presenter=PersonFactory(full_name="Hugo de Zela"),
    )
    record_approved(held, [RecordEntry(agenda_item=opening, kind="decision", text="Acordado", text_en="Agreed")])
    upcoming = SessionFactory(
        committee=public,
        number=2,
        title="Border review",
        starts_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 2, 17, 0, tzinfo=UTC),
        timezone="America/Lima",
        venue="Torre Tagle, Lima",
        host_country="PE",
    )
    hidden = SessionFactory(
        committee=private, number=1, title="Closed door", starts_at=datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    )
    schedule_changed()
    return public, private, held, upcoming, hidden


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@time_machine.travel(NOW, tick=False)
def test_who_reads_which_schedule(committees):
    public, private, _held, upcoming, hidden = committees
    anonymous = Client()
    index = anonymous.get("/schedule/")
    assert [row["committee"] for row in index.context["rows"]] == [public]
    assert anonymous.get("/schedule/chile-peru/").status_code == 200
    assert anonymous.get(f"/schedule/sessions/{upcoming.pk}/").status_code == 200
    assert anonymous.get("/schedule/closed/")["Location"] == "/schedule/sign-in/?next=/schedule/closed/"
    assert (
        anonymous.get(f"/schedule/sessions/{hidden.pk}/")["Location"]
        == f"/schedule/sign-in/?next=/schedule/sessions/{hidden.pk}/"
    )
    # Nor does an anonymous reader learn whether a closed committee exists: sign in first.
    assert anonymous.get("/schedule/nobody/")["Location"] == "/schedule/sign-in/?next=/schedule/nobody/"
    assert anonymous.get("/schedule/closed.ics").status_code == 404
    staff = signed_in(secretariat_of(private, "CL"))
    assert [row["committee"] for row in staff.get("/schedule/").context["rows"]] == [private, public]
    assert staff.get(f"/schedule/sessions/{hidden.pk}/").status_code == 200
    stranger = signed_in(reader_of(CommitteeFactory(slug="third")))
    assert stranger.get("/schedule/closed/").status_code == 404
    assert stranger.get(f"/schedule/sessions/{hidden.pk}/").status_code == 404
    assert stranger.get(f"/schedule/sessions/{hidden.pk}.ics").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_committee_page_splits_upcoming_and_past_on_every_clock(committees):
    _public, _private, held, upcoming, _hidden = committees
    page = Client().get("/schedule/chile-peru/")
    assert [s.pk for s, _times in page.context["upcoming"]] == [upcoming.pk]
    assert [s.pk for s, _times in page.context["past"]] == [held.pk]
    assert page.context["upcoming"][0][1] == {
        "venue": "2026-03-02 10:00 UTC-05:00 (America/Lima)",
        "venue_end": "2026-03-02 12:00 UTC-05:00 (America/Lima)",
        "capitals": [
            ("Lima", "2026-03-02 10:00 UTC-05:00 (America/Lima)"),
            ("Santiago", "2026-03-02 12:00 UTC-03:00 (America/Santiago)"),
        ],
        "iso": "2026-03-02T15:00:00+00:00",
    }
    html = page.content.decode()
    assert '<time datetime="2026-03-02T15:00:00+00:00" data-local-time></time>' in html
    assert 'href="/schedule/chile-peru/2026/02/"' in html
    # An anonymous reader subscribes to the published committee's address.
    assert page.context["subscription"] == {
        "webcal": "webcal://testserver/schedule/chile-peru.ics",
        "https": "http://testserver/schedule/chile-peru.ics",
    }


@time_machine.travel(NOW, tick=False)
def test_signed_in_reader_makes_a_personal_subscription_once(committees):
    public, *_ = committees
    user = reader_of(public)
    client = signed_in(user)
    assert client.get("/schedule/chile-peru/").context["subscription"] == {"create": True}
    response = client.post("/schedule/subscribe/", {"next": "/schedule/chile-peru/"})
    assert response["Location"] == "/schedule/chile-peru/"
    client.post("/schedule/subscribe/", {"next": "https://elsewhere.example/"})
    feed = CalendarFeed.objects.get(user=user)
    assert client.get("/schedule/chile-peru/").context["subscription"] == {
        "webcal": f"webcal://testserver/calendar/{feed.token}.ics",
        "https": f"http://testserver/calendar/{feed.token}.ics",
    }
    assert Client().post("/schedule/subscribe/")["Location"] == "/schedule/sign-in/?next=/schedule/"


@time_machine.travel(NOW, tick=False)
def test_month_calendar(committees):
    page = Client().get("/schedule/chile-peru/2026/3/")
    cells = {
        day.day: [s.number for s, _t in sessions]
        for week in page.context["weeks"]
        for day, sessions in week
        if sessions
    }
    assert cells == {datetime(2026, 3, 2).date(): [2]}
    assert page.context["title"] == "March 2026"
    assert [page.context["previous"].isoformat(), page.context["following"].isoformat()] == ["2026-02-01", "2026-04-01"]
    assert Client().get("/schedule/chile-peru/2026/13/").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_downloads(committees):
    _public, _private, held, upcoming, _hidden = committees
    one = Client().get(f"/schedule/sessions/{held.pk}.ics")
    assert (one["Content-Type"], one["Content-Disposition"]) == (
        "text/calendar; charset=utf-8",
        'attachment; filename="chile-peru-1.ics"',
    )
    assert [str(e["UID"]) for e in Calendar.from_ical(one.content).walk("VEVENT")] == [held.uid]
    every = Client().get("/schedule/chile-peru.ics")
    assert sorted(str(e["UID"]) for e in Calendar.from_ical(every.content).walk("VEVENT")) == sorted(
        [held.uid, upcoming.uid]
    )


@time_machine.travel(NOW, tick=False)
def test_pages_in_spanish_and_english_and_the_switcher(committees):
    _public, _private, held, *_ = committees
    client = Client()
    english = client.get(f"/schedule/sessions/{held.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english and "Download this session (.ics)" in english
    assert '<li class="entry entry-decision"><strong>Decision:</strong> Agreed</li>' in english
    spanish = client.get(f"/schedule/sessions/{held.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in spanish and "<h1>Sesión 1: Founding session</h1>" in spanish
    assert "</strong> Acordado</li>" in spanish and "Agreed" not in spanish
    assert "Comité de Migración" in spanish
    switched = client.post(
        "/i18n/setlang/", {"language": "es", "next": "/schedule/chile-peru/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert switched["Location"] == "/schedule/chile-peru/"
    assert '<html lang="es">' in client.get("/schedule/chile-peru/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


class Outline(HTMLParser):
    """The landmarks, labelled controls and links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.first_link: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label":
            self.labels.add(attrs.get("for", ""))
        if tag in ("select", "input") and attrs.get("type") != "hidden":
            self.controls.append(attrs.get("id", ""))
        if tag == "a" and self.first_link is None:
            self.first_link = attrs.get("href")


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("path", ["/schedule/", "/schedule/chile-peru/", "/schedule/chile-peru/2026/3/", "session"])
def test_pages_have_landmarks_labels_and_a_skip_link(committees, path):
    held = committees[2]
    url = f"/schedule/sessions/{held.pk}/" if path == "session" else path
    outline = Outline()
    outline.feed(Client().get(url).content.decode())
    assert {"header", "main", "footer", "h1"} <= set(outline.tags)
    assert outline.first_link == "#main" and "main" in outline.ids
    assert outline.controls and all(control in outline.labels for control in outline.controls)


@time_machine.travel(NOW, tick=False)
def test_committee_page_queries_do_not_grow_with_sessions(committees):
    public, *_ = committees
    client = Client()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/schedule/chile-peru/").status_code == 200
        return len(captured)

    few = queries()
    for number in range(3, 13):
        session = SessionFactory(
            committee=public, number=number, starts_at=datetime(2026, 4, number, 15, 0, tzinfo=UTC)
        )
        AgendaItemFactory(session=session, position=1, presenter=PersonFactory())
    assert queries() == few


@time_machine.travel(NOW, tick=False)
def test_a_signed_in_persons_language_is_kept_in_their_preferences(committees):
    from tracker.models import UserPreferences

    public, *_ = committees
    user = reader_of(public)
    client = signed_in(user)
    assert '<html lang="en">' in client.get("/schedule/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post("/i18n/setlang/", {"language": "es", "next": "/schedule/"})
    assert UserPreferences.objects.get(user=user).language == "es"
    # On another browser, which asks for English, the person still reads Spanish once signed in.
    elsewhere = signed_in(user)
    assert '<html lang="es">' in elsewhere.get("/schedule/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in Client().get("/schedule/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # A language that does not exist changes nothing.
    client.post("/i18n/setlang/", {"language": "xx", "next": "/schedule/"})
    assert UserPreferences.objects.get(user=user).language == "es"
    assert client.get("/i18n/setlang/").status_code == 405


def test_a_reader_who_is_not_staff_signs_in_to_the_pages(committees, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _public, private, *_ = committees
    user = reader_of(private)
    user.set_password("a long enough passphrase")
    user.save()
    client = Client()
    page = client.get("/schedule/sign-in/?next=/schedule/closed/")
    assert page.status_code == 200
    wrong = client.post(
        "/schedule/sign-in/", {"username": user.username, "password": "nope", "next": "/schedule/closed/"}
    )
    assert wrong.status_code == 200 and wrong.context["form"].errors["__all__"]
    done = client.post(
        "/schedule/sign-in/",
        {"username": user.username, "password": "a long enough passphrase", "next": "/schedule/closed/"},
    )
    assert done["Location"] == "/schedule/closed/"
    assert client.get("/schedule/closed/").status_code == 200
    assert client.post("/schedule/sign-out/")["Location"] == "/schedule/"
    assert client.get("/schedule/closed/")["Location"] == "/schedule/sign-in/?next=/schedule/closed/"
    # Where a second factor is required, the pages ask for it too.
    settings.ADMIN_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    form = {"username": user.username, "password": "a long enough passphrase", "next": "/schedule/closed/"}
    refused = client.post("/schedule/sign-in/", form)
    assert refused.context["form"].errors == {"__all__": ["Enter the authentication code from your authenticator app."]}
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/schedule/sign-in/", {**form, "otp_token": code})["Location"] == "/schedule/closed/"
    assert client.get("/schedule/closed/").status_code == 200
