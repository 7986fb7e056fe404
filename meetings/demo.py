"""Demo data: the Chile–Peru Binational Migration Cooperation Committee formed after the
migrants were stranded at the Chacalluta–Santa Rosa border in November 2025."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from committees.choices import Language, Role
from committees.models import Committee, Membership, Person
from committees.services import membership_create
from meetings.choices import SessionStatus
from meetings.models import AgendaItem, Session
from meetings.services import session_create, session_next_number
from tracker.timezones import make_aware_strict, to_zone

COMMITTEE_SLUG = "chile-peru-migration"
UPCOMING_SESSIONS = 3
SESSION_START = time(10, 0)
SESSION_LENGTH = timedelta(hours=2)
FIRST_SESSION_DAY = date(2025, 12, 1)
MEMBERS_FROM = date(2025, 11, 28)

VENUES = {
    "CL": ("America/Santiago", "Ministry of Foreign Affairs of Chile, Santiago"),
    "PE": ("America/Lima", "Ministry of Foreign Affairs of Peru, Lima"),
}


@dataclass(frozen=True)
class Official:
    key: str
    full_name: str
    position: str
    organisation: str
    country: str
    role: str
    email: str


OFFICIALS = [
    Official(
        "van_klaveren",
        "Alberto van Klaveren",
        "Minister of Foreign Affairs",
        "Ministry of Foreign Affairs of Chile",
        "CL",
        Role.CO_CHAIR,
        "alberto.vanklaveren@minrel.cl.example",
    ),
    Official(
        "de_zela",
        "Hugo de Zela",
        "Minister of Foreign Affairs",
        "Ministry of Foreign Affairs of Peru",
        "PE",
        Role.CO_CHAIR,
        "hugo.dezela@rree.pe.example",
    ),
    Official(
        "cordero",
        "Luis Cordero",
        "Minister of Public Security",
        "Ministry of Public Security of Chile",
        "CL",
        Role.MEMBER,
        "luis.cordero@seguridad.cl.example",
    ),
    Official(
        "elizalde",
        "Álvaro Elizalde",
        "Minister of the Interior",
        "Ministry of the Interior of Chile",
        "CL",
        Role.MEMBER,
        "alvaro.elizalde@interior.cl.example",
    ),
    Official(
        "ramos",
        "Víctor Ramos",
        "Undersecretary of the Interior",
        "Ministry of the Interior of Chile",
        "CL",
        Role.ADVISER,
        "victor.ramos@interior.cl.example",
    ),
    Official(
        "collado",
        "Rafael Collado",
        "Undersecretary of Public Security",
        "Ministry of Public Security of Chile",
        "CL",
        Role.ADVISER,
        "rafael.collado@seguridad.cl.example",
    ),
]

FIRST_AGENDA = [
    (
        "Water and food for the migrants stranded at the border",
        "cordero",
        30,
        "Over a hundred migrants, most of them Venezuelan, are stranded near the Chacalluta border complex "
        "without water or food.",
        "Both delegations agreed to keep water, food and first aid reaching the migrants at the border "
        "while the crossings are organised, each on its own side.",
    ),
    (
        "An ordered and safe exit through Chacalluta",
        "ramos",
        30,
        "Measures for the regular exit of migrants from Chile through the Chacalluta–Santa Rosa crossing "
        "and for keeping the road open.",
        "Exits will go through the Chacalluta complex in groups agreed between the two border "
        "authorities; the Undersecretaries report daily to the committee.",
    ),
    (
        "Documents and visas",
        "de_zela",
        30,
        "Migrants without documents or visas cannot enter Peru; Peru will not allow irregular entry.",
        "The consular services of both countries will review each person's documents at the border and "
        "share the lists, so that nobody crosses without papers.",
    ),
    (
        "Police and armed forces under Peru's state of emergency in Tacna",
        "collado",
        30,
        "Coordination between Carabineros and Peru's police and armed forces deployed under the state of "
        "emergency declared at the Tacna border.",
        "A liaison channel between the police of both countries will meet at the border each morning "
        "while the state of emergency lasts.",
    ),
]

FOLLOW_UP_AGENDA = [
    ("Follow-up of the agreements of the previous session", "van_klaveren", 30),
    ("Situation at the Chacalluta–Santa Rosa border", "cordero", 45),
    ("Documents, visas and consular cooperation", "de_zela", 30),
]


@dataclass
class SeedReport:
    people_created: int = 0
    memberships_created: int = 0
    sessions_created: int = 0


def _monday_after(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def _other(country: str) -> str:
    return "PE" if country == "CL" else "CL"


def _times(day: date, zone_name: str) -> tuple[datetime, datetime]:
    start = make_aware_strict(datetime.combine(day, SESSION_START), zone_name)
    return start, start + SESSION_LENGTH


@transaction.atomic
def seed_demo(*, now: datetime | None = None) -> SeedReport:
    """Create what is missing of the demo committee; running it again changes nothing, except
    that it keeps UPCOMING_SESSIONS scheduled sessions ahead of `now` on the next free Mondays."""
    now = now or timezone.now()
    report = SeedReport()
    committee, _ = Committee.objects.get_or_create(
        slug=COMMITTEE_SLUG,
        defaults={
            "name_es": "Comité Binacional de Cooperación Migratoria Chile–Perú",
            "name_en": "Chile–Peru Binational Migration Cooperation Committee",
            "description": (
                "Formed by the foreign ministries of Chile and Peru after over a hundred migrants were "
                "stranded at the Chacalluta–Santa Rosa border in November 2025, to coordinate solutions "
                "and prevent a humanitarian crisis. Co-chaired by the two foreign ministers."
            ),
            "country_a": "CL",
            "country_b": "PE",
            "default_timezone": "America/Lima",
            "secretariat_email": "secretariat@committee.example",
        },
    )

    people: dict[str, Person] = {}
    for official in OFFICIALS:
        person, created = Person.objects.get_or_create(
            email=official.email,
            defaults={
                "full_name": official.full_name,
                "position": official.position,
                "organisation": official.organisation,
                "country": official.country,
                "preferred_language": Language.SPANISH,
                "timezone": VENUES[official.country][0],
            },
        )
        report.people_created += created
        people[official.key] = person
        if not Membership.objects.filter(person=person, committee=committee).exists():
            membership_create(
                person=person,
                committee=committee,
                role=official.role,
                delegation=official.country,
                start_date=MEMBERS_FROM,
            )
            report.memberships_created += 1

    if not Session.objects.filter(committee=committee, number=1).exists():
        zone_name, venue = VENUES["CL"]
        starts_at, ends_at = _times(FIRST_SESSION_DAY, zone_name)
        session_create(
            committee=committee,
            number=1,
            status=SessionStatus.HELD,
            title="First session: the migrants stranded at the Chacalluta–Santa Rosa border",
            description="Inaugural session, convened by the two foreign ministers.",
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=zone_name,
            venue=venue,
            host_country="CL",
            agenda=[
                AgendaItem(
                    title=title,
                    presenter=people[presenter],
                    duration_minutes=minutes,
                    description=description,
                    outcome=outcome,
                )
                for title, presenter, minutes, description, outcome in FIRST_AGENDA
            ],
            now=now,
        )
        report.sessions_created += 1

    upcoming = Session.objects.filter(committee=committee, status=SessionStatus.SCHEDULED, starts_at__gt=now)
    taken_days = {
        to_zone(session.starts_at, session.timezone).date()
        for session in Session.objects.filter(committee=committee, starts_at__gt=now)
    }
    day = _monday_after(now.date())
    for _missing in range(UPCOMING_SESSIONS - upcoming.count()):
        while day in taken_days:
            day += timedelta(days=7)
        last = Session.objects.filter(committee=committee).order_by("-number").first()
        host = _other(last.host_country.code) if last else "CL"
        zone_name, venue = VENUES[host]
        starts_at, ends_at = _times(day, zone_name)
        number = session_next_number(committee=committee)
        session_create(
            committee=committee,
            number=number,
            title=f"Session {number}: follow-up",
            description="Regular session of the committee.",
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=zone_name,
            venue=venue,
            host_country=host,
            agenda=[
                AgendaItem(title=title, presenter=people[presenter], duration_minutes=minutes)
                for title, presenter, minutes in FOLLOW_UP_AGENDA
            ],
            now=now,
        )
        taken_days.add(day)
        report.sessions_created += 1
    return report
