from datetime import UTC, datetime

import pytest

from meetings.models import RecordEntry
from tests.factories import AgendaItemFactory, PersonFactory, SessionFactory
from tests.meetings.test_record_pages import record_approved

pytestmark = pytest.mark.django_db


def test_session_page_for_signed_in_people(client, admin_client):
    session = SessionFactory(number=2, title="Border coordination", starts_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC))
    item = AgendaItemFactory(
        session=session,
        position=1,
        title="Visas",
        duration_minutes=30,
        presenter=PersonFactory(full_name="Hugo de Zela"),
    )
    record_approved(session, [RecordEntry(agenda_item=item, kind="decision", text="Acordado.")])
    url = f"/schedule/sessions/{session.pk}/"
    assert client.get(url)["Location"] == f"/schedule/sign-in/?next={url}"
    page = admin_client.get(url).content.decode()
    for text in (
        # Titles are kept in Spanish first: an English reader is told which language they read.
        '<h1>Session 2: <span lang="es">Border coordination</span></h1>',
        '<th scope="row">At the venue</th><td>2026-12-07 10:00 UTC-03:00 (America/Santiago) – '
        "2026-12-07 12:00 UTC-03:00 (America/Santiago)</td>",
        '<th scope="row">Lima</th><td>2026-12-07 08:00 UTC-05:00 (America/Lima)</td>',
        '<strong><span lang="es">Visas</span></strong> — Hugo de Zela (30 minutes)',
        '<li class="entry entry-decision"><strong>Decision:</strong> <span lang="es">Acordado.</span></li>',
    ):
        assert text in page, text
    assert admin_client.get("/schedule/sessions/999999/").status_code == 404


def test_reminder_links_to_the_session_page(settings):
    from meetings.mail import reminder_mail
    from meetings.models import Reminder

    settings.SITE_URL = "https://committee.example"
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    row = Reminder(
        session=session,
        person=PersonFactory(),
        due_at=session.starts_at,
        next_attempt_at=session.starts_at,
        message_id="<x@y>",
    )
    text = reminder_mail(row).message.body
    assert f"https://committee.example/schedule/sessions/{session.pk}/" in text


def test_session_page_in_spanish(admin_client):
    session = SessionFactory(number=3, title="Visas", starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    page = admin_client.get(f"/schedule/sessions/{session.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Sesión 3: Visas</h1>" in page
    assert '<th scope="row">En la sede</th>' in page
