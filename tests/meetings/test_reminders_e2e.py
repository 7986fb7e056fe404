"""Reminders end to end through real parts: the scanner task and the send task run in a real
Celery worker, on the broker the settings name (Redis in CI, the filesystem broker by default),
and the mail goes to a real SMTP server."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from icalendar import Calendar

from config.celery import app
from meetings.choices import ReminderKind, ReminderState
from meetings.models import Reminder
from meetings.reminders import reminders_scan
from meetings.services import session_create
from meetings.tasks import scan_due_reminders
from tests.factories import CommitteeFactory, MembershipFactory, PersonFactory
from tests.smtp import smtp  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    app.control.purge()  # nothing left over from another run
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as running:
        yield running


def _wait_for(predicate, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_each_member_gets_exactly_one_mail(worker, smtp, settings):  # noqa: F811
    """Planned 55 minutes ahead with a 1 h reminder: the invitation is the one mail, the reminder
    it stands in for is missed."""
    settings.REMINDER_CHUNK = 2  # five rows: three send tasks
    settings.REMINDER_DEBOUNCE_SECONDS = 0  # the invitations are due at once
    committee = CommitteeFactory(reminder_offsets=[60], secretariat_email="secretariat@committee.example")
    people = [PersonFactory(email=f"member{n}@example.org", preferred_language=("es", "en")[n % 2]) for n in range(5)]
    for person in people:
        MembershipFactory(committee=committee, person=person)
    starts = timezone.now() + timedelta(minutes=60, seconds=-5)  # the 1 h reminders would be due now
    session = session_create(
        committee=committee,
        title="Border coordination",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        timezone="America/Lima",
        venue="Lima",
        host_country="PE",
    )
    scan_due_reminders.delay()
    invitations = Reminder.objects.filter(kind=ReminderKind.INVITATION)
    _wait_for(lambda: len(smtp.messages) == 5 and not invitations.exclude(state=ReminderState.SENT).exists())
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == sorted(p.email for p in people)
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(invitations.values_list("message_id", flat=True))
    assert set(Reminder.objects.values_list("kind", "state")) == {("invitation", "sent"), ("reminder", "missed")}
    for message in smtp.messages:
        (attachment,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        (event,) = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
        assert (str(event["UID"]), event["SEQUENCE"]) == (session.uid, 0)
    subjects = {m["To"].addresses[0].addr_spec: m["Subject"].strip() for m in smtp.messages}
    assert subjects == {
        p.email: (
            f"Invitación: {committee.name_es}, sesión 1 — Border coordination"
            if p.preferred_language == "es"
            else f"Invitation: {committee.name_en}, session 1 — Border coordination"
        )
        for p in people
    }
    assert smtp.connections == 3  # one per chunk
    # Nothing is left to send: another scan claims nothing.
    assert reminders_scan(enqueue=lambda chunk, token: pytest.fail("nothing should be due")) == 0
    assert len(smtp.messages) == 5
