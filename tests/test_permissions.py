"""Who may do what: every API endpoint and method, and the admin's pages, for each role.

The world (tests/world.py): committee A with a Chilean and a Peruvian secretariat and a reader,
committee B with a Chilean secretariat of its own. Sessions are shared by a committee's two
secretariats; each edits only its own delegation's people and memberships. The rules on people,
surface by surface, are in tests/test_people_access.py."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from committees.models import Committee, Membership, Person
from meetings.models import Reminder, Session
from tests.admin_forms import person_form
from tests.api import token_client
from tests.factories import AgendaItemFactory, MembershipFactory, PersonFactory, SessionFactory
from tests.world import PEOPLE, ROLES, admin_client, admin_url, api_client
from tracker.tokens import api_token_create, calendar_feed_create

pytestmark = pytest.mark.django_db


def new_session(committee: Committee) -> dict:
    return {
        "committee": committee.slug,
        "title": "Extraordinary session",
        "starts_at": "2030-03-04T10:00:00-03:00",
        "ends_at": "2030-03-04T12:00:00-03:00",
        "timezone": "America/Santiago",
        "venue": "Cancillería, Santiago",
        "host_country": "CL",
    }


# (name, method, path, body) -> expected status for each of ROLES
API_MATRIX = [
    ("root", "get", "/api/v1/", None, (401, 200, 200, 200, 200, 200)),
    ("committees", "get", "/api/v1/committees/", None, (401, 200, 200, 200, 200, 200)),
    ("own committee", "get", "/api/v1/committees/chile-peru/", None, (401, 200, 200, 200, 404, 200)),
    ("other committee", "get", "/api/v1/committees/chile-argentina/", None, (401, 404, 404, 404, 200, 200)),
    ("sessions", "get", "/api/v1/sessions/", None, (401, 200, 200, 200, 200, 200)),
    ("own session", "get", "/api/v1/sessions/{a_session}/", None, (401, 200, 200, 200, 404, 200)),
    ("other session", "get", "/api/v1/sessions/{b_session}/", None, (401, 404, 404, 404, 200, 200)),
    ("create own", "post", "/api/v1/sessions/", "a", (401, 403, 201, 201, 400, 201)),
    ("create other", "post", "/api/v1/sessions/", "b", (401, 403, 400, 400, 201, 201)),
    ("change own", "patch", "/api/v1/sessions/{a_session}/", {"title": "Renamed"}, (401, 403, 200, 200, 404, 200)),
    ("change other", "patch", "/api/v1/sessions/{b_session}/", {"title": "Renamed"}, (401, 403, 404, 404, 200, 200)),
    ("replace own", "put", "/api/v1/sessions/{a_session}/", {"title": "Renamed"}, (401, 403, 405, 405, 405, 405)),
    ("delete own", "delete", "/api/v1/sessions/{a_session}/", None, (401, 403, 204, 204, 404, 204)),
    ("delete other", "delete", "/api/v1/sessions/{b_session}/", None, (401, 403, 404, 404, 204, 204)),
    ("deleted sessions", "get", "/api/v1/sessions/deleted/", None, (401, 200, 200, 200, 200, 200)),
    ("agenda items", "get", "/api/v1/agenda-items/", None, (401, 200, 200, 200, 200, 200)),
    ("own agenda item", "get", "/api/v1/agenda-items/{a_item}/", None, (401, 200, 200, 200, 404, 200)),
    ("other agenda item", "get", "/api/v1/agenda-items/{b_item}/", None, (401, 404, 404, 404, 200, 200)),
    ("agenda item write", "post", "/api/v1/agenda-items/", {"title": "x"}, (401, 403, 405, 405, 405, 405)),
    ("calendar", "get", "/api/v1/sessions.ics", None, (401, 200, 200, 200, 200, 200)),
    ("own session calendar", "get", "/api/v1/sessions/{a_session}.ics", None, (401, 200, 200, 200, 404, 200)),
    ("other session calendar", "get", "/api/v1/sessions/{b_session}.ics", None, (401, 404, 404, 404, 200, 200)),
    # The description of the API is public: it holds no data.
    ("schema", "get", "/api/v1/schema/", None, (200, 200, 200, 200, 200, 200)),
    ("docs", "get", "/api/v1/docs/", None, (200, 200, 200, 200, 200, 200)),
]


@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), API_MATRIX, ids=[row[0] for row in API_MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(world, role, name, method, path, body, expected):
    url = path.format(
        a_session=world.a_session.pk, b_session=world.b_session.pk, a_item=world.a_item.pk, b_item=world.b_item.pk
    )
    if body in ("a", "b"):
        body = new_session(world.a if body == "a" else world.b)
    headers = {"HTTP_ACCEPT": "text/html"} if name == "docs" else {}
    response = getattr(api_client(world, role), method)(url, body, **headers)
    assert response.status_code == expected[ROLES.index(role)]


def test_api_refusals_say_why(world):
    own = api_client(world, "own")
    response = own.post("/api/v1/sessions/", new_session(world.b))
    assert (response.status_code, response.json()) == (
        400,
        {"committee": ["Object with slug=chile-argentina does not exist."]},
    )
    response = own.patch(f"/api/v1/sessions/{world.b_session.pk}/", {"title": "Renamed"})
    assert (response.status_code, response.json()) == (404, {"detail": "No Session matches the given query."})
    response = api_client(world, "reader").post("/api/v1/sessions/", new_session(world.a))
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This token may only read: make a read-write token to change the schedule."},
    )
    # A reader's read-write token still lacks the permission to add sessions.
    response = token_client(world.users["reader"]).post("/api/v1/sessions/", new_session(world.a))
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )
    assert Session.objects.count() == 2
    world.b_session.refresh_from_db()
    assert world.b_session.title != "Renamed"


def test_a_read_only_assignment_does_not_let_a_secretariat_write(world):
    """A secretariat of A who only reads B sees B's sessions but cannot change them."""
    from committees.models import StaffAssignment

    user = world.users["own"]
    StaffAssignment.objects.create(user=user, committee=world.b, delegation="")
    client = token_client(user)
    assert client.get(f"/api/v1/sessions/{world.b_session.pk}/").status_code == 200
    response = client.patch(f"/api/v1/sessions/{world.b_session.pk}/", {"title": "Renamed"})
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Only the committee's secretariats may change this."},
    )
    response = client.post("/api/v1/sessions/", new_session(world.b))
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Only the committee's secretariats may add its sessions."},
    )
    assert client.delete(f"/api/v1/sessions/{world.b_session.pk}/").status_code == 403
    assert Session.objects.filter(committee=world.b).count() == 1


def _ids(client, path) -> list:
    response = client.get(path)
    assert response.status_code == 200
    return [row.get("id", row.get("slug", row.get("session_id"))) for row in response.json()["results"]]


# What each role sees of committees and sessions, and who is listed as a committee's members.
SEES = {
    "reader": ("chile-peru",),
    "own": ("chile-peru",),
    "other": ("chile-peru",),
    "b": ("chile-argentina",),
    "administrator": ("chile-argentina", "chile-peru"),
}
MEMBERS = {"chile-peru": ("chilean", "peruvian", "shared"), "chile-argentina": ("argentine", "chilean_on_b", "shared")}


@pytest.mark.parametrize("role", ["reader", "own", "other", "b", "administrator"])
def test_api_lists_hold_exactly_the_permitted_rows(world, role):
    client = api_client(world, role)
    seen = SEES[role]
    by_slug = {"chile-peru": world.a_session, "chile-argentina": world.b_session}
    items = {"chile-peru": world.a_item, "chile-argentina": world.b_item}
    assert sorted(_ids(client, "/api/v1/committees/")) == list(seen)
    assert sorted(_ids(client, "/api/v1/sessions/")) == sorted(by_slug[slug].pk for slug in seen)
    assert sorted(_ids(client, "/api/v1/agenda-items/")) == sorted(items[slug].pk for slug in seen)
    tombstones = {"chile-peru": 9001, "chile-argentina": 9002}
    assert _ids(client, "/api/v1/sessions/deleted/") == sorted(tombstones[slug] for slug in seen)
    calendar = Calendar.from_ical(client.get("/api/v1/sessions.ics").content)
    uids = sorted(str(event["UID"]) for event in calendar.walk("VEVENT"))
    assert uids == sorted(by_slug[slug].uid for slug in seen)
    # A committee's members are listed to all who see it, both delegations; no one else's.
    for slug in ("chile-peru", "chile-argentina"):
        response = client.get(f"/api/v1/committees/{slug}/")
        if slug not in seen:
            assert response.status_code == 404
            continue
        members = sorted(member["person"]["id"] for member in response.json()["members"])
        assert members == sorted(world.person(name).pk for name in MEMBERS[slug])


def test_answers_for_different_readers_are_cached_apart(world):
    """The same address gives each reader their own rows, from the cache too, with their own ETag."""
    admin, own = api_client(world, "administrator"), api_client(world, "own")
    first = admin.get("/api/v1/sessions/")
    mine = own.get("/api/v1/sessions/")
    assert (first.json()["count"], mine.json()["count"]) == (2, 1)
    assert first["ETag"] != mine["ETag"]
    assert own.get("/api/v1/sessions/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert own.get("/api/v1/sessions/").json()["count"] == 1


def test_personal_calendar_feed_shows_its_owners_committees(world):
    feed = calendar_feed_create(user=world.users["other"])
    response = Client().get(f"/calendar/{feed.token}.ics")
    calendar = Calendar.from_ical(response.content)
    assert [str(event["UID"]) for event in calendar.walk("VEVENT")] == [world.a_session.uid]


def test_session_page_is_not_found_for_another_committee(world, client):
    client.force_login(world.users["own"])
    assert client.get(f"/schedule/sessions/{world.a_session.pk}/").status_code == 200
    assert client.get(f"/schedule/sessions/{world.b_session.pk}/").status_code == 404


# --- The admin ---------------------------------------------------------------------------

# (name, path) -> status of GET for each of ROLES. 302 is the
# sign-in page (a reader is an API client, not staff); a page a role may only view is a 200.
ADMIN_MATRIX = [
    ("index", "/admin/", (302, 302, 200, 200, 200, 200)),
    ("committees", "/admin/committees/committee/", (302, 302, 200, 200, 200, 200)),
    ("own committee", "/admin/committees/committee/{a}/change/", (302, 302, 200, 200, 404, 200)),
    ("other committee", "/admin/committees/committee/{b}/change/", (302, 302, 404, 404, 200, 200)),
    ("add committee", "/admin/committees/committee/add/", (302, 302, 403, 403, 403, 200)),
    ("people", "/admin/committees/person/", (302, 302, 200, 200, 200, 200)),
    ("Chilean", "/admin/committees/person/{chilean}/change/", (302, 302, 200, 200, 404, 200)),
    ("Peruvian", "/admin/committees/person/{peruvian}/change/", (302, 302, 200, 200, 404, 200)),
    ("Argentine", "/admin/committees/person/{argentine}/change/", (302, 302, 404, 404, 200, 200)),
    ("add person", "/admin/committees/person/add/", (302, 302, 200, 200, 200, 200)),
    ("memberships", "/admin/committees/membership/", (302, 302, 200, 200, 200, 200)),
    ("Chilean membership", "/admin/committees/membership/{chilean_membership}/change/", (302, 302, 200, 200, 404, 200)),
    (
        "Argentine membership",
        "/admin/committees/membership/{argentine_membership}/change/",
        (302, 302, 404, 404, 200, 200),
    ),
    ("sessions", "/admin/meetings/session/", (302, 302, 200, 200, 200, 200)),
    ("own session", "/admin/meetings/session/{a_session}/change/", (302, 302, 200, 200, 404, 200)),
    ("other session", "/admin/meetings/session/{b_session}/change/", (302, 302, 404, 404, 200, 200)),
    ("delete own session", "/admin/meetings/session/{a_session}/delete/", (302, 302, 200, 200, 404, 200)),
    ("delete other session", "/admin/meetings/session/{b_session}/delete/", (302, 302, 404, 404, 200, 200)),
    ("own session history", "/admin/meetings/session/{a_session}/history/", (302, 302, 403, 403, 404, 200)),
    ("Chilean history", "/admin/committees/person/{chilean}/history/", (302, 302, 403, 403, 404, 200)),
    ("agenda items", "/admin/meetings/agendaitem/", (302, 302, 200, 200, 200, 200)),
    ("other agenda item", "/admin/meetings/agendaitem/{b_item}/change/", (302, 302, 404, 404, 200, 200)),
    ("reminders", "/admin/meetings/reminder/", (302, 302, 200, 200, 200, 200)),
    ("staff assignments", "/admin/committees/staffassignment/", (302, 302, 403, 403, 403, 200)),
    ("API tokens", "/admin/tracker/apitoken/", (302, 302, 200, 200, 200, 200)),
    ("calendar feeds", "/admin/tracker/calendarfeed/", (302, 302, 200, 200, 200, 200)),
    ("users", "/admin/auth/user/", (302, 302, 403, 403, 403, 200)),
]


@pytest.mark.parametrize(("name", "path", "expected"), ADMIN_MATRIX, ids=[row[0] for row in ADMIN_MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_admin_matrix(world, role, name, path, expected):
    response = admin_client(world, role).get(admin_url(world, path))
    assert response.status_code == expected[ROLES.index(role)]
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")


def _rows(client, path) -> set:
    response = client.get(path)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


# The people each role sees in the admin: the members of its committees, and its own country's
# people who sit on no committee yet. Nobody who belongs only to a committee it does not work for.
PEOPLE_SEEN = {
    "own": {"chilean", "peruvian", "shared", "lone_chilean"},
    "other": {"chilean", "peruvian", "shared", "lone_peruvian"},
    "b": {"argentine", "chilean_on_b", "shared", "lone_chilean"},
    "administrator": set(PEOPLE),
}


@pytest.mark.parametrize("role", ["own", "other", "b", "administrator"])
def test_admin_lists_hold_exactly_the_permitted_rows(world, role):
    client = admin_client(world, role)
    committees = {"chile-peru": world.a, "chile-argentina": world.b}
    seen = [committees[slug] for slug in SEES[role]]
    assert _rows(client, "/admin/committees/committee/") == set(seen)
    assert _rows(client, "/admin/committees/person/") == {world.person(name) for name in PEOPLE_SEEN[role]}
    assert _rows(client, "/admin/committees/membership/") == set(Membership.objects.filter(committee__in=seen))
    assert _rows(client, "/admin/meetings/session/") == set(Session.objects.filter(committee__in=seen))
    assert _rows(client, "/admin/meetings/agendaitem/") == {
        item for item in (world.a_item, world.b_item) if item.session.committee in seen
    }
    reminders = Reminder.objects.filter(session__committee__in=seen)
    assert _rows(client, "/admin/meetings/reminder/") == set(reminders)
    # three members × (an invitation and three offsets) each
    assert reminders.count() == (24 if role == "administrator" else 12)


def test_a_secretariat_edits_its_own_delegations_people_only(world):
    own = admin_client(world, "own")
    saved = own.post(
        admin_url(world, "/admin/committees/person/{chilean}/change/"),
        person_form(world.chilean, full_name="Renamed"),
    )
    assert saved.status_code == 302
    world.chilean.refresh_from_db()
    assert world.chilean.full_name == "Renamed"
    # The other delegation's person: shown read-only, and a forced POST is refused.
    page = own.get(admin_url(world, "/admin/committees/person/{peruvian}/change/"))
    assert (page.context["has_change_permission"], page.context["has_view_permission"]) == (False, True)
    refused = own.post(
        admin_url(world, "/admin/committees/person/{peruvian}/change/"),
        person_form(world.peruvian, full_name="Renamed"),
    )
    assert refused.status_code == 403
    world.peruvian.refresh_from_db()
    assert world.peruvian.full_name != "Renamed"


def test_a_secretariat_cannot_move_a_person_or_membership_to_the_other_delegation(world):
    own = admin_client(world, "own")
    response = own.post(
        admin_url(world, "/admin/committees/person/{chilean}/change/"), person_form(world.chilean, country="PE")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "country": ["You can only add or change people of your own delegation."]
    }
    response = own.post(
        admin_url(world, "/admin/committees/membership/{chilean_membership}/change/"),
        {
            "person": world.chilean.pk,
            "committee": world.a.pk,
            "role": "member",
            "delegation": "PE",
            "start_date": "2025-11-28",
            "end_date": "",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "delegation": ["You can only add or change memberships of your own delegation."]
    }
    # Nor to a committee they do not work for: it is not among the choices.
    response = own.post(
        admin_url(world, "/admin/committees/membership/{chilean_membership}/change/"),
        {
            "person": world.chilean.pk,
            "committee": world.b.pk,
            "role": "member",
            "delegation": "CL",
            "start_date": "2025-11-28",
            "end_date": "",
        },
    )
    assert response.context["adminform"].form.errors == {
        "committee": ["Select a valid choice. That choice is not one of the available choices."]
    }
    world.chilean.refresh_from_db()
    world.chilean_membership.refresh_from_db()
    assert (
        world.chilean.country.code,
        world.chilean_membership.delegation.code,
        world.chilean_membership.committee,
    ) == (
        "CL",
        "CL",
        world.a,
    )


def test_a_secretariat_adds_a_session_only_to_its_committee(world):
    own = admin_client(world, "own")
    page = own.get("/admin/meetings/session/add/")
    assert list(page.context["adminform"].form.fields["committee"].queryset) == [world.a]
    assert page.context["adminform"].form.initial["committee"] == world.a.pk


def test_administrators_give_roles_and_assignments_but_only_a_superuser_makes_superusers(world, admin_client):
    target = world.users["own"]
    page = admin_client_for(world.users["administrator"]).get(f"/admin/auth/user/{target.pk}/change/")
    fields = page.context["adminform"].form.fields
    assert ("groups" in fields, "is_superuser" in fields, "user_permissions" in fields) == (True, False, False)
    assert [form.instance.committee for form in page.context["inline_admin_formsets"][0].formset.forms[:1]] == [world.a]
    superuser_page = admin_client.get(f"/admin/auth/user/{target.pk}/change/")
    assert {"is_superuser", "user_permissions"} <= set(superuser_page.context["adminform"].form.fields)


def admin_client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/committees/committee/",
        "/admin/committees/person/",
        "/admin/committees/membership/",
        "/admin/meetings/session/",
        "/admin/meetings/agendaitem/",
        "/admin/meetings/reminder/",
    ],
)
def test_a_secretariats_changelists_cost_the_same_at_one_and_many_rows(world, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = admin_client(world, "own")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = queries()
    for number in range(2, 12):
        session = SessionFactory(committee=world.a, number=number)
        AgendaItemFactory(session=session, position=1, presenter=PersonFactory(country="CL"))
        MembershipFactory(committee=world.a, person=PersonFactory(country="CL"), delegation="CL")
    assert queries() == one


# --- Paths around the rules ---------------------------------------------------------------


def test_an_administrator_cannot_take_over_a_superuser(world, admin_user):
    client = admin_client_for(world.users["administrator"])
    assert client.get(f"/admin/auth/user/{admin_user.pk}/change/").status_code == 404
    response = client.post(
        f"/admin/auth/user/{admin_user.pk}/password/",
        {"password1": "Taken-over-9x!", "password2": "Taken-over-9x!"},
    )
    assert response.status_code == 404
    admin_user.refresh_from_db()
    assert not admin_user.check_password("Taken-over-9x!")
    assert _rows(client, "/admin/auth/user/") == {u for u in world.users.values() if u is not None}
    assert client.get(f"/admin/auth/user/{world.users['own'].pk}/change/").status_code == 200


def test_the_people_list_tells_nothing_of_committees_one_does_not_see(world):
    client = admin_client(world, "own")
    response = client.get("/admin/committees/person/")
    html = response.content.decode()
    assert ("chile-argentina" in html, world.b.name_en in html, "chile-peru" in html) == (False, False, True)
    (committees,) = [
        spec for spec in response.context["cl"].filter_specs if getattr(spec, "parameter_name", "") == "committee"
    ]
    assert list(committees.lookup_choices) == [(str(world.a.pk), str(world.a))]
    assert _rows(client, f"/admin/committees/person/?committee={world.b.pk}") == set()
    members_of_a = {world.chilean, world.peruvian, world.shared}
    assert _rows(client, f"/admin/committees/person/?committee={world.a.pk}") == members_of_a
    assert _rows(client, "/admin/committees/person/?role=member") == members_of_a
    # Of the person who sits on both, only the seat on A shows.
    (shared,) = [person for person in response.context["cl"].result_list if person == world.shared]
    assert response.context["cl"].model_admin.committee_roles(shared) == "chile-peru: Member (CL)"


def test_a_person_tied_to_another_committee_cannot_be_deleted_by_a_secretariat(world):
    from meetings.models import Invitee

    invitation = Invitee.objects.create(session=world.b_session, person=world.chilean)
    client = admin_client(world, "own")
    url = admin_url(world, "/admin/committees/person/{chilean}/delete/")
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/committees/person/",
        {"action": "delete_selected", "_selected_action": [str(world.chilean.pk)], "post": "yes"},
    )
    # The confirmation page names what the user may not delete, and nothing is.
    assert (bulk.status_code, set(bulk.context["perms_lacking"])) == (200, {"person", "agenda item", "reminder"})
    assert Invitee.objects.filter(pk=invitation.pk).exists()
    assert Person.objects.filter(pk=world.chilean.pk).exists()
    # Once the only ties are their own committee's, and no reminder log names them, they may.
    invitation.delete()
    world.chilean.presented_items.update(presenter=None)
    world.chilean.reminders.all().delete()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Person.objects.filter(pk=world.chilean.pk).exists()


def test_a_person_seated_for_the_other_delegation_is_read_only_to_a_secretariat(world):
    """A Chilean who sits on A for Peru: the Chilean secretariat cannot change them, nor drop the
    Peruvian seat from their page; the Peruvian secretariat cannot change a Chilean."""
    from tests.admin_forms import formset

    seat = MembershipFactory(committee=world.a, person=world.lone_chilean, delegation="PE")
    url = f"/admin/committees/person/{world.lone_chilean.pk}/change/"
    form = {
        **person_form(world.lone_chilean),
        **formset(
            "memberships",
            [
                {
                    "id": str(seat.pk),
                    "person": str(world.lone_chilean.pk),
                    "committee": str(world.a.pk),
                    "role": "member",
                    "delegation": "PE",
                    "start_date": "2025-11-28",
                    "DELETE": "on",
                }
            ],
            initial=1,
        ),
    }
    for role in ("own", "other"):
        client = admin_client(world, role)
        page = client.get(url)
        assert (page.status_code, page.context["has_change_permission"]) == (200, False)
        assert client.post(url, form).status_code == 403
    assert Membership.objects.filter(pk=seat.pk).exists()
    assert admin_client(world, "administrator").post(url, form).status_code == 302
    assert not Membership.objects.filter(pk=seat.pk).exists()


def test_a_secretariat_makes_its_own_token_and_feed_but_not_someone_elses(world):
    from tracker.models import ApiToken, CalendarFeed

    user, other = world.users["own"], world.users["other"]
    client = admin_client(world, "own")
    assert client.get("/admin/tracker/apitoken/add/").status_code == 200
    assert client.get("/admin/tracker/calendarfeed/add/").status_code == 200
    in_a_year = (timezone.localdate() + timedelta(days=365)).isoformat()
    form = {"name": "sync", "scope": "read", "expires_at_0": in_a_year, "expires_at_1": "00:00:00"}
    refused = client.post("/admin/tracker/apitoken/add/", {**form, "user": str(other.pk)})
    assert refused.context["adminform"].form.errors == {
        "user": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert client.post("/admin/tracker/apitoken/add/", {**form, "user": str(user.pk)}).status_code == 302
    assert client.post("/admin/tracker/calendarfeed/add/", {"user": str(other.pk)}).status_code == 200
    assert client.post("/admin/tracker/calendarfeed/add/", {"user": str(user.pk)}).status_code == 302
    assert list(ApiToken.objects.values_list("user", flat=True)) == [user.pk]
    assert list(CalendarFeed.objects.values_list("user", flat=True)) == [user.pk]
    token = ApiToken.objects.get()
    page = client.get(f"/admin/tracker/apitoken/{token.pk}/change/")
    assert "expires_at" not in page.context["adminform"].form.fields  # a longer life is a new token
    other_token, _value = api_token_create(user=other)
    assert client.get(f"/admin/tracker/apitoken/{other_token.pk}/change/").status_code == 404
    assert client.get(f"/admin/tracker/apitoken/{other_token.pk}/history/").status_code == 404


def test_history_of_a_record_one_cannot_see_is_not_found(world):
    client = admin_client(world, "own")
    for path in (
        "/admin/meetings/session/{b_session}/history/",
        "/admin/committees/person/{argentine}/history/",
        "/admin/committees/committee/{b}/history/",
    ):
        assert client.get(admin_url(world, path)).status_code == 404, path
    # The factory's save left a record of B's session: its page is no more found than the history.
    record = world.b_session.history.get()
    assert client.get(f"/admin/meetings/session/{world.b_session.pk}/history/{record.history_id}/").status_code == 404
