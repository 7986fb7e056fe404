"""The reminder bench's data: a committee of PEOPLE members (Spanish and English readers, in Lima
and in Santiago), count / PEOPLE sessions one day apart, and a pending reminder for every member
and session, all due at the same instant. Rows are written for a placeholder instant an hour
ahead, then moved to the real one at once (`reminders_due`), when the workers are up."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bench.reminders import PEOPLE
from committees.models import Committee, Membership, Person
from meetings.models import AgendaItem, Reminder, Session
from meetings.reminders.planning import message_id_new

SLUG = "bench-mail"
ZONES = ("America/Lima", "America/Santiago")


def reminders_seed(*, count: int) -> datetime:
    """Write the rows; returns the placeholder instant they are due at."""
    people_count = min(PEOPLE, count)
    if count % people_count:
        raise SystemExit(f"the number of reminders must be a multiple of {PEOPLE}")
    due = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    with transaction.atomic():
        committee = Committee.objects.create(
            slug=SLUG,
            name_es="Comité Binacional de Cooperación Migratoria",
            name_en="Binational Migration Cooperation Committee",
            country_a="CL",
            country_b="PE",
            default_timezone="America/Lima",
        )
        people = Person.objects.bulk_create(
            Person(
                full_name=f"Integrante {n}",
                position="Adviser",
                organisation="Ministry of Foreign Affairs",
                country="CL" if n % 2 else "PE",
                email=f"member{n}@example.org",
                preferred_language="es" if n % 3 else "en",
                timezone=ZONES[n % 2],
            )
            for n in range(people_count)
        )
        Membership.objects.bulk_create(
            Membership(person=person, committee=committee, delegation=person.country, start_date=date(2025, 1, 1))
            for person in people
        )
        # Session k starts k days after the instant; its reminder is k days (in minutes) before it.
        sessions = Session.objects.bulk_create(
            Session(
                committee=committee,
                number=k,
                title=f"Sesión {k} del comité",
                title_en=f"Committee session {k}",
                starts_at=due + timedelta(days=k),
                ends_at=due + timedelta(days=k, hours=2),
                timezone=ZONES[k % 2],
                venue="Arica" if k % 2 else "Tacna",
                host_country="CL" if k % 2 else "PE",
            )
            for k in range(1, count // people_count + 1)
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(
                session=session,
                position=position,
                title=f"Punto {position}",
                title_en=f"Item {position}",
                presenter=people[position] if position % 2 else None,
                duration_minutes=20,
            )
            for session in sessions
            for position in range(1, 6)
        )
        Reminder.objects.bulk_create(
            (
                Reminder(
                    session=session,
                    person=person,
                    offset_minutes=session.number * 24 * 60,
                    due_at=due,
                    next_attempt_at=due,
                    message_id=message_id_new(),
                )
                for session in sessions
                for person in people
            ),
            batch_size=2000,
        )
    return due


def reminders_due(*, placeholder: datetime, at: datetime) -> None:
    """Make every row due at `at`, moving the sessions with them (a row is due exactly its
    offset before its session, or the sender dates it again instead of sending it). The sessions
    are a day apart and move by less than an hour: no two ever overlap on the way."""
    moved = at - placeholder
    with transaction.atomic():
        Session.objects.filter(committee__slug=SLUG).update(
            starts_at=F("starts_at") + moved, ends_at=F("ends_at") + moved
        )
        Reminder.objects.filter(session__committee__slug=SLUG).update(due_at=at, next_attempt_at=at)
