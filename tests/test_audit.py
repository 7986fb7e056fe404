"""Every change to the record is kept with who made it, when and what changed; only
administrators read the trail, and nobody rewrites the record from it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from committees.models import Membership, Person, StaffAssignment
from meetings.models import AgendaItem, Invitee, Session
from tests.admin_forms import empty_inlines
from tests.api import administrator, secretariat_of, token_client
from tests.factories import AgendaItemFactory, CommitteeFactory, MembershipFactory, PersonFactory, SessionFactory
from tracker.models import ApiToken, CalendarFeed
from tracker.roles import ADMINISTRATOR, READER, SECRETARIAT
from tracker.schedule import schedule_changed
from tracker.tokens import api_token_revoke, calendar_feed_create, calendar_feed_revoke

pytestmark = pytest.mark.django_db


def trail(model, pk) -> list[tuple[str, str | None, dict]]:
    """(type, username, {field: (old, new)}) for each historical record of one object, oldest first."""
    records = list(model.history.filter(id=pk).order_by("history_date", "history_id"))
    rows, previous = [], None
    for record in records:
        changes = {}
        if previous is not None:
            changes = {
                change.field: (str(change.old), str(change.new)) for change in record.diff_against(previous).changes
            }
        rows.append((record.history_type, record.history_user.username if record.history_user else None, changes))
        previous = record
    return rows


def test_api_changes_are_recorded_with_the_tokens_user():
    committee = CommitteeFactory()
    session = SessionFactory(committee=committee, starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    schedule_changed()
    user = secretariat_of(committee, "CL")
    client = token_client(user)
    with time_machine.travel(datetime(2026, 5, 4, 12, 0, tzinfo=UTC), tick=False):
        response = client.patch(
            f"/api/v1/sessions/{session.pk}/",
            {"title": "Renamed", "agenda": [{"title": "Opening", "duration_minutes": 15}]},
        )
    assert response.status_code == 200
    (record,) = Session.history.filter(id=session.pk, history_type="~")
    assert (record.history_type, record.history_user, record.history_date, record.title) == (
        "~",
        user,
        datetime(2026, 5, 4, 12, 0, tzinfo=UTC),
        "Renamed",
    )
    item = AgendaItem.objects.get()
    assert trail(AgendaItem, item.pk) == [("+", user.username, {})]
    assert client.delete(f"/api/v1/sessions/{session.pk}/").status_code == 204
    assert [(r.history_type, r.history_user) for r in Session.history.filter(id=session.pk).order_by("history_id")] == [
        ("+", None),  # made by code, outside a request
        ("~", user),
        ("-", user),
    ]
    assert trail(AgendaItem, item.pk) == [("+", user.username, {}), ("-", user.username, {})]


def test_admin_changes_are_recorded_with_what_changed(admin_client, admin_user):
    person = PersonFactory(full_name="Elizabeth Sánchez", position="Minister")
    data = {
        "full_name": "Elizabeth Sánchez Ramos",
        "position": "Minister of Foreign Affairs",
        "organisation": "",
        "country": "PE",
        "email": person.email,
        "preferred_language": "es",
        "timezone": "America/Lima",
        "receives_reminders": "on",
        **empty_inlines("memberships"),
    }
    assert admin_client.post(f"/admin/committees/person/{person.pk}/change/", data).status_code == 302
    assert (
        admin_client.post(
            f"/admin/committees/person/{person.pk}/change/", {**data, "position": "Former minister"}
        ).status_code
        == 302
    )
    assert trail(Person, person.pk) == [
        ("+", None, {}),  # made by code, outside a request
        (
            "~",
            admin_user.username,
            {
                "full_name": ("Elizabeth Sánchez", "Elizabeth Sánchez Ramos"),
                "position": ("Minister", "Minister of Foreign Affairs"),
                "country": ("CL", "PE"),
                "timezone": ("America/Santiago", "America/Lima"),
            },
        ),
        ("~", admin_user.username, {"position": ("Minister of Foreign Affairs", "Former minister")}),
    ]
    page = admin_client.get(f"/admin/committees/person/{person.pk}/history/")
    assert page.status_code == 200
    assert "Former minister" in page.content.decode()


def test_memberships_invitees_committees_and_assignments_are_audited(admin_client, admin_user):
    committee = CommitteeFactory()
    membership = MembershipFactory(committee=committee)
    membership.role = "adviser"
    membership.save()
    invitee = Invitee.objects.create(session=SessionFactory(committee=committee), person=PersonFactory())
    assignment = StaffAssignment.objects.create(user=admin_user, committee=committee, delegation="CL")
    committee.name_en = "Renamed"
    committee.save()
    assert [r.history_type for r in Membership.history.filter(id=membership.pk).order_by("history_date")] == ["+", "~"]
    assert Invitee.history.filter(id=invitee.pk).count() == 1
    assert StaffAssignment.history.filter(id=assignment.pk).count() == 1
    assert [r.history_type for r in committee.history.order_by("history_date")] == ["+", "~"]
    assert committee.history.latest().name_en == "Renamed"


def test_tokens_and_feeds_are_audited_without_their_secrets(admin_client, admin_user):
    user = administrator()
    response = admin_client.post(
        "/admin/tracker/apitoken/add/",
        {
            "user": str(user.pk),
            "name": "dashboard",
            "scope": "read",
            "expires_at_0": f"{timezone.localdate() + timedelta(days=365):%Y-%m-%d}",
            "expires_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    token = ApiToken.objects.get()
    api_token_revoke(token=token)
    assert [(r.history_type, r.revoked_at is None) for r in token.history.order_by("history_date")] == [
        ("+", True),
        ("~", False),
    ]
    assert not hasattr(token.history.model, "key_hash")
    assert token.history.earliest().history_user == admin_user
    feed = calendar_feed_create(user=user)
    calendar_feed_revoke(feed=feed)
    assert feed.history.count() == 2
    assert not hasattr(feed.history.model, "secret")


def test_only_administrators_read_the_trail_and_nobody_reverts_from_it():
    committee = CommitteeFactory()
    person = PersonFactory(country="CL")
    MembershipFactory(committee=committee, person=person)
    person.full_name = "Changed"
    person.save()
    record = person.history.latest()
    secretariat = Client()
    secretariat.force_login(secretariat_of(committee, "CL"))
    assert secretariat.get(f"/admin/committees/person/{person.pk}/history/").status_code == 403
    assert secretariat.get(f"/admin/committees/person/{person.pk}/history/{record.history_id}/").status_code == 403
    admin = Client()
    admin.force_login(administrator())
    assert admin.get(f"/admin/committees/person/{person.pk}/history/").status_code == 200
    page = admin.get(f"/admin/committees/person/{person.pk}/history/{record.history_id}/")
    assert page.status_code == 200
    revert = admin.post(f"/admin/committees/person/{person.pk}/history/{record.history_id}/", {"full_name": "Reverted"})
    assert revert.status_code == 403
    person.refresh_from_db()
    assert person.full_name == "Changed"


def _grants(name: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(group__name=name).select_related("content_type")
    }


# What both secretariats (and administrators) may do with records, commitments and the change log:
# which rows, and which transitions, the services decide.
RECORD_GRANTS = {
    *(f"meetings.{action}_record" for action in ("add", "change", "view")),
    *(
        f"meetings.{action}_{model}"
        for model in ("recordentry", "recordattendance")
        for action in ("add", "change", "delete", "view")
    ),
    "meetings.view_recordapproval",
    "meetings.view_recordversion",
    "meetings.change_commitment",
    "meetings.view_commitment",
    "meetings.add_commitmentupdate",
    "meetings.view_commitmentupdate",
    "meetings.view_change",
}


def test_roles_are_groups_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {ADMINISTRATOR, SECRETARIAT, READER}
    record = {"person", "membership"}
    meetings = {"session", "agendaitem", "invitee"}
    assert _grants(SECRETARIAT) == {
        "committees.view_committee",
        "meetings.view_sessiontombstone",
        *(f"committees.{action}_{model}" for model in record for action in ("add", "change", "delete", "view")),
        *(f"meetings.{action}_{model}" for model in meetings for action in ("add", "change", "delete", "view")),
        "meetings.change_reminder",
        "meetings.view_reminder",
        *(
            f"tracker.{action}_{model}"
            for model in ("apitoken", "calendarfeed")
            for action in ("add", "change", "view")
        ),
        *RECORD_GRANTS,
    }
    assert _grants(READER) == {
        "committees.view_committee",
        "committees.view_person",
        "committees.view_membership",
        "meetings.view_session",
        "meetings.view_agendaitem",
        "meetings.view_invitee",
        "meetings.view_sessiontombstone",
        "meetings.view_record",
        "meetings.view_recordversion",
        "meetings.view_commitment",
    }
    administrator_grants = _grants(ADMINISTRATOR)
    history = {p for p in administrator_grants if ".view_historical" in p}
    assert history == {
        "committees.view_historicalcommittee",
        "committees.view_historicalperson",
        "committees.view_historicalmembership",
        "committees.view_historicalstaffassignment",
        "meetings.view_historicalsession",
        "meetings.view_historicalagendaitem",
        "meetings.view_historicalinvitee",
        "meetings.view_historicalrecord",
        "meetings.view_historicalcommitment",
        "tracker.view_historicalapitoken",
        "tracker.view_historicalcalendarfeed",
    }
    assert not {p for p in _grants(SECRETARIAT) | _grants(READER) if "historical" in p or "staffassignment" in p}
    assert {p for p in administrator_grants if p.startswith(("otp_totp.", "auth."))} == {
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "auth.view_group",
    }
    assert not {
        p for p in administrator_grants if p.startswith(("committees.change_historical", "meetings.change_historical"))
    }


def test_every_audited_model_keeps_history():
    audited = {Person, Membership, Session, AgendaItem, Invitee, ApiToken, CalendarFeed, StaffAssignment}
    from committees.models import Committee

    audited.add(Committee)
    assert all(hasattr(model, "history") for model in audited)
    item = AgendaItemFactory(title="Old title")
    item.title = "New title"
    item.save()
    assert [(r.history_type, r.title) for r in item.history.order_by("history_date")] == [
        ("+", "Old title"),
        ("~", "New title"),
    ]


@pytest.mark.django_db
def test_a_long_history_is_paged(admin_client, monkeypatch):
    from committees.admin.people import PersonAdmin

    monkeypatch.setattr(PersonAdmin, "history_list_per_page", 2)
    person = PersonFactory(full_name="Version 0")
    for n in range(1, 5):
        person.full_name = f"Version {n}"
        person.save()
    url = f"/admin/committees/person/{person.pk}/history/"
    first = admin_client.get(url).content.decode()
    assert '<span class="this-page">1</span>' in first
    assert '<a href="?p=2">2</a>' in first and '<a href="?p=3" class="end">3</a>' in first
    assert "5 versions" in first
    last = admin_client.get(url, {"p": "3"}).content.decode()
    assert '<span class="this-page">3</span>' in last and '<a href="?p=1">1</a>' in last
