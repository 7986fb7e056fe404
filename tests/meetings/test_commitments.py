"""The commitments register: entered on approval, corrected with the record, followed by the
responsible delegation, and reminded of once when overdue, through a real SMTP server."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from meetings.choices import ReminderKind
from meetings.models import Commitment, CommitmentUpdate, Reminder
from meetings.records.changes import ChangeBy
from meetings.records.commitments import commitment_status_set, commitments_open, commitments_overdue_plan
from meetings.records.services import record_approve, record_correct, record_propose, record_save
from meetings.reminders import reminders_scan, reminders_send
from meetings.services import session_update
from tests.factories import PersonFactory
from tests.meetings.records_helpers import access_of, approved, seat_officers
from tests.smtp import smtp  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

# The commitment of `records_helpers.entries_for` is due on 15 January 2026 (committee A: America/Santiago
# unless the factory says otherwise); the next day on every clock it is overdue.
OVERDUE_AT = datetime(2026, 1, 17, 12, 0, tzinfo=UTC)


def _commitment() -> Commitment:
    return Commitment.objects.get()


def test_approval_registers_the_commitments_of_the_record(world):
    record = approved(world)
    commitment = _commitment()
    item = record.session.agenda_items.get(position=1)
    assert (
        commitment.committee,
        commitment.session,
        commitment.agenda_item,
        commitment.text,
        commitment.text_en,
        commitment.responsible,
        commitment.due_on,
        commitment.status,
    ) == (world.a, record.session, item, "Informe diario", "Daily report", "PE", date(2026, 1, 15), "open")
    assert list(commitment.updates.values_list("status", "note")) == [("open", "Acordado en la sesión 2.")]


def test_a_correction_updates_the_register_and_drops_what_it_removed(world):
    record = approved(world)
    commitment = _commitment()
    record = record_correct(record=record, reason="Plazo", access=access_of(world, "own"), user=world.users["own"])
    entries = list(record.entries.order_by("position"))
    entries[1].text = "Informe semanal"
    record = record_save(record=record, access=access_of(world, "own"), user=None, entries=entries)
    record = record_propose(record=record, access=access_of(world, "own"))
    for role in ("own", "other"):
        record = record_approve(
            record=record, revision=record.revision, access=access_of(world, role), user=world.users[role]
        )
    commitment.refresh_from_db()
    assert (commitment.text, commitment.status) == ("Informe semanal", "open")
    assert [note for _status, note in commitment.updates.values_list("status", "note")] == [
        "Acordado en la sesión 2.",
        "Corregido en la versión 2 del acta.",
    ]

    record = record_correct(record=record, reason="Sin plazo", access=access_of(world, "own"), user=None)
    record = record_save(record=record, access=access_of(world, "own"), user=None, entries=entries[:1])
    record = record_propose(record=record, access=access_of(world, "own"))
    for role in ("own", "other"):
        record = record_approve(
            record=record, revision=record.revision, access=access_of(world, role), user=world.users[role]
        )
    commitment.refresh_from_db()
    assert commitment.status == "dropped"
    assert commitment.updates.last().note == "Eliminado del acta en la versión 3."


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("other", True), ("administrator", True), ("own", False), ("reader", False), ("b", False)],
)
def test_the_responsible_delegation_follows_its_commitment(world, role, allowed):
    approved(world)
    commitment = _commitment()  # Peru's
    if not allowed:
        with pytest.raises(ValidationError) as exc:
            commitment_status_set(
                commitment=commitment, status="done", note="Hecho", access=access_of(world, role), user=None
            )
        assert exc.value.message_dict == {
            "status": ["Only the responsible delegation's secretariat follows this commitment."]
        }
        assert _commitment().status == "open"
        return
    with time_machine.travel(datetime(2026, 1, 10, 15, 0, tzinfo=UTC), tick=False):
        commitment_status_set(
            commitment=commitment,
            status="in_progress",
            note="Primer informe enviado",
            access=access_of(world, role),
            user=world.users[role],
        )
    update = CommitmentUpdate.objects.order_by("pk").last()
    assert (update.status, update.note, update.changed_at, update.changed_by) == (
        "in_progress",
        "Primer informe enviado",
        datetime(2026, 1, 10, 15, 0, tzinfo=UTC),
        world.users[role],
    )
    assert _commitment().status == "in_progress"


@pytest.mark.parametrize(
    ("status", "note", "errors"),
    [
        ("done", "  ", {"note": ["Say what happened: every change of a commitment carries a note."]}),
        ("finished", "x", {"status": ["Choose one of: open, in_progress, done, dropped."]}),
    ],
)
def test_a_status_change_needs_a_known_status_and_a_note(world, status, note, errors):
    approved(world)
    with pytest.raises(ValidationError) as exc:
        commitment_status_set(
            commitment=_commitment(), status=status, note=note, access=access_of(world, "other"), user=None
        )
    assert exc.value.message_dict == errors
    assert CommitmentUpdate.objects.count() == 1


def test_open_commitments_are_those_open_or_in_progress_of_the_committee(world):
    approved(world)
    commitment = _commitment()
    assert list(commitments_open(committee=world.a)) == [commitment]
    assert list(commitments_open(committee=world.b)) == []
    commitment_status_set(
        commitment=commitment, status="done", note="Listo", access=access_of(world, "other"), user=None
    )
    assert list(commitments_open(committee=world.a)) == []


def test_an_overdue_commitment_is_planned_once_for_its_delegations_secretaries(world):
    officers = seat_officers(world)
    approved(world)
    assert commitments_overdue_plan(now=datetime(2026, 1, 15, 23, 0, tzinfo=UTC)) == 0  # still its due day
    assert commitments_overdue_plan(now=OVERDUE_AT) == 1
    assert commitments_overdue_plan(now=OVERDUE_AT) == 0
    rows = Reminder.objects.filter(kind=ReminderKind.OVERDUE)
    assert list(rows.values_list("person_id", "commitment_id", "state")) == [
        (officers["pe_secretary"].pk, _commitment().pk, "pending")
    ]


def test_an_overdue_commitment_with_a_responsible_person_reaches_them(world):
    approved(world)
    person = PersonFactory(country="PE", email="resp@rree.pe.example")
    Commitment.objects.update(person=person)
    assert commitments_overdue_plan(now=OVERDUE_AT) == 1
    assert list(Reminder.objects.filter(kind=ReminderKind.OVERDUE).values_list("person_id", flat=True)) == [person.pk]


def test_a_closed_commitment_is_not_reminded_and_closing_cancels_a_waiting_notice(world):
    seat_officers(world)
    approved(world)
    commitments_overdue_plan(now=OVERDUE_AT)
    commitment_status_set(
        commitment=_commitment(), status="dropped", note="Ya no aplica", access=access_of(world, "other"), user=None
    )
    assert list(Reminder.objects.filter(kind=ReminderKind.OVERDUE).values_list("state", flat=True)) == ["cancelled"]
    Reminder.objects.filter(kind=ReminderKind.OVERDUE).delete()
    assert commitments_overdue_plan(now=OVERDUE_AT) == 0


@pytest.fixture
def scan_and_send(django_capture_on_commit_callbacks):
    """One scanner pass at a time, its chunks sent at once (they are enqueued once the claim commits)."""

    def scan(at: datetime) -> None:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            reminders_scan(
                now=at, enqueue=lambda chunk, token: reminders_send(reminder_ids=chunk, claim_token=token, now=at)
            )

    return scan


def test_an_overdue_reminder_reaches_the_smtp_server_once(world, smtp, scan_and_send):  # noqa: F811
    officers = seat_officers(world)
    approved(world)
    before = len(smtp.messages)
    scan_and_send(OVERDUE_AT)
    scan_and_send(OVERDUE_AT.replace(hour=18))
    mails = smtp.messages[before:]
    assert [(m["To"].addresses[0].addr_spec, m["Subject"].strip()) for m in mails] == [
        (officers["pe_secretary"].email, f"Compromiso vencido: {world.a.name_es} — Informe diario")
    ]
    body = mails[0].get_body(("plain",)).get_content()
    assert "Informe diario" in body
    assert "Vence: 2026-01-15" in body
    assert "Responsable: Perú" in body
    assert Reminder.objects.get(kind=ReminderKind.OVERDUE).state == "sent"


def test_no_overdue_reminder_reaches_the_smtp_server_for_a_closed_commitment(world, smtp, scan_and_send):  # noqa: F811
    seat_officers(world)
    approved(world)
    commitments_overdue_plan(now=OVERDUE_AT)
    # closed after the notice was planned, before it was sent
    commitment_status_set(
        commitment=_commitment(), status="done", note="Entregado", access=access_of(world, "other"), user=None
    )
    before = len(smtp.messages)
    scan_and_send(OVERDUE_AT)
    assert [m["Subject"] for m in smtp.messages[before:]] == []


def test_a_move_by_one_side_is_mailed_to_the_other_with_the_reason(world, smtp, scan_and_send):  # noqa: F811
    officers = seat_officers(world)
    session = world.a_session  # 7 January 2030, 13:00 UTC
    new_start = datetime(2030, 1, 8, 14, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as exc:
        session_update(
            session=session,
            data={"starts_at": new_start, "ends_at": datetime(2030, 1, 8, 16, 0, tzinfo=UTC)},
            by=ChangeBy(user=world.users["own"], access=access_of(world, "own")),
        )
    assert exc.value.message_dict == {
        "reason": ["Say why the session is moved, postponed or cancelled: the other delegation is told."]
    }
    session.refresh_from_db()
    session_update(
        session=session,
        data={"starts_at": new_start, "ends_at": datetime(2030, 1, 8, 16, 0, tzinfo=UTC)},
        by=ChangeBy(user=world.users["own"], access=access_of(world, "own")),
        reason="El canciller viaja el lunes",
    )
    rows = Reminder.objects.filter(kind=ReminderKind.CHANGE)
    assert list(rows.values_list("person_id", flat=True)) == [officers["pe_secretary"].pk]
    before = len(smtp.messages)
    scan_and_send(datetime.now(UTC))
    mails = [m for m in smtp.messages[before:] if m["To"].addresses[0].addr_spec == officers["pe_secretary"].email]
    assert len(mails) == 1
    body = mails[0].get_body(("plain",)).get_content()
    lines = body.splitlines()
    assert "Motivo: El canciller viaja el lunes" in lines
    changed = lines.index("Qué cambió:")
    # On the reader's clock (Santiago), then on the capital's that is not theirs.
    assert lines[changed + 1 : changed + 5] == [
        "Comienza: 2030-01-07 10:00 UTC-03:00 (America/Santiago) → 2030-01-08 11:00 UTC-03:00 (America/Santiago)",
        "Comienza, Lima: 2030-01-07 08:00 UTC-05:00 (America/Lima) → 2030-01-08 09:00 UTC-05:00 (America/Lima)",
        "Termina: 2030-01-07 12:00 UTC-03:00 (America/Santiago) → 2030-01-08 13:00 UTC-03:00 (America/Santiago)",
        "Termina, Lima: 2030-01-07 10:00 UTC-05:00 (America/Lima) → 2030-01-08 11:00 UTC-05:00 (America/Lima)",
    ]


def test_a_correction_that_moves_the_due_date_moves_the_overdue_notice(world, smtp, scan_and_send):  # noqa: F811
    officers = seat_officers(world)
    record = approved(world)
    assert commitments_overdue_plan(now=OVERDUE_AT) == 1  # due 15 January, planned on the 17th
    record = record_correct(record=record, reason="Plazo nuevo", access=access_of(world, "other"), user=None)
    entries = list(record.entries.order_by("position"))
    entries[1].due_on = date(2026, 3, 1)
    record = record_save(record=record, access=access_of(world, "other"), user=None, entries=entries)
    record = record_propose(record=record, access=access_of(world, "other"))
    for role in ("other", "own"):
        record = record_approve(record=record, revision=record.revision, access=access_of(world, role), user=None)
    assert list(Reminder.objects.filter(kind=ReminderKind.OVERDUE).values_list("state", flat=True)) == ["cancelled"]

    before = len(smtp.messages)
    scan_and_send(OVERDUE_AT.replace(hour=20))  # not overdue any more: nothing goes out
    assert smtp.messages[before:] == []
    scan_and_send(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # the new date is over
    mails = smtp.messages[before:]
    assert [m["To"].addresses[0].addr_spec for m in mails] == [officers["pe_secretary"].email]
    assert "Vence: 2026-03-01" in mails[0].get_body(("plain",)).get_content()
    rows = Reminder.objects.filter(kind=ReminderKind.OVERDUE).order_by("pk")
    assert list(rows.values_list("state", "commitment_due_on")) == [
        ("cancelled", date(2026, 1, 15)),
        ("sent", date(2026, 3, 1)),
    ]


def test_a_note_with_control_characters_is_refused(world):
    approved(world)
    with pytest.raises(ValidationError) as exc:
        commitment_status_set(
            commitment=_commitment(), status="done", note="ok\x1b[31m", access=access_of(world, "other"), user=None
        )
    assert exc.value.message_dict == {"note": ["Must not contain control characters (found '\\x1b')."]}
    assert (_commitment().status, CommitmentUpdate.objects.count()) == ("open", 1)


def test_the_cron_pass_tells_of_an_overdue_commitment_too(world, smtp):  # noqa: F811
    from io import StringIO

    from django.core.management import call_command

    officers = seat_officers(world)
    approved(world)
    out = StringIO()
    with time_machine.travel(OVERDUE_AT, tick=False):
        call_command("dispatch_reminders", stdout=out)
    assert (
        out.getvalue()
        == "Reminders: 1 sent, 0 to retry, 0 failed, 0 no longer due, 0 returned from a stopped worker.\n"
    )
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == [officers["pe_secretary"].email]
    assert f"/schedule/{world.a.slug}/commitments/" in smtp.messages[0].get_body(("plain",)).get_content()
