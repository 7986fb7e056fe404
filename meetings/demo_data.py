"""The demo committee from the news of 28 November 2025, as data: who sits on it, the first
session's agenda with what was agreed on it, the follow-up session held two weeks later, and the
agenda of the regular sessions that follow."""

from dataclasses import dataclass, replace
from datetime import date, time, timedelta

from committees.choices import Role
from committees.models import Person
from meetings.models import AgendaItem, RecordEntry, Session
from meetings.records.choices import EntryKind

COMMITTEE_SLUG = "chile-peru-migration"
UPCOMING_SESSIONS = 3
SESSION_START = time(10, 0)
SESSION_LENGTH = timedelta(hours=2)
MAX_WEEKS_AHEAD = 52
FIRST_SESSION_DAY = date(2025, 12, 1)
# The follow-up session, held in Lima two weeks after the first.
SECOND_SESSION_DAY = date(2025, 12, 15)
# Who writes and approves the demo records: a login that cannot sign in.
SYSTEM_USERNAME = "demo-data"
MEMBERS_FROM = date(2025, 11, 28)

COMMITTEE = {
    "name_es": "Comité Binacional de Cooperación Migratoria Chile–Perú",
    "name_en": "Chile–Peru Binational Migration Cooperation Committee",
    "description": (
        "Creado por las cancillerías de Chile y el Perú después de que más de un centenar de "
        "migrantes quedaran varados en la frontera Chacalluta–Santa Rosa en noviembre de 2025, para "
        "coordinar soluciones y evitar una crisis humanitaria. Lo copresiden ambos cancilleres."
    ),
    "description_en": (
        "Formed by the foreign ministries of Chile and Peru after over a hundred migrants were "
        "stranded at the Chacalluta–Santa Rosa border in November 2025, to coordinate solutions "
        "and prevent a humanitarian crisis. Co-chaired by the two foreign ministers."
    ),
    "country_a": "CL",
    "country_b": "PE",
    "default_timezone": "America/Lima",
    "secretariat_email": "secretariat@committee.example",
    # So that `make run` shows /schedule/ without a sign-in.
    "schedule_published": True,
}

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
    # Not in the news: each delegation's secretary, whom change notices and overdue reminders reach.
    Official(
        "secretary_cl",
        "Carolina Fuentes",
        "Secretary of the Chilean delegation",
        "Ministry of Foreign Affairs of Chile",
        "CL",
        Role.SECRETARY,
        "carolina.fuentes@minrel.cl.example",
    ),
    Official(
        "secretary_pe",
        "Martín Quispe",
        "Secretary of the Peruvian delegation",
        "Ministry of Foreign Affairs of Peru",
        "PE",
        Role.SECRETARY,
        "martin.quispe@rree.pe.example",
    ),
]


@dataclass(frozen=True)
class Item:
    """An agenda item in Spanish (the committee's working language) and English."""

    title: str
    title_en: str
    presenter: str
    minutes: int
    description: str = ""
    description_en: str = ""
    # What both delegations agreed on the item, for the approved record of the first session.
    agreed: str = ""
    agreed_en: str = ""

    def agenda_item(self, people: dict[str, Person]) -> AgendaItem:
        return AgendaItem(
            title=self.title,
            title_en=self.title_en,
            presenter=people[self.presenter],
            duration_minutes=self.minutes,
            description=self.description,
            description_en=self.description_en,
        )


FIRST_AGENDA = [
    Item(
        "Agua y alimentos para los migrantes varados en la frontera",
        "Water and food for the migrants stranded at the border",
        "cordero",
        30,
        "Más de un centenar de migrantes, en su mayoría venezolanos, están varados cerca del complejo "
        "fronterizo Chacalluta sin agua ni alimentos.",
        "Over a hundred migrants, most of them Venezuelan, are stranded near the Chacalluta border complex "
        "without water or food.",
        "Ambas delegaciones acordaron mantener la llegada de agua, alimentos y primeros auxilios a los "
        "migrantes en la frontera mientras se organizan los cruces, cada una en su lado.",
        "Both delegations agreed to keep water, food and first aid reaching the migrants at the border "
        "while the crossings are organised, each on its own side.",
    ),
    Item(
        "Una salida ordenada y segura por Chacalluta",
        "An ordered and safe exit through Chacalluta",
        "ramos",
        30,
        "Medidas para la salida regular de migrantes desde Chile por el paso Chacalluta–Santa Rosa y para "
        "mantener abierta la carretera.",
        "Measures for the regular exit of migrants from Chile through the Chacalluta–Santa Rosa crossing "
        "and for keeping the road open.",
        "Las salidas se harán por el complejo Chacalluta en grupos acordados entre las dos autoridades "
        "fronterizas; los subsecretarios informan a diario al comité.",
        "Exits will go through the Chacalluta complex in groups agreed between the two border "
        "authorities; the Undersecretaries report daily to the committee.",
    ),
    Item(
        "Documentos y visas",
        "Documents and visas",
        "de_zela",
        30,
        "Los migrantes sin documentos ni visa no pueden entrar al Perú; el Perú no permitirá el ingreso irregular.",
        "Migrants without documents or visas cannot enter Peru; Peru will not allow irregular entry.",
        "Los servicios consulares de ambos países revisarán en la frontera los documentos de cada persona "
        "y compartirán las listas, para que nadie cruce sin papeles.",
        "The consular services of both countries will review each person's documents at the border and "
        "share the lists, so that nobody crosses without papers.",
    ),
    Item(
        "Policía y fuerzas armadas bajo el estado de emergencia del Perú en Tacna",
        "Police and armed forces under Peru's state of emergency in Tacna",
        "collado",
        30,
        "Coordinación entre Carabineros y la policía y las fuerzas armadas del Perú desplegadas bajo el "
        "estado de emergencia declarado en la frontera de Tacna.",
        "Coordination between Carabineros and Peru's police and armed forces deployed under the state of "
        "emergency declared at the Tacna border.",
        "Un canal de enlace entre las policías de ambos países se reunirá cada mañana en la frontera "
        "mientras dure el estado de emergencia.",
        "A liaison channel between the police of both countries will meet at the border each morning "
        "while the state of emergency lasts.",
    ),
]

FOLLOW_UP_AGENDA = [
    Item(
        "Seguimiento de los acuerdos de la sesión anterior",
        "Follow-up of the agreements of the previous session",
        "van_klaveren",
        30,
    ),
    Item(
        "Situación en la frontera Chacalluta–Santa Rosa", "Situation at the Chacalluta–Santa Rosa border", "cordero", 45
    ),
    Item("Documentos, visas y cooperación consular", "Documents, visas and consular cooperation", "de_zela", 30),
]


@dataclass(frozen=True)
class Agreed:
    """A row of a demo record beyond an item's decision: a commitment or a note, on the item at
    `position` (None: the session as a whole). A commitment due `due_in_days` is due that many
    days after the day the demo is loaded, so that one is always still ahead."""

    position: int | None
    kind: str
    text: str
    text_en: str
    responsible: str = ""
    person: str = ""
    due_on: date | None = None
    due_in_days: int | None = None


def record_entries(
    *, session: Session, agenda: list[Item], agreed: list[Agreed], people: dict[str, Person], today: date
) -> list[RecordEntry]:
    """A demo record's rows: on each agenda item its decision, then what else was agreed on it;
    rows on the session as a whole last."""
    items = {item.position: item for item in session.agenda_items.all()}

    def extra(row: Agreed) -> RecordEntry:
        due_on = row.due_on or (today + timedelta(days=row.due_in_days) if row.due_in_days else None)
        return RecordEntry(
            agenda_item=items.get(row.position) if row.position else None,
            kind=row.kind,
            text=row.text,
            text_en=row.text_en,
            responsible=row.responsible,
            person=people.get(row.person),
            due_on=due_on,
        )

    entries = []
    for position, item in enumerate(agenda, start=1):
        if item.agreed:
            decision = RecordEntry(
                agenda_item=items.get(position), kind=EntryKind.DECISION, text=item.agreed, text_en=item.agreed_en
            )
            entries.append(decision)
        entries += [extra(row) for row in agreed if row.position == position]
    return entries + [extra(row) for row in agreed if row.position is None]


FIRST_AGREED = [
    Agreed(
        1,
        "commitment",
        "Instalar puntos de agua, alimentos y primeros auxilios a ambos lados del paso Chacalluta–Santa Rosa.",
        "Set up water, food and first-aid points on both sides of the Chacalluta–Santa Rosa crossing.",
        responsible="both",
        due_on=date(2025, 12, 3),
    ),
    Agreed(
        3,
        "commitment",
        "Enviar a la Cancillería de Chile la lista de las personas cuyos documentos revisó el consulado del Perú "
        "en la frontera.",
        "Send Chile's Foreign Ministry the list of the people whose documents Peru's consulate reviewed at the border.",
        responsible="PE",
        due_on=date(2025, 12, 12),
    ),
    Agreed(
        4,
        "commitment",
        "Evaluar con la policía del Perú el canal de enlace fronterizo y proponer al comité si debe seguir "
        "después del estado de emergencia.",
        "Review the border liaison channel with Peru's police and propose to the committee whether it should "
        "continue after the state of emergency.",
        responsible="CL",
        person="collado",
        due_in_days=60,
    ),
    Agreed(
        None,
        "note",
        "Los copresidentes acordaron reunirse de nuevo el lunes 15 de diciembre de 2025 en Lima.",
        "The co-chairs agreed to meet again on Monday 15 December 2025 in Lima.",
    ),
]
FIRST_CLOSING = (
    "Los cancilleres agradecieron a los equipos desplegados en la frontera y reiteraron su compromiso de evitar "
    "una crisis humanitaria.",
    "The foreign ministers thanked the teams deployed at the border and reaffirmed their commitment to avoiding "
    "a humanitarian crisis.",
)
# The first commitment was met, as its note says.
FIRST_DONE = (
    "Puntos instalados en Chacalluta y en Santa Rosa el 2 de diciembre de 2025; los atienden los servicios de "
    "emergencia de ambos países."
)

SECOND_AGENDA = [
    replace(
        FOLLOW_UP_AGENDA[0],
        agreed="Se revisaron los acuerdos de la primera sesión: los puntos de agua y alimentos funcionan a ambos "
        "lados de la frontera.",
        agreed_en="The agreements of the first session were reviewed: the water and food points work on both "
        "sides of the border.",
    ),
    replace(
        FOLLOW_UP_AGENDA[1],
        agreed="Los cruces ordenados por Chacalluta continúan en grupos acordados y la carretera sigue abierta.",
        agreed_en="The ordered crossings through Chacalluta continue in agreed groups and the road stays open.",
    ),
    replace(
        FOLLOW_UP_AGENDA[2],
        agreed="Los consulados de ambos países mantendrán una mesa conjunta en Santa Rosa hasta fin de año.",
        agreed_en="The consulates of both countries will keep a joint desk at Santa Rosa until the end of the year.",
    ),
]
SECOND_CLOSING = (
    "La próxima sesión se convocará cuando lo acuerden los copresidentes.",
    "The next session will be convened when the co-chairs agree on it.",
)
