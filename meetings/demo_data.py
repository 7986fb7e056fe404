"""The demo committee from the news of 28 November 2025, as data: who sits on it, the first
session's agenda with what was agreed on it, and the agenda of the regular sessions that follow."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from committees.choices import Role
from committees.models import Person
from meetings.models import AgendaItem

COMMITTEE_SLUG = "chile-peru-migration"
UPCOMING_SESSIONS = 3
SESSION_START = time(10, 0)
SESSION_LENGTH = timedelta(hours=2)
MAX_WEEKS_AHEAD = 52
FIRST_SESSION_DAY = date(2025, 12, 1)
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
