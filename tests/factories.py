from datetime import UTC, date, datetime, timedelta

import factory

from committees.choices import Role
from committees.models import Committee, Membership, Person
from meetings.choices import MAX_AGENDA_POSITION, SessionStatus
from meetings.models import AgendaItem, Invitee, Session


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    slug = factory.Sequence(lambda n: f"committee-{n}")
    name_es = factory.Sequence(lambda n: f"Comité {n}")
    name_en = factory.Sequence(lambda n: f"Committee {n}")
    country_a = "CL"
    country_b = "PE"
    default_timezone = "America/Lima"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Person {n}")
    position = "Adviser"
    country = "CL"
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    preferred_language = "es"
    timezone = "America/Santiago"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    committee = factory.SubFactory(CommitteeFactory)
    role = Role.MEMBER
    delegation = "CL"
    start_date = date(2025, 11, 28)


class SessionFactory(factory.django.DjangoModelFactory):
    """Sessions one week apart, two hours long, at 13:00 UTC; written straight to the table."""

    class Meta:
        model = Session

    committee = factory.SubFactory(CommitteeFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Session {n + 1}")
    status = SessionStatus.SCHEDULED
    starts_at = factory.Sequence(lambda n: datetime(2026, 1, 5, 13, 0, tzinfo=UTC) + timedelta(weeks=n))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=2))
    timezone = "America/Santiago"
    venue = "Ministry of Foreign Affairs, Santiago"
    host_country = "CL"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    session = factory.SubFactory(SessionFactory)
    # Within the positions an agenda allows (1–999), however many items a test run makes.
    position = factory.Sequence(lambda n: n % MAX_AGENDA_POSITION + 1)
    title = factory.Sequence(lambda n: f"Item {n + 1}")
    duration_minutes = 20


class InviteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitee

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(PersonFactory)
