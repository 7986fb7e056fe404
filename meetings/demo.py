"""Demo data: the Chile–Peru Binational Migration Cooperation Committee formed after the
migrants were stranded at the Chacalluta–Santa Rosa border in November 2025."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from committees.choices import Language
from committees.models import Committee, Membership, Person
from committees.services import committee_save, membership_create, person_save
from committees.writes import schedule_writes_together
from meetings.choices import SessionStatus
from meetings.demo_data import (
    COMMITTEE,
    COMMITTEE_SLUG,
    FIRST_AGENDA,
    FIRST_SESSION_DAY,
    FOLLOW_UP_AGENDA,
    MAX_WEEKS_AHEAD,
    MEMBERS_FROM,
    OFFICIALS,
    SESSION_LENGTH,
    SESSION_START,
    UPCOMING_SESSIONS,
    VENUES,
    Official,
)
from meetings.models import Session
from meetings.selectors import session_next_number
from meetings.services import session_create
from tracker.timezones import make_aware_strict, to_zone


@dataclass
class SeedReport:
    people_created: int = 0
    memberships_created: int = 0
    sessions_created: int = 0
    skipped: list[str] = field(default_factory=list)


def _monday_after(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def _other(country: str) -> str:
    return "PE" if country == "CL" else "CL"


def _times(day: date, zone_name: str) -> tuple[datetime, datetime]:
    start = make_aware_strict(datetime.combine(day, SESSION_START), zone_name)
    return start, start + SESSION_LENGTH


def _official(*, committee: Committee, official: Official, report: SeedReport) -> Person:
    """The official's person record: the one already sitting on the committee under that name,
    or the one with that e-mail, or a new one. Staff edits since the last run are kept."""
    person = (
        Person.objects.filter(memberships__committee=committee, full_name=official.full_name).first()
        or Person.objects.filter(email=official.email).order_by("pk").first()
    )
    if person is None:
        person = person_save(
            person=Person(
                full_name=official.full_name,
                position=official.position,
                organisation=official.organisation,
                country=official.country,
                email=official.email,
                preferred_language=Language.SPANISH,
                timezone=VENUES[official.country][0],
            )
        )
        report.people_created += 1
    if not Membership.objects.filter(person=person, committee=committee).exists():
        try:
            membership_create(
                person=person,
                committee=committee,
                role=official.role,
                delegation=official.country,
                start_date=MEMBERS_FROM,
            )
            report.memberships_created += 1
        except ValidationError as exc:  # e.g. staff gave the seat to someone else
            report.skipped.append(f"{official.full_name}: {'; '.join(exc.messages)}")
    return person


def _session(report: SeedReport, **fields) -> int:
    """Create one session; 1 if it was made, 0 if a rule refused it (e.g. staff use that time)."""
    try:
        session_create(**fields)
    except ValidationError as exc:
        report.skipped.append(f"{fields['title']}: {'; '.join(exc.messages)}")
        return 0
    report.sessions_created += 1
    return 1


def seed_demo(*, now: datetime | None = None) -> SeedReport:
    """Create what is missing of the demo committee; running it again changes nothing, except
    that it keeps UPCOMING_SESSIONS scheduled sessions ahead of `now` on the next free Mondays.
    One write, through the services."""
    now = now or timezone.now()
    with schedule_writes_together(now=now):
        return _seed(now=now)


def _seed(*, now: datetime) -> SeedReport:
    report = SeedReport()
    committee = Committee.objects.filter(slug=COMMITTEE_SLUG).first() or committee_save(
        committee=Committee(slug=COMMITTEE_SLUG, **COMMITTEE)
    )

    people = {official.key: _official(committee=committee, official=official, report=report) for official in OFFICIALS}

    if not Session.objects.filter(committee=committee, number=1).exists():
        zone_name, venue = VENUES["CL"]
        starts_at, ends_at = _times(FIRST_SESSION_DAY, zone_name)
        _session(
            report,
            committee=committee,
            number=1,
            status=SessionStatus.HELD,
            title="Los migrantes varados en la frontera Chacalluta–Santa Rosa",
            title_en="The migrants stranded at the Chacalluta–Santa Rosa border",
            description="Sesión inaugural, convocada por los dos cancilleres.",
            description_en="Inaugural session, convened by the two foreign ministers.",
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=zone_name,
            venue=venue,
            host_country="CL",
            agenda=[item.agenda_item(people) for item in FIRST_AGENDA],
            now=now,
        )

    upcoming = Session.objects.filter(committee=committee, status=SessionStatus.SCHEDULED, starts_at__gt=now)
    taken_days = {
        to_zone(session.starts_at, session.timezone).date()
        for session in Session.objects.filter(committee=committee, starts_at__gt=now)
    }
    missing = UPCOMING_SESSIONS - upcoming.count()
    day = _monday_after(timezone.localdate(now))
    for _week in range(MAX_WEEKS_AHEAD):
        if missing <= 0:
            break
        if day not in taken_days:
            last = Session.objects.filter(committee=committee).order_by("-number").first()
            host = _other(last.host_country.code) if last else "CL"
            zone_name, venue = VENUES[host]
            starts_at, ends_at = _times(day, zone_name)
            number = session_next_number(committee=committee)
            missing -= _session(
                report,
                committee=committee,
                number=number,
                title="Seguimiento",
                title_en="Follow-up",
                description="Sesión ordinaria del comité.",
                description_en="Regular session of the committee.",
                starts_at=starts_at,
                ends_at=ends_at,
                timezone=zone_name,
                venue=venue,
                host_country=host,
                agenda=[item.agenda_item(people) for item in FOLLOW_UP_AGENDA],
                now=now,
            )
        day += timedelta(days=7)
    return report
