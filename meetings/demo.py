"""Demo data: the Chile–Peru Binational Migration Cooperation Committee formed after the
migrants were stranded at the Chacalluta–Santa Rosa border in November 2025, with the record of
its first session approved by both delegations (and its three commitments followed), and the
record of the follow-up session approved by Chile and awaiting Peru."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from committees.access import Access
from committees.choices import Language
from committees.models import Committee, Membership, Person
from committees.services import committee_save, membership_create, person_save
from committees.writes import schedule_writes_together
from meetings.choices import SessionStatus
from meetings.demo_data import (
    COMMITTEE,
    COMMITTEE_SLUG,
    FIRST_AGENDA,
    FIRST_AGREED,
    FIRST_CLOSING,
    FIRST_DONE,
    FIRST_SESSION_DAY,
    FOLLOW_UP_AGENDA,
    MAX_WEEKS_AHEAD,
    MEMBERS_FROM,
    OFFICIALS,
    SECOND_AGENDA,
    SECOND_CLOSING,
    SECOND_SESSION_DAY,
    SESSION_LENGTH,
    SESSION_START,
    SYSTEM_USERNAME,
    UPCOMING_SESSIONS,
    VENUES,
    Official,
    record_entries,
)
from meetings.models import Commitment, RecordEntry, Session
from meetings.records.choices import CommitmentStatus
from meetings.records.commitments import commitment_status_set
from meetings.records.services import record_approve, record_propose, record_save, record_start
from meetings.selectors import session_next_number
from meetings.services import session_create
from tracker.timezones import make_aware_strict, to_zone


@dataclass
class SeedReport:
    people_created: int = 0
    memberships_created: int = 0
    sessions_created: int = 0
    records_created: int = 0
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


def _secretariat(committee: Committee, country: str) -> Access:
    """What one delegation's secretariat may do on the committee: the demo records are written and
    approved as each delegation's would."""
    return Access(
        everything=False, committees=frozenset({committee.pk}), delegations=frozenset({(committee.pk, country)})
    )


def _system_user() -> AbstractBaseUser:
    user, _created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"first_name": "Demo data", "is_active": False, "password": make_password(None)},
    )
    return user


def _record(
    report: SeedReport,
    *,
    session: Session,
    entries: list[RecordEntry],
    closing: tuple[str, str],
    approvers: tuple[str, ...],
    done: tuple[str, str] | None = None,
) -> None:
    """Write the held session's record through the services, as the first country's secretariat,
    propose it, have `approvers` approve it, and mark the commitment `done` names (its text, the
    note): all of it, or nothing if a rule refuses a step."""
    committee = session.committee
    writer = _secretariat(committee, committee.countries[0])
    user = _system_user()
    try:
        with schedule_writes_together():
            record = record_start(session=session, access=writer)
            record.closing_remarks, record.closing_remarks_en = closing
            record = record_save(record=record, access=writer, user=user, entries=entries)
            record = record_propose(record=record, access=writer, user=user)
            for country in approvers:
                access = _secretariat(committee, country)
                record = record_approve(record=record, revision=record.revision, access=access, user=user)
            if done is not None:
                text, note = done
                commitment = Commitment.objects.get(key=next(entry.key for entry in entries if entry.text == text))
                commitment_status_set(
                    commitment=commitment, status=CommitmentStatus.DONE, note=note, access=writer, user=user
                )
    except ValidationError as exc:
        report.skipped.append(f"{session}: {'; '.join(exc.messages)}")
        return
    report.records_created += 1


def _held_follow_up(*, committee: Committee, people: dict[str, Person], report: SeedReport, now: datetime) -> None:
    """The follow-up session held in Lima two weeks after the first, if the committee has held
    no other session yet (and it is over by `now`)."""
    zone_name, venue = VENUES["PE"]
    starts_at, ends_at = _times(SECOND_SESSION_DAY, zone_name)
    held = Session.objects.filter(committee=committee, status=SessionStatus.HELD).exclude(number=1)
    if held.exists() or ends_at > now:
        return
    _session(
        report,
        committee=committee,
        number=session_next_number(committee=committee),
        status=SessionStatus.HELD,
        title="Seguimiento de los acuerdos",
        title_en="Follow-up of the agreements",
        description="Primera sesión de seguimiento, en Lima.",
        description_en="First follow-up session, in Lima.",
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone_name,
        venue=venue,
        host_country="PE",
        agenda=[item.agenda_item(people) for item in SECOND_AGENDA],
        now=now,
    )


def _records(*, committee: Committee, people: dict[str, Person], report: SeedReport, now: datetime) -> None:
    """The first session's record, approved by both delegations, its first commitment met; the
    next held session's record proposed and approved by Chile only, awaiting Peru. A session that
    has a record already is left as it is."""
    held = Session.objects.filter(committee=committee, status=SessionStatus.HELD, record__isnull=True)
    today = to_zone(now, committee.default_timezone).date()
    first = held.filter(number=1).first()
    if first is not None:
        entries = record_entries(session=first, agenda=FIRST_AGENDA, agreed=FIRST_AGREED, people=people, today=today)
        _record(
            report,
            session=first,
            entries=entries,
            closing=FIRST_CLOSING,
            approvers=committee.countries,
            done=(FIRST_AGREED[0].text, FIRST_DONE),
        )
    if Session.objects.filter(
        committee=committee, status=SessionStatus.HELD, number__gt=1, record__isnull=False
    ).exists():
        return
    second = held.filter(number__gt=1).order_by("starts_at", "pk").first()
    if second is not None:
        entries = record_entries(session=second, agenda=SECOND_AGENDA, agreed=[], people=people, today=today)
        _record(report, session=second, entries=entries, closing=SECOND_CLOSING, approvers=(committee.countries[0],))


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

    _held_follow_up(committee=committee, people=people, report=report, now=now)
    _records(committee=committee, people=people, report=report, now=now)

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
