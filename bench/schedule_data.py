"""The API bench's data, written into the (scratch) database DATABASE_URL names: a committee with
LIST_SESSIONS sessions of AGENDA_ITEMS items for the session list, another with FEED_SESSIONS
for the calendar feeds, and a reader of each (as a ministry dashboard and a calendar client
would be), with an API token; the feed's reader also has a personal calendar address.

    python -m bench.schedule_data   (prints the tokens and addresses as JSON)
"""

import json
import os
from datetime import UTC, date, datetime, timedelta

import django

LIST_SESSIONS = 200
FEED_SESSIONS = 2000
AGENDA_ITEMS = 5
PRESENTERS = 20


def _committee(slug: str, name: str):
    from committees.models import Committee

    return Committee.objects.create(
        slug=slug,
        name_es=f"Comité binacional {name}",
        name_en=f"Binational committee {name}",
        country_a="CL",
        country_b="PE",
        default_timezone="America/Lima",
    )


def _presenters(committee) -> list:
    from committees.models import Membership, Person

    people = Person.objects.bulk_create(
        Person(
            full_name=f"Presenter {committee.slug} {n}",
            position="Adviser",
            country="CL" if n % 2 else "PE",
            email=f"presenter{n}@{committee.slug}.example.org",
            preferred_language="es" if n % 2 else "en",
            timezone="America/Santiago" if n % 2 else "America/Lima",
        )
        for n in range(PRESENTERS)
    )
    Membership.objects.bulk_create(
        Membership(person=person, committee=committee, delegation=person.country, start_date=date(2025, 1, 1))
        for person in people
    )
    return people


def _sessions(committee, *, count: int, every: timedelta) -> None:
    """`count` sessions of two hours, `every` apart, alternating venues, each with a full agenda."""
    from meetings.models import AgendaItem, Session

    first = datetime(2030, 1, 7, 13, 0, tzinfo=UTC)
    venues = [("America/Santiago", "Ministerio de Relaciones Exteriores, Santiago", "CL"),
              ("America/Lima", "Palacio de Torre Tagle, Lima", "PE")]  # fmt: skip
    sessions = Session.objects.bulk_create(
        Session(
            committee=committee,
            number=number,
            title=f"Sesión ordinaria {number}",
            title_en=f"Ordinary session {number}",
            description="Seguimiento de los acuerdos sobre el paso fronterizo Chacalluta–Santa Rosa.",
            description_en="Follow-up of the agreements on the Chacalluta–Santa Rosa border crossing.",
            starts_at=first + every * number,
            ends_at=first + every * number + timedelta(hours=2),
            timezone=venues[number % 2][0],
            venue=venues[number % 2][1],
            host_country=venues[number % 2][2],
        )
        for number in range(1, count + 1)
    )
    presenters = _presenters(committee)
    AgendaItem.objects.bulk_create(
        AgendaItem(
            session=session,
            position=position,
            title=f"Punto {position}: informe de las delegaciones",
            title_en=f"Item {position}: the delegations' report",
            description="Informe y debate.",
            description_en="Report and discussion.",
            presenter=presenters[(session.number + position) % PRESENTERS] if position % 2 else None,
            duration_minutes=20,
        )
        for session in sessions
        for position in range(1, AGENDA_ITEMS + 1)
    )


def _reader(username: str, committee):
    from django.contrib.auth.models import Group, User

    from committees.models import StaffAssignment
    from tracker.roles import READER
    from tracker.tokens import api_token_create

    user = User.objects.create_user(username)
    user.groups.add(Group.objects.get(name=READER))
    StaffAssignment.objects.create(user=user, committee=committee)
    return user, api_token_create(user=user, name="bench")[1]


def schedule_seed() -> dict[str, str]:
    from django.db import transaction

    from tracker.schedule import schedule_changed
    from tracker.tokens import calendar_feed_create

    with transaction.atomic():
        listed = _committee("bench-list", "de la lista")
        _sessions(listed, count=LIST_SESSIONS, every=timedelta(weeks=1))
        fed = _committee("bench-feed", "del calendario")
        _sessions(fed, count=FEED_SESSIONS, every=timedelta(days=1))
        _list_reader, list_token = _reader("bench-list-reader", listed)
        feed_reader, feed_token = _reader("bench-feed-reader", fed)
        feed = calendar_feed_create(user=feed_reader)
        schedule_changed()  # what is cached for the version before the data is out of date
    return {"list_token": list_token, "feed_token": feed_token, "personal_feed": f"/calendar/{feed.token}.ics"}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    django.setup()
    print(json.dumps(schedule_seed()))
