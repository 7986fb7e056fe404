"""Titles, agenda texts and what the record agreed, entered in Spanish and English, shown in the
reader's language (English readers see the Spanish where no English was given)."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from icalendar import Calendar

from meetings.mail import reminder_mail
from meetings.models import RecordEntry, Reminder, Session
from tests.api import editor, reader
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory
from tests.meetings.test_record_pages import record_approved
from tracker.schedule import schedule_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    committee = CommitteeFactory(
        slug="chile-peru", name_es="Comité de Migración", name_en="Migration Committee", schedule_published=True
    )
    session = SessionFactory(
        committee=committee,
        number=2,
        title="Revisión fronteriza",
        title_en="Border review",
        description="Sesión ordinaria.",
        description_en="Regular session.",
        starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC),
    )
    AgendaItemFactory(session=session, position=1, title="Apertura", title_en="Opening")
    AgendaItemFactory(session=session, position=2, title="Visas", title_en="")  # no English given
    schedule_changed()
    return session


@pytest.fixture
def recorded(session):
    """The session held, with what was agreed on its opening in both languages, and a note in Spanish only."""
    opening, visas = session.agenda_items.order_by("position")
    record_approved(
        session,
        [
            RecordEntry(agenda_item=opening, kind="decision", text="Acordado", text_en="Agreed"),
            RecordEntry(agenda_item=visas, kind="note", text="Sin acuerdos"),
        ],
    )
    return session


def test_session_page_in_each_language(client, recorded):
    session = recorded
    spanish = client.get(f"/schedule/sessions/{session.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(f"/schedule/sessions/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in (
        "<h1>Sesión 2: Revisión fronteriza</h1>",
        "<p>Sesión ordinaria.</p>",
        "<strong>Apertura</strong>",
        "</strong> Acordado</li>",
        "</strong> Sin acuerdos</li>",
    ):
        assert text in spanish, text
    for text in (
        "<h1>Session 2: Border review</h1>",
        "<p>Regular session.</p>",
        "<strong>Opening</strong>",
        '<li class="entry entry-decision"><strong>Decision:</strong> Agreed</li>',
        '<li class="entry entry-note"><strong>Note:</strong> <span lang="es">Sin acuerdos</span></li>',
    ):
        assert text in english, text
    assert "Revisión fronteriza" not in english and "Comité de Migración" not in english


def test_calendars_follow_the_readers_language_and_are_cached_apart(session):
    client = reader()
    summaries = {}
    for language in ("es", "en", "es"):
        response = client.get("/api/v1/sessions.ics", HTTP_ACCEPT_LANGUAGE=language)
        (event,) = Calendar.from_ical(response.content).walk("VEVENT")
        summaries.setdefault(language, set()).add(str(event["SUMMARY"]))
    assert summaries == {
        "es": {"Comité de Migración: Revisión fronteriza"},
        "en": {"Migration Committee: Border review"},
    }


def test_reminders_in_the_persons_language(session):
    def subject(language: str) -> str:
        person = PersonFactory(preferred_language=language)
        row = Reminder(
            session=session,
            person=person,
            due_at=session.starts_at,
            next_attempt_at=session.starts_at,
            message_id=f"<{language}@x>",
        )
        return reminder_mail(row).message.subject

    assert subject("es") == "Recordatorio: Comité de Migración, sesión 2 — Revisión fronteriza"
    assert subject("en") == "Reminder: Migration Committee, session 2 — Border review"
    assert mail.outbox == []


def test_api_reads_and_writes_both_languages(session):
    client = editor()
    response = client.patch(
        f"/api/v1/sessions/{session.pk}/",
        {
            "title_en": "Border review (2)",
            "agenda": [{"title": "Apertura", "title_en": "Opening (2)", "duration_minutes": 10}],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["title_en"]) == ("Revisión fronteriza", "Border review (2)")
    assert [(i["title"], i["title_en"]) for i in body["agenda"]] == [("Apertura", "Opening (2)")]
    stored = Session.objects.get(pk=session.pk)
    assert stored.title_en == "Border review (2)"
    refused = client.patch(f"/api/v1/sessions/{session.pk}/", {"title_en": "Line\nBcc: someone"})
    assert (refused.status_code, list(refused.json())) == (400, ["title_en"])
    assert Session.objects.get(pk=session.pk).title_en == "Border review (2)"


def test_personal_feeds_use_the_persons_chosen_language(session):
    from django.test import Client

    from tests.api import administrator, token_client
    from tracker.models import UserPreferences
    from tracker.tokens import calendar_feed_create

    user = administrator()
    UserPreferences.objects.create(user=user, language="es")
    feed = calendar_feed_create(user=user)
    for response in (
        Client().get(f"/calendar/{feed.token}.ics"),
        token_client(user).get("/api/v1/sessions.ics"),
        token_client(user).get(f"/api/v1/sessions/{session.pk}.ics"),
    ):
        (event,) = Calendar.from_ical(response.content).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Comité de Migración: Revisión fronteriza"
        assert "1. Apertura (20 min)" in str(event["DESCRIPTION"])


def test_spanish_shown_to_an_english_reader_is_marked_as_spanish(client, session):
    english = client.get(f"/schedule/sessions/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<strong>Opening</strong>" in english
    assert '<strong><span lang="es">Visas</span></strong>' in english
    spanish = client.get(f"/schedule/sessions/{session.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<strong>Visas</strong>" in spanish and 'lang="es">Visas' not in spanish
