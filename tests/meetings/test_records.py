"""The record's state machine through its services, by every role of the two-committee world,
and the database's own rules beneath them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from meetings.choices import ReminderKind
from meetings.models import Change, Record, RecordApproval, RecordEntry, RecordVersion, Reminder
from meetings.records.content import content_differences, record_content
from meetings.records.services import record_approve, record_correct, record_propose, record_save, record_start
from tests.conftest import postgresql_only
from tests.factories import SessionFactory
from tests.meetings.records_helpers import (
    access_of,
    approved,
    drafted,
    entries_for,
    held_session,
    proposed,
    seat_officers,
)

pytestmark = pytest.mark.django_db

WRITERS = ("own", "other", "administrator")
OUTSIDERS = ("reader", "b")


def _refused(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


def test_record_start_prefills_attendance_by_delegation(world):
    officers = seat_officers(world)
    session = held_session(world)
    record = record_start(session=session, access=access_of(world, "own"))
    assert (record.state, record.version, record.revision) == ("draft", 1, 1)
    assert sorted((row.person.full_name, row.delegation.code) for row in record.attendance.all()) == sorted(
        [
            (world.chilean.full_name, "CL"),
            (world.peruvian.full_name, "PE"),
            (world.shared.full_name, "CL"),
            *((person.full_name, person.country.code) for person in officers.values()),
        ]
    )
    assert record_start(session=session, access=access_of(world, "other")) == record  # one per session


def test_record_start_refused_for_a_session_not_held(world):
    with pytest.raises(ValidationError) as exc:
        record_start(session=world.a_session, access=access_of(world, "own"))
    assert _refused(exc) == {"session": ["A record is kept only for a session that was held."]}
    assert not Record.objects.exists()


@pytest.mark.parametrize("role", WRITERS)
def test_drafting_proposing_and_correcting_by_each_writer(world, role):
    session = held_session(world)
    record = record_start(session=session, access=access_of(world, role))
    record = record_save(
        record=record, access=access_of(world, role), user=world.users[role], entries=entries_for(session)
    )
    assert (record.state, record.revision) == ("draft", 2)
    record = record_propose(record=record, access=access_of(world, role))
    assert record.state == "proposed"


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_cannot_start_edit_propose_or_correct(world, role):
    session = held_session(world)
    message = {"record": ["Only the committee's secretariats and administrators may do this."]}
    with pytest.raises(ValidationError) as exc:
        record_start(session=session, access=access_of(world, role))
    assert _refused(exc) == message
    record = drafted(world, session)
    with pytest.raises(ValidationError) as exc:
        record_save(record=record, access=access_of(world, role), user=world.users[role], entries=[])
    assert _refused(exc) == message
    with pytest.raises(ValidationError) as exc:
        record_propose(record=record, access=access_of(world, role))
    assert _refused(exc) == message
    record = approved(world, session)
    with pytest.raises(ValidationError) as exc:
        record_correct(record=record, reason="x", access=access_of(world, role), user=world.users[role])
    assert _refused(exc) == message
    assert (Record.objects.get().state, RecordEntry.objects.count()) == ("approved", 3)


@pytest.mark.parametrize("role", ("administrator", "reader", "b"))
def test_only_a_delegations_secretariat_approves(world, role):
    record = proposed(world)
    with pytest.raises(ValidationError) as exc:
        record_approve(record=record, revision=record.revision, access=access_of(world, role), user=world.users[role])
    assert _refused(exc) == {"record": ["Only a delegation's secretariat approves a record, for its own delegation."]}
    assert not RecordApproval.objects.exists()


def test_a_record_approved_by_one_side_is_not_approved(world):
    record = proposed(world)
    record = record_approve(
        record=record, revision=record.revision, access=access_of(world, "own"), user=world.users["own"]
    )
    record.refresh_from_db()
    assert record.state == "proposed"
    assert list(RecordApproval.objects.values_list("delegation", "revision", "voided_at")) == [
        ("CL", record.revision, None)
    ]
    assert not RecordVersion.objects.exists()


def test_both_approvals_approve_the_text_both_read(world):
    seat_officers(world)
    record = approved(world)
    version = RecordVersion.objects.get()
    assert (record.state, version.number, version.revision) == ("approved", 1, record.revision)
    assert version.content == record_content(record)
    assert set(RecordApproval.objects.values_list("delegation", "digest")) == {
        ("CL", version.digest),
        ("PE", version.digest),
    }
    assert [chair["name"] for chair in version.content["co_chairs"]] == ["Javiera Cordero", "Hugo de Zela"]


def test_approving_twice_is_refused_and_writes_nothing(world):
    record = proposed(world)
    access = access_of(world, "own")
    record_approve(record=record, revision=record.revision, access=access, user=world.users["own"])
    with pytest.raises(ValidationError) as exc:
        record_approve(record=record, revision=record.revision, access=access, user=world.users["own"])
    assert _refused(exc) == {"record": ["Your delegation has already approved this text."]}
    assert RecordApproval.objects.count() == 1


def test_approving_a_text_one_did_not_read_is_refused(world):
    record = proposed(world)
    with pytest.raises(ValidationError) as exc:
        record_approve(
            record=record, revision=record.revision - 1, access=access_of(world, "own"), user=world.users["own"]
        )
    assert _refused(exc) == {"revision": ["The record has changed since you read it: read it again."]}


def test_approving_a_draft_is_refused(world):
    record = drafted(world)
    with pytest.raises(ValidationError) as exc:
        record_approve(record=record, revision=record.revision, access=access_of(world, "own"), user=world.users["own"])
    assert _refused(exc) == {"state": ["Only a proposed record can be approved."]}


def test_an_edit_of_a_proposed_record_needs_a_reason_voids_approvals_and_tells_the_other_side(world):
    officers = seat_officers(world)
    record = proposed(world)
    record_approve(record=record, revision=record.revision, access=access_of(world, "other"), user=world.users["other"])
    record.closing_remarks = "Se levanta la sesión a las 13:00."
    with pytest.raises(ValidationError) as exc:
        record_save(record=record, access=access_of(world, "own"), user=world.users["own"])
    assert _refused(exc) == {"reason": ["Say why a proposed record is changed: the other delegation is told."]}
    assert Record.objects.get().state == "proposed"  # nothing written

    record.closing_remarks = "Se levanta la sesión a las 13:00."
    record = record_save(record=record, access=access_of(world, "own"), user=world.users["own"], reason="Hora exacta")
    stored = Record.objects.get()
    assert (stored.state, stored.revision, stored.closing_remarks) == ("draft", 3, "Se levanta la sesión a las 13:00.")
    assert RecordApproval.objects.get().voided_at is not None
    change = Change.objects.get()
    assert (change.subject, change.reason, change.delegation) == ("record", "Hora exacta", "CL")
    assert change.changes == [
        {"field": "closing", "old": "Se levanta la sesión. | ", "new": "Se levanta la sesión a las 13:00. | "}
    ]
    notices = Reminder.objects.filter(kind=ReminderKind.CHANGE)
    assert list(notices.values_list("person_id", "change_id", "state")) == [
        (officers["pe_secretary"].pk, change.pk, "pending")
    ]


def test_an_unchanged_save_of_a_proposed_record_keeps_it_proposed(world):
    record = proposed(world)
    record = record_save(record=record, access=access_of(world, "own"), user=world.users["own"])
    assert (Record.objects.get().state, Record.objects.get().revision) == ("proposed", 2)


@pytest.mark.parametrize("role", ("own", "other", "administrator"))
def test_an_approved_record_is_not_changed_in_place_by_the_service(world, role):
    record = approved(world)
    record.closing_remarks = "Otro texto"
    with pytest.raises(ValidationError) as exc:
        record_save(record=record, access=access_of(world, role), user=world.users[role], reason="x")
    assert _refused(exc) == {
        "record": ["An approved record is not changed in place: open a correction, which is a new version."]
    }
    assert Record.objects.get().closing_remarks == "Se levanta la sesión."


@pytest.mark.parametrize(
    "write",
    [
        lambda record: Record.objects.filter(pk=record.pk).update(closing_remarks="Otro"),
        lambda record: Record.objects.filter(pk=record.pk).update(revision=99),
        lambda record: RecordEntry.objects.filter(record=record).update(text="Otro"),
        lambda record: RecordEntry.objects.create(record=record, kind="note", text="Añadido"),
        lambda record: record.attendance.update(present=False),
        lambda record: RecordVersion.objects.filter(record=record).update(content={}),
    ],
    ids=[
        "closing remarks",
        "revision",
        "entry text",
        "new entry",
        "attendance",
        "approved version",
    ],
)
def test_the_database_refuses_to_change_an_approved_record_in_place(world, write):
    record = approved(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        write(record)
    assert RecordVersion.objects.get().content == record_content(Record.objects.get())


def test_the_database_refuses_an_approved_state_without_both_approvals(world):
    record = proposed(world)
    record_approve(record=record, revision=record.revision, access=access_of(world, "own"), user=world.users["own"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.filter(pk=record.pk).update(state="approved")
    assert Record.objects.get().state == "proposed"


def test_the_database_refuses_an_approval_of_an_older_revision(world):
    record = proposed(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordApproval.objects.create(
            record=record,
            version=1,
            revision=record.revision - 1,
            digest="x",
            delegation="CL",
            approver_name="x",
            approved_at=record.updated_at,
        )


def test_a_correction_is_a_new_version_and_the_approved_one_stays_readable(world):
    seat_officers(world)
    record = approved(world)
    first = RecordVersion.objects.get()
    with pytest.raises(ValidationError) as exc:
        record_correct(record=record, reason=" ", access=access_of(world, "other"), user=world.users["other"])
    assert _refused(exc) == {"reason": ["Say why the approved record needs a correction."]}

    record = record_correct(
        record=record, reason="Fecha errada", access=access_of(world, "other"), user=world.users["other"]
    )
    assert (record.state, record.version) == ("draft", 2)
    entries = list(record.entries.order_by("position"))
    entries[1].due_on = date(2026, 2, 1)
    record = record_save(record=record, access=access_of(world, "other"), user=world.users["other"], entries=entries)
    record = record_propose(record=record, access=access_of(world, "other"))
    for role in ("other", "own"):
        record = record_approve(
            record=record, revision=record.revision, access=access_of(world, role), user=world.users[role]
        )
    second = RecordVersion.objects.get(number=2)
    assert (record.state, second.reason) == ("approved", "Fecha errada")
    assert RecordVersion.objects.get(number=1).content == first.content  # untouched
    differences = content_differences(first.content, second.content)
    assert [(d.where, d.old.rsplit(" ", 1)[-1], d.new.rsplit(" ", 1)[-1]) for d in differences] == [
        ("item 1", "2026-01-15]", "2026-02-01]")
    ]
    change = Change.objects.get()
    assert (change.reason, change.delegation, change.changes[0]["field"]) == ("Fecha errada", "PE", "version")


def test_proposing_an_empty_record_is_refused(world):
    session = held_session(world)
    record = record_start(session=session, access=access_of(world, "own"))
    with pytest.raises(ValidationError) as exc:
        record_propose(record=record, access=access_of(world, "own"))
    assert _refused(exc) == {"entries": ["Write at least one decision, commitment or note first."]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"due_on": date(2025, 11, 30)},
            "Row 1, due: A commitment cannot be due before the session that agreed it (2025-12-01).",
        ),
        ({"responsible": "AR"}, "Row 1, responsible delegation: Choose the responsible delegation: CL, PE, both."),
        ({"due_on": None}, "Row 1, due: A commitment needs a due date."),
    ],
    ids=["due before the session", "unknown delegation", "no due date"],
)
def test_a_bad_commitment_is_refused_by_field_and_nothing_is_written(world, change, message):
    session = held_session(world)
    record = record_start(session=session, access=access_of(world, "own"))
    entry = RecordEntry(kind="commitment", text="Informe", responsible="PE", due_on=date(2026, 1, 1))
    for field, value in change.items():
        setattr(entry, field, value)
    with pytest.raises(ValidationError) as exc:
        record_save(record=record, access=access_of(world, "own"), user=None, entries=[entry])
    assert _refused(exc) == {"entries": [message]}
    assert not RecordEntry.objects.exists()


def test_an_entry_on_another_sessions_item_is_refused(world):
    session = held_session(world)
    record = record_start(session=session, access=access_of(world, "own"))
    entry = RecordEntry(kind="note", text="x", agenda_item=world.b_item)
    with pytest.raises(ValidationError) as exc:
        record_save(record=record, access=access_of(world, "own"), user=None, entries=[entry])
    assert _refused(exc) == {"entries": ["Row 1, agenda item: Choose an item of this session's agenda."]}


def test_an_agenda_item_the_record_speaks_of_cannot_be_removed(world):
    from meetings.services import session_save

    record = drafted(world)
    session = record.session
    kept = list(session.agenda_items.order_by("position"))[1:]
    with pytest.raises(ValidationError) as exc:
        session_save(session=session, agenda=kept)
    assert _refused(exc) == {
        "agenda": ["An item the session's record speaks of cannot be removed: change the record first."]
    }
    assert session.agenda_items.count() == 2


def test_another_committees_session_record_is_its_own(world):
    other = SessionFactory(committee=world.b, number=5)
    with pytest.raises(ValidationError):
        record_start(session=other, access=access_of(world, "own"))


def test_a_change_elsewhere_to_what_a_proposed_record_shows_is_a_new_revision_to_approve(world):
    from meetings.services import session_update

    record = proposed(world)
    read = record.revision
    record_approve(record=record, revision=read, access=access_of(world, "own"), user=world.users["own"])
    session_update(session=record.session, data={"title": "Otra sesión"})  # shown in the record, not its own edit
    record.refresh_from_db()
    assert (record.state, record.revision) == ("proposed", read + 1)
    assert not RecordApproval.objects.filter(voided_at__isnull=True).exists()  # Chile approved the old title
    with pytest.raises(ValidationError) as exc:  # Peru read the old title
        record_approve(record=record, revision=read, access=access_of(world, "other"), user=world.users["other"])
    assert exc.value.message_dict == {"revision": ["The record has changed since you read it: read it again."]}
    for role in ("other", "own"):
        record = record_approve(record=record, revision=read + 1, access=access_of(world, role), user=world.users[role])
    version = RecordVersion.objects.get()
    assert (Record.objects.get().state, version.content["session"]["title"]) == ("approved", "Otra sesión")
    live = RecordApproval.objects.filter(voided_at__isnull=True)
    assert sorted(live.values_list("delegation", "digest")) == [("CL", version.digest), ("PE", version.digest)]


def test_a_renamed_co_chair_makes_a_new_revision_of_a_proposed_record(world):
    from committees.services import person_save

    officers = seat_officers(world)
    record = proposed(world)
    read = record.revision
    chair = officers["cl_chair"]
    chair.full_name = "Javiera Cordero Otra"
    person_save(person=chair)
    with pytest.raises(ValidationError):
        record_approve(record=record, revision=read, access=access_of(world, "other"), user=world.users["other"])
    assert Record.objects.get().revision == read + 1


def test_a_change_no_write_announced_is_caught_at_approval_and_its_new_revision_kept(world):
    from committees.models import Person

    officers = seat_officers(world)
    record = proposed(world)
    read = record.revision
    Person.objects.filter(pk=officers["pe_chair"].pk).update(full_name="Hugo de Zela Llosa")  # no service, no effect
    with pytest.raises(ValidationError) as exc:
        record_approve(record=record, revision=read, access=access_of(world, "other"), user=world.users["other"])
    assert list(exc.value.message_dict) == ["revision"]
    assert (Record.objects.get().revision, RecordApproval.objects.count()) == (read + 1, 0)  # kept, though refused
    for role in ("other", "own"):
        record = record_approve(record=record, revision=read + 1, access=access_of(world, role), user=world.users[role])
    assert RecordVersion.objects.get().content["co_chairs"][1]["name"] == "Hugo de Zela Llosa"


def test_line_breaks_as_a_browser_sends_them_are_no_change(world):
    session = held_session(world)
    record = record_start(session=session, access=access_of(world, "own"))
    record.closing_remarks = "Primera línea\nSegunda línea"
    record = record_save(record=record, access=access_of(world, "own"), user=None, entries=entries_for(session))
    record = record_propose(record=record, access=access_of(world, "own"))
    record_approve(record=record, revision=record.revision, access=access_of(world, "own"), user=None)
    record.closing_remarks = "Primera línea\r\nSegunda línea"
    record_save(record=record, access=access_of(world, "other"), user=None)  # no reason needed: nothing changed
    stored = Record.objects.get()
    assert (stored.state, stored.closing_remarks) == ("proposed", "Primera línea\nSegunda línea")
    assert RecordApproval.objects.filter(voided_at__isnull=True).count() == 1


def test_a_save_based_on_an_older_revision_is_refused_and_drops_nothing(world):
    record = drafted(world)
    read = record.revision
    note = RecordEntry(kind="note", text="Nota de Perú")
    record_save(
        record=Record.objects.get(),
        access=access_of(world, "other"),
        user=None,
        entries=[*record.entries.order_by("position"), note],
    )
    stale = Record.objects.get()
    stale.closing_remarks = "Cierre de Chile"
    with pytest.raises(ValidationError) as exc:
        record_save(
            record=stale,
            access=access_of(world, "own"),
            user=None,
            entries=list(record.entries.exclude(text="Nota de Perú")),
            revision=read,
        )
    assert exc.value.message_dict == {"revision": ["The record has changed since you read it: read it again."]}
    assert RecordEntry.objects.filter(text="Nota de Perú").exists()


@postgresql_only
@pytest.mark.parametrize("rows", ["entries", "attendance"])
def test_postgresql_refuses_to_delete_the_rows_of_an_approved_record(world, rows):
    record = approved(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        getattr(record, rows).all().delete()
    assert RecordVersion.objects.get().content == record_content(Record.objects.get())


@pytest.mark.parametrize("reason", ["mal\x1b[2J\x07", "x\x08y", "z" * 1001])
def test_a_reason_with_control_characters_or_too_long_is_refused_and_nothing_is_written(world, reason):
    record = approved(world)
    with pytest.raises(ValidationError) as exc:
        record_correct(record=record, reason=reason, access=access_of(world, "own"), user=None)
    assert list(exc.value.message_dict) == ["reason"]
    assert (Record.objects.get().state, Change.objects.count()) == ("approved", 0)


def test_a_decision_or_note_takes_no_responsible_delegation_or_due_date(world):
    session = held_session(world)
    record = record_start(session=session, access=access_of(world, "own"))
    entry = RecordEntry(kind="decision", text="x", responsible="ZZ", due_on=date(2026, 1, 1))
    with pytest.raises(ValidationError) as exc:
        record_save(record=record, access=access_of(world, "own"), user=None, entries=[entry])
    assert exc.value.message_dict == {
        "entries": [
            "Row 1, responsible delegation: Only a commitment has a responsible delegation and a due date.",
            "Row 1, due: Only a commitment has a responsible delegation and a due date.",
        ]
    }
