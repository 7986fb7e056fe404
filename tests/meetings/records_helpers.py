"""Building records for tests: a held session of the world's committee A with co-chairs and
secretaries for both delegations, and a record taken through the services."""

from datetime import UTC, date, datetime, timedelta

from committees.access import Access, access_for
from meetings.models import Record, RecordEntry
from meetings.records.services import record_approve, record_propose, record_save, record_start
from meetings.services import session_mark_held
from tests.factories import AgendaItemFactory, MembershipFactory, PersonFactory, SessionFactory
from tests.world import World

HELD_AT = datetime(2025, 12, 1, 13, 0, tzinfo=UTC)


def access_of(world: World, role: str) -> Access:
    return access_for(world.users[role])


def held_session(world: World, *, committee=None, number: int = 2, starts_at: datetime = HELD_AT):
    committee = committee or world.a
    session = SessionFactory(
        committee=committee, number=number, starts_at=starts_at, timezone="America/Santiago", title="Primera sesión"
    )
    AgendaItemFactory(session=session, position=1, title="Agua y alimentos", title_en="Water and food")
    AgendaItemFactory(session=session, position=2, title="Documentos", title_en="Documents")
    return session_mark_held(session=session, now=starts_at + timedelta(days=1))


def seat_officers(world: World) -> dict[str, object]:
    """Co-chairs and secretaries (with addresses) for both delegations of committee A."""
    people = {
        "cl_chair": PersonFactory(country="CL", full_name="Javiera Cordero", position="Ministra"),
        "pe_chair": PersonFactory(country="PE", full_name="Hugo de Zela", position="Ministro"),
        "cl_secretary": PersonFactory(country="CL", full_name="Ana Rojas", email="ana@minrel.cl.example"),
        "pe_secretary": PersonFactory(country="PE", full_name="Luis Vega", email="luis@rree.pe.example"),
    }
    for key, person in people.items():
        role = "co_chair" if key.endswith("chair") else "secretary"
        MembershipFactory(
            committee=world.a, person=person, delegation=person.country.code, role=role, start_date=date(2025, 11, 1)
        )
    return people


def entries_for(session, *, due: date = date(2026, 1, 15)) -> list[RecordEntry]:
    item = session.agenda_items.order_by("position").first()
    return [
        RecordEntry(agenda_item=item, kind="decision", text="Se acuerda abrir un corredor", text_en="A corridor opens"),
        RecordEntry(
            agenda_item=item,
            kind="commitment",
            text="Informe diario",
            text_en="Daily report",
            responsible="PE",
            due_on=due,
        ),
        RecordEntry(kind="note", text="Sesión cordial"),
    ]


def drafted(world: World, session=None, role: str = "own") -> Record:
    session = session or held_session(world)
    record = record_start(session=session, access=access_of(world, role))
    record.closing_remarks = "Se levanta la sesión."
    return record_save(
        record=record, access=access_of(world, role), user=world.users[role], entries=entries_for(session)
    )


def proposed(world: World, session=None) -> Record:
    return record_propose(record=drafted(world, session), access=access_of(world, "own"))


def approved(world: World, session=None) -> Record:
    record = proposed(world, session)
    for role in ("own", "other"):
        record = record_approve(
            record=record, revision=record.revision, access=access_of(world, role), user=world.users[role]
        )
    return record
