"""People are seen and changed committee by committee, on every surface.

In the two-committee world of tests/world.py: each role × each person, on the admin's list,
change page (read and forced write), autocompletes, spreadsheet import; each role on the session
export, the API, the schedule pages and the reminder log. Then the hijack of another committee's
member, end to end, with the reminder delivered by a real SMTP server."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from committees.models import Membership, Person
from meetings.choices import ReminderKind, ReminderState
from meetings.models import Reminder
from meetings.reminders import reminders_claim, reminders_send
from tests.admin_forms import person_form
from tests.api import user_in
from tests.smtp import smtp  # noqa: F401 - the fixture
from tests.world import PEOPLE, admin_client, api_client
from tracker.roles import SECRETARIAT

pytestmark = pytest.mark.django_db

STAFF = ("own", "other", "b", "administrator")
SAVED, READ_ONLY, UNSEEN = 302, 403, 404

# What a forced POST of each person's change page answers, by role. A secretariat changes a
# person only when it is their delegation's secretariat on every committee they sit on; it reads
# the other people of its committees; anyone else does not exist for it.
CHANGE = {
    "own": {
        "chilean": SAVED,
        "peruvian": READ_ONLY,
        "argentine": UNSEEN,
        "chilean_on_b": UNSEEN,
        "shared": READ_ONLY,
        "lone_chilean": SAVED,
        "lone_peruvian": UNSEEN,
    },
    "other": {
        "chilean": READ_ONLY,
        "peruvian": SAVED,
        "argentine": UNSEEN,
        "chilean_on_b": UNSEEN,
        "shared": READ_ONLY,
        "lone_chilean": UNSEEN,
        "lone_peruvian": SAVED,
    },
    "b": {
        "chilean": UNSEEN,
        "peruvian": UNSEEN,
        "argentine": READ_ONLY,
        "chilean_on_b": SAVED,
        "shared": READ_ONLY,
        "lone_chilean": SAVED,
        "lone_peruvian": UNSEEN,
    },
    "administrator": dict.fromkeys(PEOPLE, SAVED),
}
CELLS = [(role, name) for role in STAFF for name in PEOPLE]


def _contact(person: Person) -> tuple:
    person.refresh_from_db()
    return (person.full_name, person.email, person.receives_reminders)


@pytest.mark.parametrize(("role", "name"), CELLS)
def test_each_role_opens_and_changes_exactly_the_people_it_may(world, role, name):
    person, expected = world.person(name), CHANGE[role][name]
    client = admin_client(world, role)
    url = f"/admin/committees/person/{person.pk}/change/"
    page = client.get(url)
    assert page.status_code == (UNSEEN if expected == UNSEEN else 200)
    if page.status_code == 200:
        assert page.context["has_change_permission"] == (expected == SAVED)
        assert (person.email in page.content.decode()) is True  # contact data is read where the person is seen
    before = _contact(person)
    data = person_form(person, email="taken@attacker.example")
    del data["receives_reminders"]  # unticked
    response = client.post(url, data)
    assert response.status_code == expected
    after = _contact(person)
    assert after == ((before[0], "taken@attacker.example", False) if expected == SAVED else before)
    history = client.get(f"/admin/committees/person/{person.pk}/history/")
    assert history.status_code == {"administrator": 200}.get(role, UNSEEN if expected == UNSEEN else 403)


def _autocomplete(client, app: str, model: str, field: str) -> set[int]:
    response = client.get(
        "/admin/autocomplete/", {"app_label": app, "model_name": model, "field_name": field, "term": ""}
    )
    assert response.status_code == 200
    return {int(row["id"]) for row in response.json()["results"]}


@pytest.mark.parametrize("role", STAFF)
def test_autocompletes_offer_exactly_the_people_one_sees(world, role):
    from tests.test_permissions import PEOPLE_SEEN

    client = admin_client(world, role)
    seen = {world.person(name).pk for name in PEOPLE_SEEN[role]}
    for source in (
        ("committees", "membership", "person"),
        ("meetings", "invitee", "person"),
        ("meetings", "agendaitem", "presenter"),
    ):
        assert _autocomplete(client, *source) == seen, source


def test_a_person_one_does_not_see_cannot_be_seated_or_invited_by_a_forced_post(world):
    client = admin_client(world, "own")
    response = client.post(
        "/admin/committees/membership/add/",
        {
            "person": world.chilean_on_b.pk,
            "committee": world.a.pk,
            "role": "member",
            "delegation": "CL",
            "start_date": "2026-01-05",
            "end_date": "",
        },
    )
    assert response.context["adminform"].form.errors == {
        "person": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert Membership.objects.filter(person=world.chilean_on_b).count() == 1


# --- Imports -----------------------------------------------------------------------------

CHANGED, NEW = "changed", "new"
OWN_DELEGATION = {"country": ["You can only add or change people of your own delegation."]}
SHARED = {
    "country": [
        "This person is also on a committee or delegation whose secretariat you are not: "
        "an administrator or that secretariat can change them."
    ]
}
# What importing a row with each person's name and country and a new e-mail does, by role: the
# person is changed, the file is refused (nothing saved), or, for a name the importer does not
# see, a new person of the importer's own country is made and the unseen one is left alone.
IMPORT = {
    "own": {
        "chilean": CHANGED,
        "peruvian": OWN_DELEGATION,
        "argentine": OWN_DELEGATION,
        "chilean_on_b": NEW,
        "shared": SHARED,
        "lone_chilean": CHANGED,
        "lone_peruvian": OWN_DELEGATION,
    },
    "other": {
        "chilean": OWN_DELEGATION,
        "peruvian": CHANGED,
        "argentine": OWN_DELEGATION,
        "chilean_on_b": OWN_DELEGATION,
        "shared": OWN_DELEGATION,
        "lone_chilean": OWN_DELEGATION,
        "lone_peruvian": CHANGED,
    },
    "b": {
        "chilean": NEW,
        "peruvian": OWN_DELEGATION,
        "argentine": OWN_DELEGATION,
        "chilean_on_b": CHANGED,
        "shared": SHARED,
        "lone_chilean": CHANGED,
        "lone_peruvian": OWN_DELEGATION,
    },
    "administrator": dict.fromkeys(PEOPLE, CHANGED),
}
COLUMNS = ("full_name", "position", "organisation", "country", "email", "preferred_language", "timezone")


def _people_file(person: Person, email: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "receives_reminders"])
    row = {column: str(getattr(person, column)) for column in COLUMNS}
    writer.writerow([*(row[column] for column in COLUMNS[:4]), email, *(row[c] for c in COLUMNS[5:]), "0"])
    return out.getvalue().encode()


def _import(client, content: bytes):
    trial = client.post(
        "/admin/committees/person/import/",
        {"import_file": SimpleUploadedFile("people.csv", content), "format": "0"},
    )
    assert trial.status_code == 200
    result = trial.context["result"]
    errors = [{f: [str(m) for m in ms] for f, ms in row.error_dict.items()} for row in result.invalid_rows]
    if errors or "confirm_form" not in trial.context:
        return errors
    form = trial.context["confirm_form"]
    done = client.post("/admin/committees/person/process_import/", {n: form.initial[n] for n in form.fields})
    assert done.status_code == 302
    return []


@pytest.mark.parametrize(("role", "name"), CELLS)
def test_each_role_imports_changes_to_exactly_the_people_it_may_change(world, role, name):
    person, expected = world.person(name), IMPORT[role][name]
    before, count = _contact(person), Person.objects.count()
    errors = _import(admin_client(world, role), _people_file(person, "imported@attacker.example"))
    after = _contact(person)
    if expected == CHANGED:
        assert (errors, after, Person.objects.count()) == ([], (before[0], "imported@attacker.example", False), count)
    elif expected == NEW:
        assert (errors, after, Person.objects.count()) == ([], before, count + 1)
        made = Person.objects.get(email="imported@attacker.example")
        assert (made.full_name, made.country.code, made.memberships.count()) == (person.full_name, "CL", 0)
    else:
        assert (errors, after, Person.objects.count()) == ([expected], before, count)


# --- Export, API, pages, reminder log ----------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_the_session_export_holds_only_the_committees_one_works_for(world, role):
    from tests.test_permissions import SEES

    response = admin_client(world, role).post(
        "/admin/meetings/session/",
        {"action": "export_csv", "_selected_action": [str(world.a_session.pk), str(world.b_session.pk)]},
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row["committee"] for row in rows) == list(SEES[role])
    presenters = {"chile-peru": world.chilean, "chile-argentina": world.argentine}
    for row in rows:
        shown = {slug for slug, person in presenters.items() if person.full_name in row["agenda"]}
        assert shown == {row["committee"]}


@pytest.mark.parametrize("role", ["reader", "own", "other", "b", "administrator"])
def test_the_api_names_only_the_people_of_committees_one_sees(world, role):
    from tests.test_permissions import MEMBERS, SEES

    client = api_client(world, role)
    named = set()
    for slug in SEES[role]:
        for member in client.get(f"/api/v1/committees/{slug}/").json()["members"]:
            named.add(member["person"]["id"])
            assert set(member["person"]) == {"id", "full_name", "position", "organisation", "country"}  # no e-mail
    for session in client.get("/api/v1/sessions/").json()["results"]:
        named |= {item["presenter"]["id"] for item in session["agenda"] if item["presenter"]}
    assert named == {world.person(name).pk for slug in SEES[role] for name in MEMBERS[slug]}


# Status of each schedule page by role: A is published, B is not.
PAGES = {
    "/schedule/chile-peru/": {"anonymous": 200, "reader": 200, "own": 200, "other": 200, "b": 200},
    "/schedule/chile-argentina/": {"anonymous": 302, "reader": 404, "own": 404, "other": 404, "b": 200},
    "/schedule/sessions/{b_session}/": {"anonymous": 302, "reader": 404, "own": 404, "other": 404, "b": 200},
    "/schedule/chile-argentina.ics": {"anonymous": 404, "reader": 404, "own": 404, "other": 404, "b": 404},
}


@pytest.mark.parametrize("role", ["anonymous", "reader", "own", "other", "b", "administrator"])
def test_the_schedule_pages_show_another_committees_people_to_no_one(world, role):
    client = admin_client(world, role)
    for path, expected in PAGES.items():
        response = client.get(path.format(b_session=world.b_session.pk))
        assert response.status_code == expected.get(role, 200 if "ics" not in path else 404), path
        text = response.content.decode()
        for name in ("argentine", "chilean_on_b", "shared", "lone_chilean"):
            assert world.person(name).email not in text
        if response.status_code != 200:
            assert world.argentine.full_name not in text and "Lithium" not in text


@pytest.mark.parametrize("role", STAFF)
def test_the_reminder_log_names_only_the_people_of_committees_one_works_for(world, role):
    from tests.test_permissions import SEES

    response = admin_client(world, role).get("/admin/meetings/reminder/")
    listed = {reminder.person for reminder in response.context["cl"].result_list}
    committees = {"chile-peru": world.a, "chile-argentina": world.b}
    expected = {r.person for r in Reminder.objects.filter(session__committee__in=[committees[s] for s in SEES[role]])}
    assert listed == expected
    b_reminder = Reminder.objects.filter(session=world.b_session).first()
    page = admin_client(world, role).get(f"/admin/meetings/reminder/{b_reminder.pk}/change/")
    assert page.status_code == (200 if "chile-argentina" in SEES[role] else 404)


def test_a_secretariat_of_both_committees_changes_the_person_who_sits_on_both(world):
    both = user_in(SECRETARIAT, (world.a, "CL"), (world.b, "CL"), staff=True)
    from django.test import Client

    client = Client()
    client.force_login(both)
    url = f"/admin/committees/person/{world.shared.pk}/change/"
    assert client.post(url, person_form(world.shared, email="new@cl.example")).status_code == SAVED
    assert _contact(world.shared)[1] == "new@cl.example"
    # Moving them to another country would take them out of both secretariats' reach: refused.
    refused = client.post(url, person_form(world.shared, country="PE"))
    assert refused.context["adminform"].form.errors == OWN_DELEGATION
    assert world.shared.country.code == "CL"


# --- The hijack, end to end --------------------------------------------------------------


def test_another_committees_member_cannot_be_hijacked_and_their_reminder_reaches_them(world, smtp):  # noqa: F811
    """A's Chilean secretariat tries to take B's Chilean member's reminders: every way answers
    as if the person did not exist, and B's reminder still reaches its member."""
    victim, attacker = world.chilean_on_b, admin_client(world, "own")
    address = victim.email
    url = f"/admin/committees/person/{victim.pk}/change/"
    assert attacker.get(url).status_code == UNSEEN
    assert attacker.post(url, person_form(victim, email="taken@attacker.example")).status_code == UNSEEN
    unticked = person_form(victim)
    del unticked["receives_reminders"]
    assert attacker.post(url, unticked).status_code == UNSEEN
    assert victim.pk not in _autocomplete(attacker, "committees", "membership", "person")
    assert victim.email not in attacker.get("/admin/committees/person/?q=" + victim.full_name).content.decode()
    # The same by a file: the name the attacker cannot see becomes a person of their own, tied to
    # no committee; B's member is untouched.
    assert _import(attacker, _people_file(victim, "taken@attacker.example")) == []
    assert _contact(victim) == (victim.full_name, address, True)
    assert set(Person.objects.filter(full_name=victim.full_name).values_list("email", flat=True)) == {
        address,
        "taken@attacker.example",
    }
    # B's 7-day reminder goes out, to the member's own address (the invitations went out when the
    # sessions were planned).
    Reminder.objects.filter(kind=ReminderKind.INVITATION).update(state=ReminderState.SENT)
    due = world.b_session.starts_at - timedelta(days=7)
    with time_machine.travel(due, tick=False):
        ids, token = reminders_claim(now=due)
        outcome = reminders_send(reminder_ids=ids, claim_token=token, now=due)
    assert outcome == {"sent": 6, "retry": 0, "failed": 0, "skipped": 0}  # A's three members and B's three
    recipients = sorted(rcpt for _sender, rcpts in smtp.envelopes for rcpt in rcpts)
    members = ("chilean", "peruvian", "argentine", "chilean_on_b", "shared", "shared")
    assert recipients == sorted(world.person(name).email for name in members)
    (mail,) = [m for m, (_sender, rcpts) in zip(smtp.messages, smtp.envelopes, strict=True) if rcpts == [address]]
    assert world.b_session.title in mail["Subject"]


def test_a_secretariat_cannot_seat_the_other_delegations_person_for_its_own(world):
    """Seating the Peruvian member for Chile would take them out of the Peruvian secretariat's hands."""
    Membership.objects.filter(pk=world.peruvian_membership.pk).update(end_date="2025-12-31")
    response = admin_client(world, "own").post(
        "/admin/committees/membership/add/",
        {
            "person": world.peruvian.pk,
            "committee": world.a.pk,
            "role": "adviser",
            "delegation": "CL",
            "start_date": "2026-01-05",
            "end_date": "",
        },
    )
    assert response.context["adminform"].form.errors == {
        "person": ["You can only seat people of your delegation's country; an administrator can seat others."]
    }
    assert list(world.peruvian.memberships.values_list("delegation", flat=True)) == ["PE"]


def test_a_person_another_committee_has_reminded_stays_out_of_reach_after_their_seat_ends(world, smtp):  # noqa: F811
    """B's member was reminded, then B removes their seat: they are still B's to tell of a
    cancellation, so A's secretariat still cannot see them, and the notice reaches their address."""
    from meetings.services import session_cancel

    victim, address = world.chilean_on_b, world.chilean_on_b.email
    victim.reminders.update(state=ReminderState.SENT)
    victim.memberships.all().delete()
    url = f"/admin/committees/person/{victim.pk}/change/"
    attacker = admin_client(world, "own")
    assert attacker.get(url).status_code == UNSEEN
    assert attacker.post(url, person_form(victim, email="taken@attacker.example")).status_code == UNSEEN
    assert admin_client(world, "b").get(url).context["has_change_permission"] is True
    session_cancel(session=world.b_session)
    # A's session was announced when planned; B's invitations had not gone out.
    world.a_session.reminders.filter(kind=ReminderKind.INVITATION).update(state=ReminderState.SENT)
    due = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(due, tick=False):
        ids, token = reminders_claim(now=due)
        outcome = reminders_send(reminder_ids=ids, claim_token=token, now=due)
    assert outcome == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}  # the only one reminded so far
    assert smtp.envelopes == [(smtp.envelopes[0][0], [address])]
    assert smtp.messages[0]["Subject"].strip() == f"Cancelada: {world.b.name_es}, sesión 1 — Lithium tariffs"


@pytest.mark.parametrize(
    "query",
    [
        {"app_label": "committees", "model_name": "person", "field_name": "memberships"},
        {"app_label": "meetings", "model_name": "session", "field_name": "reminders"},
        {"app_label": "committees", "model_name": "person", "field_name": "full_name"},
        {"app_label": "committees", "model_name": "membership", "field_name": "nope"},
        {"app_label": "nowhere", "model_name": "person", "field_name": "person"},
        {"app_label": "committees"},
    ],
)
def test_an_autocomplete_for_a_field_no_form_has_is_refused(world, query):
    assert admin_client(world, "own").get("/admin/autocomplete/", query).status_code == 403


def test_reminders_never_sent_tie_no_one_to_a_committee(world):
    """B's member seated on A by mistake and removed before any mail went out: A's planned rows,
    now cancelled, leave them B's alone, and B's secretariat still changes them."""
    from meetings.reminders import reminders_plan

    victim = world.chilean_on_b
    seat = Membership.objects.create(person=victim, committee=world.a, delegation="CL", start_date="2025-11-28")
    reminders_plan(session=world.a_session)
    assert set(victim.reminders.filter(session=world.a_session).values_list("state", flat=True)) == {"pending"}
    assert (
        admin_client(world, "b").get(f"/admin/committees/person/{victim.pk}/change/").context["has_change_permission"]
        is False
    )  # while they sit on A too, A's Chilean secretariat shares them
    seat.delete()
    reminders_plan(session=world.a_session)
    assert set(victim.reminders.filter(session=world.a_session).values_list("state", flat=True)) == {"cancelled"}
    assert admin_client(world, "own").get(f"/admin/committees/person/{victim.pk}/change/").status_code == UNSEEN
    assert (
        admin_client(world, "b").get(f"/admin/committees/person/{victim.pk}/change/").context["has_change_permission"]
        is True
    )
