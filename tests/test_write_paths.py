"""Every way a record of the schedule is written (admin pages, API, import, services, demo data)
runs through the services inside one schedule write: the version rises exactly once per write,
the reminders of the sessions it touched are planned at its end, and Last-Modified is never
ahead of the clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.http import parse_http_date

from committees.choices import Role
from committees.models import Membership, Person, StaffAssignment
from committees.services import committee_save, membership_create, membership_delete, person_save
from committees.writes import schedule_write, schedule_writes_together
from meetings.choices import ReminderKind, ReminderState, SessionStatus
from meetings.demo import seed_demo
from meetings.models import Invitee, Reminder, Session
from meetings.services import invitees_save, session_create
from tests.admin_forms import committee_form, formset, person_form
from tests.api import editor, reader
from tests.factories import CommitteeFactory, MembershipFactory, PersonFactory, SessionFactory
from tracker.models import ScheduleVersion
from tracker.schedule import schedule_version

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def raises(monkeypatch) -> list[int]:
    """Each raise of the schedule version, as the version it made."""
    import committees.writes

    made: list[int] = []
    real = committees.writes.schedule_changed

    def counted() -> None:
        real()
        made.append(ScheduleVersion.objects.get(pk=1).version)

    monkeypatch.setattr(committees.writes, "schedule_changed", counted)
    return made


def _session_page(committee, /, *, invitees=(), **overrides) -> dict:
    return {
        "committee": str(committee.pk),
        "number": "",
        "title": "Segunda sesión",
        "description": "",
        "status": "scheduled",
        "starts_at": "2026-12-07T10:00",
        "ends_at": "2026-12-07T12:00",
        "timezone": "America/Santiago",
        "venue": "Cancillería, Santiago",
        "host_country": "CL",
        **formset(
            "agenda_items",
            [
                {"position": "1", "title": "Agua y alimentos", "duration_minutes": "30"},
                {"position": "2", "title": "Documentos y visas", "duration_minutes": "45"},
            ],
        ),
        **formset("invitees", list(invitees)),
        **formset("reminders", []),
        **overrides,
    }


@time_machine.travel(NOW, tick=False)
def test_an_admin_session_page_with_agenda_and_invitee_is_one_write(admin_client, raises):
    committee, guest = CommitteeFactory(), PersonFactory(email="guest@example.org")
    response = admin_client.post(
        "/admin/meetings/session/add/", _session_page(committee, invitees=[{"person": str(guest.pk), "note": ""}])
    )
    assert (response.status_code, response.url) == (302, "/admin/meetings/session/")
    assert len(raises) == 1
    session = Session.objects.get()
    assert list(session.agenda_items.values_list("position", "title")) == [
        (1, "Agua y alimentos"),
        (2, "Documentos y visas"),
    ]
    # The invitee's invitation is planned by the same write.
    assert list(Reminder.objects.filter(kind=ReminderKind.INVITATION).values_list("person", "state")) == [
        (guest.pk, ReminderState.PENDING)
    ]


@time_machine.travel(NOW, tick=False)
def test_an_invitee_added_on_the_admin_page_is_invited_in_that_write(admin_client, raises):
    session = SessionFactory(starts_at=NOW + timedelta(days=7), ends_at=NOW + timedelta(days=7, hours=2))
    guest = PersonFactory(email="guest@example.org")
    page = _session_page(
        session.committee,
        invitees=[{"person": str(guest.pk), "note": "OIM"}],
        number=str(session.number),
        starts_at="2026-12-07T09:00",
        ends_at="2026-12-07T11:00",
        reason="Sala disponible antes",
    )
    page.update(formset("agenda_items", []))
    response = admin_client.post(f"/admin/meetings/session/{session.pk}/change/", page)
    assert (response.status_code, response.url) == (302, "/admin/meetings/session/")
    assert len(raises) == 1
    assert list(Invitee.objects.values_list("person", "note")) == [(guest.pk, "OIM")]
    assert list(Reminder.objects.filter(kind=ReminderKind.INVITATION).values_list("person", "state")) == [
        (guest.pk, ReminderState.PENDING)
    ]


@time_machine.travel(NOW, tick=False)
def test_an_invitee_added_through_the_service_is_invited_and_one_removed_is_not(raises):
    session = SessionFactory(starts_at=NOW + timedelta(days=7), ends_at=NOW + timedelta(days=7, hours=2))
    first, second = PersonFactory(email="a@example.org"), PersonFactory(email="b@example.org")
    invitees_save(session=session, changed=[Invitee(person=first), Invitee(person=second)])
    invitation = Reminder.objects.filter(kind=ReminderKind.INVITATION)
    assert set(invitation.values_list("person", "state")) == {
        (first.pk, ReminderState.PENDING),
        (second.pk, ReminderState.PENDING),
    }
    invitees_save(session=session, removed=[Invitee.objects.get(person=second)])
    assert set(invitation.values_list("person", "state")) == {
        (first.pk, ReminderState.PENDING),
        (second.pk, ReminderState.CANCELLED),
    }
    assert len(raises) == 2


def test_a_person_page_with_a_membership_inline_is_one_write(admin_client, raises):
    person, committee = PersonFactory(country="CL"), CommitteeFactory()
    row = {"committee": str(committee.pk), "role": Role.MEMBER, "delegation": "CL", "start_date": "2026-01-01"}
    page = {**person_form(person, position="Cónsul"), **formset("memberships", [row])}
    response = admin_client.post(f"/admin/committees/person/{person.pk}/change/", page)
    assert response.status_code == 302
    assert len(raises) == 1
    assert (Person.objects.get().position, Membership.objects.count()) == ("Cónsul", 1)


def test_a_committee_page_with_a_membership_inline_is_one_write(admin_client, raises):
    committee, person = CommitteeFactory(), PersonFactory(country="PE")
    page = committee_form(
        [{"person": str(person.pk), "role": Role.MEMBER, "delegation": "PE", "start_date": "2026-01-01"}],
        name_es="Comité renombrado",
        name_en=committee.name_en,
        slug=committee.slug,
    )
    response = admin_client.post(f"/admin/committees/committee/{committee.pk}/change/", page)
    assert response.status_code == 302
    assert len(raises) == 1
    assert list(Membership.objects.values_list("person", "delegation")) == [(person.pk, "PE")]


def test_a_refused_page_raises_nothing(admin_client, raises):
    committee = CommitteeFactory()
    response = admin_client.post("/admin/meetings/session/add/", _session_page(committee, ends_at="2026-12-07T09:00"))
    assert response.status_code == 200
    assert (raises, Session.objects.count()) == ([], 0)


def test_a_list_action_on_several_sessions_is_one_write(admin_client, raises):
    sessions = [SessionFactory(), SessionFactory()]
    SessionFactory.reset_sequence()
    response = admin_client.post(
        "/admin/meetings/session/",
        {"action": "cancel_sessions", "_selected_action": [str(s.pk) for s in sessions], "reason": "Crisis"},
    )
    assert response.status_code == 302
    assert len(raises) == 1
    assert set(Session.objects.values_list("status", flat=True)) == {SessionStatus.CANCELLED}


def test_a_staff_assignment_page_and_a_deletion_are_one_write_each(admin_client, django_user_model, raises):
    committee, user = CommitteeFactory(), django_user_model.objects.create_user(username="sec", is_staff=True)
    response = admin_client.post(
        "/admin/committees/staffassignment/add/",
        {"user": str(user.pk), "committee": str(committee.pk), "delegation": "CL"},
    )
    assert response.status_code == 302
    assignment = StaffAssignment.objects.get()
    response = admin_client.post(f"/admin/committees/staffassignment/{assignment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert (len(raises), StaffAssignment.objects.count()) == (2, 0)


@time_machine.travel(NOW, tick=False)
def test_api_writes_are_one_write_each(raises):
    committee = CommitteeFactory()
    client = editor()
    created = client.post(
        "/api/v1/sessions/",
        {
            "committee": committee.slug,
            "title": "Segunda sesión",
            "starts_at": "2026-12-07T10:00:00-03:00",
            "ends_at": "2026-12-07T12:00:00-03:00",
            "timezone": "America/Santiago",
            "venue": "Cancillería, Santiago",
            "host_country": "CL",
            "agenda": [{"title": "Agua", "duration_minutes": 30}, {"title": "Visas", "duration_minutes": 30}],
        },
        format="json",
    )
    assert created.status_code == 201
    url = f"/api/v1/sessions/{created.json()['id']}/"
    assert client.patch(url, {"title": "Sesión movida"}, format="json").status_code == 200
    assert client.patch(url, {"committee": "another"}, format="json").json() == {
        "committee": ["A session cannot be moved to another committee."]
    }
    assert client.delete(url).status_code == 204
    assert len(raises) == 3


def test_an_import_is_one_write_and_its_trial_run_none(admin_client, raises):
    people = (
        "full_name,position,organisation,country,email,preferred_language,timezone,receives_reminders\n"
        "Elizabeth Astete,Directora,Cancillería de Chile,CL,e.astete@example.org,es,America/Santiago,1\n"
        "Rosa Quispe,Cónsul,Cancillería del Perú,PE,r.quispe@example.org,es,America/Lima,1\n"
    )
    upload = SimpleUploadedFile("people.csv", people.encode())
    trial = admin_client.post("/admin/committees/person/import/", {"import_file": upload, "format": "0"})
    assert (trial.status_code, raises, Person.objects.count()) == (200, [], 0)
    form = trial.context["confirm_form"]
    done = admin_client.post(
        "/admin/committees/person/process_import/", {name: form.initial[name] for name in form.fields}
    )
    assert done.status_code == 302
    assert (len(raises), Person.objects.count()) == (1, 2)


def test_services_alone_and_together(raises):
    committee = CommitteeFactory()
    person = person_save(person=Person(full_name="Rosa Quispe", country="PE", timezone="America/Lima"))
    membership_create(
        person=person, committee=committee, role=Role.MEMBER, delegation="PE", start_date=date(2026, 1, 1)
    )
    assert len(raises) == 2
    with schedule_writes_together():
        person_save(person=PersonFactory.build(country="CL"))
        with schedule_write(committee_ids=[committee.pk]):
            pass
    assert len(raises) == 3
    with schedule_writes_together():
        pass  # nothing written: nothing to raise
    assert len(raises) == 3


def test_a_refused_inner_write_is_rolled_back_and_the_rest_kept(raises):
    committee = CommitteeFactory()
    MembershipFactory(committee=committee, role=Role.CO_CHAIR, delegation="CL")
    with schedule_writes_together():
        person_save(person=PersonFactory.build(full_name="Kept", country="CL"))
        with pytest.raises(Exception, match="co-chair"):
            membership_create(
                person=PersonFactory(country="CL"),
                committee=committee,
                role=Role.CO_CHAIR,
                delegation="CL",
                start_date=date(2026, 1, 1),
            )
    assert Person.objects.filter(full_name="Kept").exists()
    assert (len(raises), Membership.objects.count()) == (1, 1)


def test_the_demo_data_is_one_write_and_a_second_run_none(raises):
    seed_demo(now=NOW)
    assert len(raises) == 1
    seed_demo(now=NOW)
    assert len(raises) == 1


def test_a_service_session_is_planned_once_at_the_end_of_its_write(raises):
    committee = CommitteeFactory(reminder_offsets=[24 * 60])
    MembershipFactory(committee=committee, person=PersonFactory(email="m@example.org"))
    with time_machine.travel(NOW, tick=False):
        session = session_create(
            committee=committee,
            title="Segunda sesión",
            starts_at=NOW + timedelta(days=7),
            ends_at=NOW + timedelta(days=7, hours=2),
            timezone="America/Lima",
            venue="Torre Tagle, Lima",
            host_country="PE",
        )
    assert sorted(session.reminders.values_list("kind", "state")) == [
        (ReminderKind.INVITATION, ReminderState.PENDING),
        (ReminderKind.REMINDER, ReminderState.PENDING),
    ]
    assert len(raises) == 1


def test_last_modified_is_never_ahead_of_the_clock_after_pages_with_inlines(admin_client):
    person, committee = PersonFactory(country="CL"), CommitteeFactory()
    row = {"committee": str(committee.pk), "role": Role.MEMBER, "delegation": "CL", "start_date": "2026-01-01"}
    first = {**person_form(person, position="Cónsul"), **formset("memberships", [row])}
    assert admin_client.post(f"/admin/committees/person/{person.pk}/change/", first).status_code == 302
    kept = {**row, "id": str(Membership.objects.get().pk), "person": str(person.pk)}
    for position in ("Cónsul general", "Embajadora"):  # saved again within the same second
        page = {**person_form(person, position=position), **formset("memberships", [kept], initial=1)}
        assert admin_client.post(f"/admin/committees/person/{person.pk}/change/", page).status_code == 302
        _version, changed_at = schedule_version()
        assert changed_at <= timezone.now()
    response = reader().get("/api/v1/committees/")
    assert response.status_code == 200
    if "Last-Modified" in response:  # absent while the change's second is not over (a weak date)
        assert parse_http_date(response["Last-Modified"]) <= timezone.now().timestamp()


def test_a_list_action_refused_for_every_session_raises_nothing(admin_client, raises):
    future = [
        SessionFactory(
            starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC), ends_at=datetime(2030, 1, 7, 15, 0, tzinfo=UTC)
        )
    ]
    response = admin_client.post(
        "/admin/meetings/session/",
        {"action": "mark_sessions_held", "_selected_action": [str(s.pk) for s in future]},
    )
    assert response.status_code == 302
    assert (raises, list(Session.objects.values_list("status", flat=True))) == ([], [SessionStatus.SCHEDULED])


@time_machine.travel(NOW, tick=False)
def test_a_seat_given_or_taken_re_plans_the_committees_upcoming_sessions_in_that_write(raises):
    committee = CommitteeFactory(reminder_offsets=[24 * 60])
    upcoming = SessionFactory(
        committee=committee, starts_at=NOW + timedelta(days=7), ends_at=NOW + timedelta(days=7, hours=2)
    )
    SessionFactory(committee=committee, starts_at=NOW - timedelta(days=7), ends_at=NOW - timedelta(days=7, hours=-2))
    member = PersonFactory(email="m@example.org")
    seat = membership_create(
        person=member, committee=committee, role=Role.MEMBER, delegation="CL", start_date=date(2026, 1, 1)
    )
    rows = Reminder.objects.filter(person=member)
    assert sorted(rows.values_list("session", "kind", "state")) == [
        (upcoming.pk, ReminderKind.INVITATION, ReminderState.PENDING),
        (upcoming.pk, ReminderKind.REMINDER, ReminderState.PENDING),
    ]
    membership_delete(membership=seat)
    assert sorted(rows.values_list("session", "kind", "state")) == [
        (upcoming.pk, ReminderKind.INVITATION, ReminderState.CANCELLED),
        (upcoming.pk, ReminderKind.REMINDER, ReminderState.CANCELLED),
    ]
    assert len(raises) == 2


@time_machine.travel(NOW, tick=False)
def test_new_reminder_offsets_and_a_member_who_stops_reminders_are_followed_in_that_write(raises):
    committee = CommitteeFactory(reminder_offsets=[24 * 60])
    session = SessionFactory(
        committee=committee, starts_at=NOW + timedelta(days=7), ends_at=NOW + timedelta(days=7, hours=2)
    )
    member = PersonFactory(email="m@example.org")
    MembershipFactory(committee=committee, person=member)
    committee.reminder_offsets = [24 * 60, 60]
    committee_save(committee=committee)
    reminders = session.reminders.filter(kind=ReminderKind.REMINDER)
    assert sorted(reminders.values_list("offset_minutes", "state")) == [
        (60, ReminderState.PENDING),
        (24 * 60, ReminderState.PENDING),
    ]
    member.receives_reminders = False
    person_save(person=member)
    assert sorted(reminders.values_list("offset_minutes", "state")) == [
        (60, ReminderState.CANCELLED),
        (24 * 60, ReminderState.CANCELLED),
    ]
    assert len(raises) == 2


def test_a_user_deleted_leaves_with_their_assignments_in_one_write(admin_client, django_user_model, raises):
    user = django_user_model.objects.create_user(username="sec", is_staff=True)
    StaffAssignment.objects.create(user=user, committee=CommitteeFactory(), delegation="CL")
    StaffAssignment.objects.create(user=user, committee=CommitteeFactory(), delegation="PE")
    response = admin_client.post(f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"})
    assert (response.status_code, response.url) == (302, "/admin/auth/user/")
    assert (len(raises), StaffAssignment.objects.count(), django_user_model.objects.filter(pk=user.pk).exists()) == (
        1,
        0,
        False,
    )
