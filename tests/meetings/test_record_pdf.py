"""The approved record as a PDF: what it says in each language, drawn from the approved snapshot
only, the same bytes for the same version, and the download's headers."""

import copy
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pypdf
import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from committees.access import access_for
from committees.choices import Role
from committees.models import Committee, Person
from meetings.choices import SessionStatus
from meetings.models import AgendaItem, Record, RecordEntry, RecordVersion, Session
from meetings.records.choices import EntryKind
from meetings.records.downloads import record_pdf_response
from meetings.records.pdf import record_pdf
from meetings.records.services import record_approve, record_correct, record_propose, record_save, record_start
from tests.factories import AgendaItemFactory, MembershipFactory, PersonFactory
from tests.world import World

pytestmark = pytest.mark.django_db

APPROVED_AT = datetime(2030, 1, 8, 15, 30, tzinfo=UTC)
CORRECTED_AT = datetime(2030, 1, 20, 14, 0, tzinfo=UTC)
NOTE_ES = "Temperatura −2 °C → sesión breve — ¿acuerdo? ¡Sí!"
NOTE_EN = "Temperature −2 °C → a short session — agreed? Yes!"


@dataclass
class Approved:
    record: Record
    version: RecordVersion
    chair_cl: Person
    chair_pe: Person


def approve(world: World, record: Record, *, at: datetime) -> RecordVersion:
    """Propose the record and have the Chilean, then the Peruvian secretariat approve it."""
    record_propose(record=record, access=access_for(world.users["own"]), user=world.users["own"])
    record.refresh_from_db()
    for role in ("own", "other"):
        user = world.users[role]
        record_approve(record=record, revision=record.revision, access=access_for(user), user=user, now=at)
    record.refresh_from_db()
    return record.versions.get(number=record.version)


@pytest.fixture
def approved(world: World) -> Approved:
    """Session 1 of committee A, held, with its record approved by both secretariats: a decision
    and a commitment on item 1, a decision with no English on item 2, a note on the session as a
    whole, one member absent, closing remarks, and a co-chair for each delegation."""
    Session.objects.filter(pk=world.a_session.pk).update(
        status=SessionStatus.HELD, title="Primera sesión", title_en="First session", venue="Cancillería, Santiago"
    )
    Committee.objects.filter(pk=world.a.pk).update(name_es="Comité Chile–Perú", name_en="Chile–Peru Committee")
    AgendaItem.objects.filter(pk=world.a_item.pk).update(title="Aduanas", title_en="Customs")
    trade = AgendaItemFactory(session=world.a_session, position=2, title="Comercio", title_en="")
    chair_cl = PersonFactory(full_name="María José Núñez", position="Embajadora", country="CL")
    chair_pe = PersonFactory(full_name="Rosa Peña Ávila", position="Viceministra", country="PE")
    MembershipFactory(committee=world.a, person=chair_cl, delegation="CL", role=Role.CO_CHAIR)
    MembershipFactory(committee=world.a, person=chair_pe, delegation="PE", role=Role.CO_CHAIR)
    own = world.users["own"]
    record = record_start(session=Session.objects.get(pk=world.a_session.pk), access=access_for(own))
    record.closing_remarks = "Se levanta la sesión a las 12:40."
    record.closing_remarks_en = "The session closed at 12:40."
    attendance = list(record.attendance.all())
    for row in attendance:
        row.present = row.person_id != world.shared.pk
        row.capacity = "Copresidenta" if row.person_id == chair_cl.pk else ""
    entries = [
        RecordEntry(
            agenda_item=world.a_item,
            kind=EntryKind.DECISION,
            text="Armonizar los formularios de aduana.",
            text_en="Harmonise the customs forms.",
        ),
        RecordEntry(
            agenda_item=world.a_item,
            kind=EntryKind.COMMITMENT,
            text="Enviar el borrador del formulario común.",
            text_en="Send the draft of the common form.",
            responsible="PE",
            person=world.peruvian,
            due_on=date(2030, 2, 15),
        ),
        RecordEntry(agenda_item=trade, kind=EntryKind.DECISION, text="Crear un grupo técnico de comercio."),
        RecordEntry(agenda_item=None, kind=EntryKind.NOTE, text=NOTE_ES, text_en=NOTE_EN),
    ]
    record_save(record=record, access=access_for(own), user=own, entries=entries, attendance=attendance)
    version = approve(world, record, at=APPROVED_AT)
    return Approved(record=record, version=version, chair_cl=chair_cl, chair_pe=chair_pe)


def pdf_text(data: bytes) -> str:
    """The PDF's text with every run of white space (line ends, wrapping) as one space."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def expected_text(world: World, language: str, *, version: int = 1, decision: str = "") -> str:
    """The whole text of the fixture's record in `language`, labels as the catalog says them."""
    spanish = language == "es"
    with translation.override(language):
        committee = "Comité Chile–Perú" if spanish else "Chile–Peru Committee"
        title = _("Record of session %(number)d (version %(version)d)") % {"number": 1, "version": version}
        peru = "Perú" if spanish else "Peru"
        commitment = "Enviar el borrador del formulario común." if spanish else "Send the draft of the common form."
        approved_at = "2030-01-08 12:30" if version == 1 else "2030-01-20 11:00"
        pieces = [
            committee,
            title,
            "Primera sesión" if spanish else "First session",
            _("Venue") + ": Cancillería, Santiago",
            _("At the venue") + ": 2030-01-07 10:00 UTC-03:00 (America/Santiago)",
            "Lima: 2030-01-07 08:00 UTC-05:00 (America/Lima)",
            "Santiago: 2030-01-07 10:00 UTC-03:00 (America/Santiago)",
            _("Attendance"),
            "Chile",
            "María José Núñez — Copresidenta",
            f"{world.chilean.full_name} — Adviser",
            _("Absent:") + f" {world.shared.full_name}",
            peru,
            f"{world.peruvian.full_name} — Adviser",
            "Rosa Peña Ávila — Viceministra",
            _("Agenda"),
            "1. Aduanas" if spanish else "1. Customs",
            _("Decision")
            + ": "
            + (decision or ("Armonizar los formularios de aduana." if spanish else "Harmonise the customs forms.")),
            _("Commitment") + ": " + commitment,
            _("Responsible: %(who)s. Due: %(due)s.")
            % {"who": f"{peru} — {world.peruvian.full_name}", "due": "2030-02-15"},
            "2. Comercio",
            _("Decision") + ": Crear un grupo técnico de comercio.",
            _("The session as a whole"),
            _("Note") + ": " + (NOTE_ES if spanish else NOTE_EN),
            _("Closing remarks"),
            "Se levanta la sesión a las 12:40." if spanish else "The session closed at 12:40.",
            _("Commitments"),
            _("Commitment"),
            _("Responsible"),
            _("Due"),
            commitment,
            f"{peru} — {world.peruvian.full_name}",
            "2030-02-15",
            _("Approval"),
            _("Version %(number)d, approved by both delegations on %(time)s.")
            % {"number": version, "time": f"{approved_at} UTC-03:00 (America/Santiago)"},
            "María José Núñez",
            "Embajadora",
            _("Co-chair for %(country)s") % {"country": "Chile"},
            "Rosa Peña Ávila",
            "Viceministra",
            _("Co-chair for %(country)s") % {"country": peru},
            f"{committee} — {title} — " + _("page %(number)d") % {"number": 1},
        ]
    return " ".join(" ".join(piece.split()) for piece in pieces)


@pytest.mark.parametrize("language", ["es", "en"])
def test_record_pdf_holds_the_approved_record_in_the_language(approved: Approved, world: World, language) -> None:
    data = record_pdf(version=approved.version, language=language)

    assert data.startswith(b"%PDF-")
    assert pdf_text(data) == expected_text(world, language)


def test_record_pdf_english_falls_back_to_spanish_where_a_row_has_none(approved: Approved) -> None:
    text = pdf_text(record_pdf(version=approved.version, language="en"))

    assert ("2. Comercio" in text, "Decision: Crear un grupo técnico de comercio." in text) == (True, True)
    assert ("Armonizar" in text, "Primera sesión" in text, "Comité" in text) == (False, False, False)


@pytest.mark.parametrize("language", ["es", "en"])
def test_record_pdf_capitals_clocks_are_exact_lines(approved: Approved, language) -> None:
    reader = pypdf.PdfReader(io.BytesIO(record_pdf(version=approved.version, language=language)))
    lines = reader.pages[0].extract_text().splitlines()

    assert [line for line in lines if line.startswith(("Lima:", "Santiago:"))] == [
        "Lima: 2030-01-07 08:00 UTC-05:00 (America/Lima)",
        "Santiago: 2030-01-07 10:00 UTC-03:00 (America/Santiago)",
    ]


def test_record_pdf_reads_no_live_row(approved: Approved, world: World, django_assert_num_queries) -> None:
    version = RecordVersion.objects.get(pk=approved.version.pk)
    with django_assert_num_queries(0):
        before = record_pdf(version=version, language="es")
    Committee.objects.filter(pk=world.a.pk).update(name_es="Otro nombre", name_en="Another name")
    Session.objects.filter(pk=world.a_session.pk).update(title="Otra", title_en="Other", venue="Lima")
    Person.objects.filter(pk=approved.chair_cl.pk).update(full_name="Someone Else")
    AgendaItem.objects.filter(pk=world.a_item.pk).update(title="Otro punto")

    assert record_pdf(version=RecordVersion.objects.get(pk=version.pk), language="es") == before


@pytest.mark.parametrize("language", ["es", "en"])
def test_record_pdf_same_version_same_bytes(approved: Approved, language) -> None:
    first = record_pdf(version=approved.version, language=language)

    assert record_pdf(version=RecordVersion.objects.get(pk=approved.version.pk), language=language) == first


def test_record_pdf_same_bytes_in_a_fresh_process(approved: Approved) -> None:
    """Nothing of this process (fonts registered, a counter, the time) leaks into the bytes."""
    script = (
        "import json, sys, django; django.setup()\n"
        "from datetime import datetime\n"
        "from meetings.models import RecordVersion\n"
        "from meetings.records.pdf import record_pdf\n"
        "given = json.load(sys.stdin)\n"
        "version = RecordVersion(number=given['number'], content=given['content'],"
        " approved_at=datetime.fromisoformat(given['approved_at']))\n"
        "sys.stdout.buffer.write(record_pdf(version=version, language='es'))\n"
    )
    given = {
        "number": approved.version.number,
        "content": approved.version.content,
        "approved_at": approved.version.approved_at.isoformat(),
    }
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    environment.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(given).encode(),
        capture_output=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )

    assert done.stdout == record_pdf(version=approved.version, language="es")


def test_record_pdf_languages_differ(approved: Approved) -> None:
    assert record_pdf(version=approved.version, language="es") != record_pdf(version=approved.version, language="en")


def test_record_pdf_metadata_is_fixed(approved: Approved) -> None:
    reader = pypdf.PdfReader(io.BytesIO(record_pdf(version=approved.version, language="en")))

    assert dict(reader.metadata) == {
        "/Author": "Chile–Peru Committee",
        "/CreationDate": "D:20300108153000Z",
        "/Creator": "Binational committee tracker",
        "/Keywords": "",
        "/ModDate": "D:20300108153000Z",
        "/Producer": "ReportLab PDF Library - (opensource)",
        "/Subject": "Record of session 1 (version 1)",
        "/Title": "Chile–Peru Committee — Record of session 1 (version 1)",
        "/Trapped": "/False",
    }
    assert (len(reader.pages), reader.trailer["/Root"]["/Lang"]) == (1, "en")


def test_record_pdf_correction_is_a_new_pdf_and_the_first_stays(approved: Approved, world: World) -> None:
    first = {language: record_pdf(version=approved.version, language=language) for language in ("es", "en")}
    own = world.users["own"]
    record = Record.objects.get(pk=approved.record.pk)
    record_correct(record=record, reason="Faltaba el plazo.", access=access_for(own), user=own)
    record.refresh_from_db()
    entries = list(record.entries.order_by("position"))
    entries[0].text = "Armonizar y publicar los formularios de aduana."
    entries[0].text_en = "Harmonise and publish the customs forms."
    record_save(record=record, access=access_for(own), user=own, entries=entries)
    second = approve(world, record, at=CORRECTED_AT)

    assert second.number == 2
    for language, decision in (
        ("es", "Armonizar y publicar los formularios de aduana."),
        ("en", "Harmonise and publish the customs forms."),
    ):
        corrected = record_pdf(version=second, language=language)
        assert corrected != first[language]
        assert pdf_text(corrected) == expected_text(world, language, version=2, decision=decision)
        assert (
            record_pdf(version=RecordVersion.objects.get(record=record, number=1), language=language)
            == (first[language])
        )


def _variant(version: RecordVersion, **changes) -> RecordVersion:
    content = copy.deepcopy(version.content)
    content.update(changes)
    return RecordVersion(number=version.number, content=content, approved_at=version.approved_at)


def test_record_pdf_text_is_never_markup(approved: Approved) -> None:
    variant = _variant(approved.version, closing_remarks='<b>1 < 2</b> & "x"\nsegunda línea <br/>')

    text = pdf_text(record_pdf(version=variant, language="es"))

    assert '<b>1 < 2</b> & "x" segunda línea <br/>' in text


def test_record_pdf_without_commitments_or_co_chairs(approved: Approved) -> None:
    items = copy.deepcopy(approved.version.content["items"])
    for item in items:
        item["entries"] = [entry for entry in item["entries"] if entry["kind"] != EntryKind.COMMITMENT]
    variant = _variant(approved.version, items=items, co_chairs=[])

    text = pdf_text(record_pdf(version=variant, language="en"))

    assert text.split(" Commitments ")[1] == (
        "No commitments were agreed. Approval Version 1, approved by both delegations on 2030-01-08 12:30 "
        "UTC-03:00 (America/Santiago). Chile–Peru Committee — Record of session 1 (version 1) — page 1"
    )


def test_record_pdf_three_co_chairs_sign_two_abreast_with_the_approval(approved: Approved) -> None:
    chairs = [
        {"name": "Ana Uno", "position": "Embajadora", "delegation": "CL"},
        {"name": "Berta Dos", "position": "Viceministra", "delegation": "PE"},
        {"name": "Carla Tres", "position": "Directora", "delegation": "PE"},
    ]
    data = record_pdf(version=_variant(approved.version, co_chairs=chairs), language="en")

    pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]

    assert pages[0].endswith("Chile–Peru Committee — Record of session 1 (version 1) — page 1")
    assert pages[1:] == [
        "Approval Version 1, approved by both delegations on 2030-01-08 12:30 UTC-03:00 (America/Santiago). "
        "Ana Uno Embajadora Co-chair for Chile Berta Dos Viceministra Co-chair for Peru "
        "Carla Tres Directora Co-chair for Peru Chile–Peru Committee — Record of session 1 (version 1) — page 2"
    ]


@pytest.mark.parametrize("language", ["fr", "", "ES", "es-cl", None])
def test_record_pdf_other_language_refused(approved: Approved, language) -> None:
    with pytest.raises(ValueError) as refused:
        record_pdf(version=approved.version, language=language)

    assert str(refused.value) == f"No record PDF in {language!r}: choose one of es, en."
    with pytest.raises(ValueError):
        record_pdf_response(version=approved.version, language=language)


@pytest.mark.parametrize("language", ["es", "en"])
def test_record_pdf_response_headers(approved: Approved, language) -> None:
    response = record_pdf_response(version=approved.version, language=language)

    assert (response.status_code, response.content) == (200, record_pdf(version=approved.version, language=language))
    assert {name: response[name] for name in ("Content-Type", "Content-Disposition", "X-Content-Type-Options")} == {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="chile-peru-session-1-record-v1-{language}.pdf"',
        "X-Content-Type-Options": "nosniff",
    }


def test_the_longest_texts_a_record_takes_break_across_pages(world):
    from tests.meetings.records_helpers import access_of, held_session

    session = held_session(world)
    record = record_start(session=session, access=access_of(world, "own"))
    longest = ("Compromiso largo de revisar cada paso fronterizo " * 250)[
        : RecordEntry._meta.get_field("text").max_length
    ]
    entries = [
        RecordEntry(kind="commitment", text=longest, text_en=longest, responsible="PE", due_on=date(2026, 1, 5)),
        RecordEntry(kind="decision", text=longest),
    ]
    record = record_save(record=record, access=access_of(world, "own"), user=None, entries=entries)
    record = record_propose(record=record, access=access_of(world, "own"))
    for role in ("own", "other"):
        record = record_approve(record=record, revision=record.revision, access=access_of(world, role), user=None)
    pdf = record_pdf(version=RecordVersion.objects.get(record=record), language="es")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert len(reader.pages) > 3
    assert text.count("Compromiso largo de revisar cada paso fronterizo") >= 2 * 200
