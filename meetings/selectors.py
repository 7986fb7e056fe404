import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils.translation import override
from django_countries import countries

from committees.access import Access, access_for, by_committee
from committees.models import Committee
from meetings.models import AgendaItem, Commitment, Session, SessionTombstone
from meetings.records.choices import BOTH_DELEGATIONS
from meetings.records.commitments import commitments_open
from tracker.timezones import to_wall_clock


def sessions_with_agenda() -> QuerySet[Session]:
    """Sessions with committee, agenda and presenters in three queries however many there are."""
    agenda = AgendaItem.objects.select_related("presenter").order_by("position")
    return (
        Session.objects.select_related("committee")
        .prefetch_related(Prefetch("agenda_items", queryset=agenda))
        .order_by("starts_at", "pk")
    )


def sessions_visible(*, access: Access, queryset: QuerySet[Session] | None = None) -> QuerySet[Session]:
    """The sessions of the committees `access` sees (by default with their agendas)."""
    return by_committee(access=access, queryset=sessions_with_agenda() if queryset is None else queryset)


def sessions_editable(*, access: Access, queryset: QuerySet[Session]) -> QuerySet[Session]:
    return by_committee(access=access, queryset=queryset, editable=True)


def by_session_committee(*, access: Access, queryset: QuerySet, editable: bool = False) -> QuerySet:
    """Rows of a session (agenda items, invitees, reminders) that the user may see (or change)."""
    return by_committee(access=access, queryset=queryset, path="session__committee", editable=editable)


def session_tombstones() -> QuerySet[SessionTombstone]:
    return SessionTombstone.objects.order_by("deleted_at", "session_id")


def session_next_number(*, committee: Committee) -> int:
    return (Session.objects.filter(committee=committee).aggregate(top=Max("number"))["top"] or 0) + 1


@dataclass(frozen=True)
class SessionProposal:
    """What "plan the next session" proposes: to be reviewed and saved like any new session."""

    committee_id: int
    number: int
    host_country: str
    timezone: str
    venue: str
    title: str
    title_en: str
    starts_local: datetime  # wall-clock time at the venue
    ends_local: datetime
    agenda: list[dict]


def session_next_proposal(*, after: Session, today: date) -> SessionProposal:
    """The session after `after`: the committee's next number, hosted by the other member
    country, on the first Monday after both `after` and today with no session of the committee,
    at the same local time of day and length, at the venue that country used last (else the
    committee's zone and an empty venue), with the same title and agenda items, and a last item
    that follows up the committee's open commitments (`agenda_follow_up`)."""
    committee = after.committee
    countries = committee.countries
    host = countries[1] if after.host_country.code == countries[0] else countries[0]
    previous_there = (
        Session.objects.filter(committee=committee, host_country=host).order_by("-starts_at", "-pk").first()
    )
    zone_name = previous_there.timezone if previous_there else committee.default_timezone
    venue = previous_there.venue if previous_there else ""
    local_start = to_wall_clock(after.starts_at, after.timezone)
    length = after.ends_at - after.starts_at
    day = max(local_start.date(), today)
    day += timedelta(days=(7 - day.weekday()) % 7 or 7)  # the next Monday after that day
    taken = {
        to_wall_clock(starts_at, zone_name).date()
        for starts_at in Session.objects.filter(
            committee=committee, starts_at__date__gte=day - timedelta(days=1)
        ).values_list("starts_at", flat=True)
    }
    while day in taken:
        day += timedelta(weeks=1)
    starts_local = datetime.combine(day, local_start.time())
    agenda = [
        {
            "title": item.title,
            "title_en": item.title_en,
            "description": item.description,
            "description_en": item.description_en,
            "presenter": item.presenter_id,
            "duration_minutes": item.duration_minutes,
        }
        for item in after.agenda_items.order_by("position")
    ]
    agenda = agenda_follow_up(agenda=agenda, commitments=list(commitments_open(committee=committee)))
    return SessionProposal(
        committee_id=committee.pk,
        number=session_next_number(committee=committee),
        host_country=host,
        timezone=zone_name,
        venue=venue,
        title=after.title,
        title_en=after.title_en,
        starts_local=starts_local,
        ends_local=starts_local + length,
        agenda=agenda,
    )


# The item that follows up open commitments, in the committee's two working languages: a fixed
# name, so that a copied agenda's item is recognised and not added twice.
FOLLOW_UP_TITLE = "Seguimiento de compromisos"
FOLLOW_UP_TITLE_EN = "Follow-up of commitments"
FOLLOW_UP_MINUTES = 15
_BOTH = {"es": "ambas delegaciones", "en": "both delegations"}
_DUE = {"es": "plazo", "en": "due"}


def _responsible(code: str, language: str) -> str:
    if code == BOTH_DELEGATIONS:
        return _BOTH[language]
    with override(language):
        return str(countries.name(code)) or code


def _follow_up_lines(commitments: list[Commitment], language: str) -> str:
    lines = []
    for commitment in commitments:
        text = (commitment.text_en or commitment.text) if language == "en" else commitment.text
        responsible = _responsible(commitment.responsible, language)
        lines.append(f"- {text} ({responsible}; {_DUE[language]} {commitment.due_on.isoformat()})")
    return "\n".join(lines)


def _is_follow_up(row: dict) -> bool:
    return row["title"] == FOLLOW_UP_TITLE or row["title_en"] == FOLLOW_UP_TITLE_EN


def agenda_follow_up(*, agenda: list[dict], commitments: list[Commitment]) -> list[dict]:
    """`agenda` (rows as `SessionProposal.agenda` holds them) ending with the item that follows up
    `commitments`, one line each with the responsible delegation and the due date: the copied
    agenda's own follow-up item brought up to date and moved last, else a new one. With nothing
    open there is nothing to follow up, and a copied follow-up item (listing what is now closed)
    is left out."""
    copied = next((row for row in agenda if _is_follow_up(row)), None)
    others = [row for row in agenda if not _is_follow_up(row)]
    if not commitments:
        return others
    follow_up = copied or {
        "title": FOLLOW_UP_TITLE,
        "title_en": FOLLOW_UP_TITLE_EN,
        "presenter": None,
        "duration_minutes": FOLLOW_UP_MINUTES,
    }
    descriptions = {
        "description": _follow_up_lines(commitments, "es"),
        "description_en": _follow_up_lines(commitments, "en"),
    }
    return [*others, {**follow_up, **descriptions}]


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    sessions: list[Session]


def month_neighbours(first: date) -> tuple[date, date]:
    """The first days of the months before and after the one `first` begins."""
    return (first - timedelta(days=1)).replace(day=1), (first + timedelta(days=31)).replace(day=1)


def sessions_month(*, sessions: QuerySet[Session], year: int, month: int) -> list[list[CalendarDay]]:
    """The weeks (Monday first) of a month, each day with the sessions that start on it on the
    venue's clock. One query."""
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    # A day either side: the venue's date can differ from UTC's.
    window = sessions.filter(
        starts_at__gte=datetime.combine(first - timedelta(days=1), time.min, tzinfo=UTC),
        starts_at__lt=datetime.combine(last + timedelta(days=2), time.min, tzinfo=UTC),
    ).select_related("committee")
    by_day: dict[date, list[Session]] = {}
    for session in window.order_by("starts_at", "pk"):
        by_day.setdefault(to_wall_clock(session.starts_at, session.timezone).date(), []).append(session)
    return [[CalendarDay(day, day.month == month, by_day.get(day, [])) for day in week] for week in weeks]


def schedule_committees(*, user) -> QuerySet[Committee]:
    """The committees whose schedule `user` may read on the pages: those published, and those
    they are assigned to."""
    published = Committee.objects.filter(schedule_published=True)
    if not user.is_authenticated:
        return published.order_by("name_en")
    access = access_for(user)
    if access.everything:
        return Committee.objects.order_by("name_en")
    return Committee.objects.filter(Q(schedule_published=True) | Q(pk__in=access.committees)).order_by("name_en")
