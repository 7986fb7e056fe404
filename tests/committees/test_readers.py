"""Who an API request acts for, read in one query: the same token, user, access, language and
schedule version as the models give, and nothing for a token that no longer counts."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from committees.access import access_for
from committees.models import StaffAssignment
from committees.readers import api_token_read, calendar_feed_read
from tests.api import reader_of, secretariat_of, user_in
from tests.factories import CommitteeFactory
from tracker.models import ApiToken, CalendarFeed, ScheduleVersion, UserPreferences
from tracker.request_cache import ATTRIBUTE
from tracker.roles import ADMINISTRATOR
from tracker.schedule import EPOCH, schedule_changed, schedule_version
from tracker.tokens import api_token_create, api_token_revoke, calendar_feed_create, calendar_feed_revoke

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def _fresh_access(user: User):
    """The user's access as the staff site reads it: by the ORM, on a fresh object."""
    return access_for(User.objects.get(pk=user.pk))


def test_one_query_gives_what_the_models_give():
    first, second = CommitteeFactory(), CommitteeFactory()
    user = secretariat_of(first, "CL")
    StaffAssignment.objects.create(user=user, committee=second, delegation="")
    UserPreferences.objects.create(user=user, language="es")
    schedule_changed()
    row, token = api_token_create(user=user, name="panel")
    stored = ApiToken.objects.get(pk=row.pk)
    with CaptureQueriesContext(connection) as captured:
        found = api_token_read(token)
    # one read; the first use of the token is recorded once a minute
    assert [query["sql"].split()[0] for query in captured] == ["SELECT", "UPDATE"]
    assert _fields(found) == _fields(stored)
    assert _fields(found.user) == _fields(User.objects.get(pk=user.pk))
    kept = getattr(found.user, ATTRIBUTE)
    assert kept == {
        "committee_access": _fresh_access(user),
        "is_administrator": False,
        "preferred_language": "es",
        "schedule_version": schedule_version(),
    }
    assert kept["committee_access"].committees == {first.pk, second.pk}
    assert kept["committee_access"].delegations == {(first.pk, "CL")}
    with CaptureQueriesContext(connection) as again:
        api_token_read(token)
    assert len(again) == 1  # used within the minute: nothing more to record


def test_roles_and_people_without_grants_or_preferences():
    nobody = user_in(None)
    administrator = user_in(ADMINISTRATOR)
    superuser = User.objects.create_superuser("root", password="not-used-here")
    committee = CommitteeFactory()
    reader = reader_of(committee)
    for user, everything in ((nobody, False), (administrator, True), (superuser, True), (reader, False)):
        found = api_token_read(api_token_create(user=user)[1])
        kept = getattr(found.user, ATTRIBUTE)
        assert kept["committee_access"] == _fresh_access(user)
        assert kept["committee_access"].everything is everything
        assert kept["preferred_language"] == ""
    assert getattr(api_token_read(api_token_create(user=reader)[1]).user, ATTRIBUTE)["committee_access"].committees == {
        committee.pk
    }
    assert Group.objects.get(name=ADMINISTRATOR).user_set.get() == administrator


def test_a_token_that_no_longer_counts_is_refused_at_once():
    user = reader_of(CommitteeFactory())
    row, token = api_token_create(user=user)
    assert api_token_read(token) is not None
    assert api_token_read(token[:-1] + ("A" if token[-1] != "A" else "B")) is None  # wrong secret
    assert api_token_read("no-dot-here") is None
    assert api_token_read(f"unknown.{token.split('.')[1]}") is None
    with time_machine.travel(row.expires_at + timedelta(seconds=1)):
        assert api_token_read(token) is None  # expired
    user.is_active = False
    user.save()
    assert api_token_read(token) is None  # its user made inactive
    user.is_active = True
    user.save()
    assert api_token_read(token) is not None
    api_token_revoke(token=ApiToken.objects.get(pk=row.pk))
    assert api_token_read(token) is None  # revoked: the very next read


def test_calendar_addresses():
    committee = CommitteeFactory()
    user = reader_of(committee)
    feed = calendar_feed_create(user=user)
    with CaptureQueriesContext(connection) as captured:
        found = calendar_feed_read(feed.token)
    assert len(captured) == 1
    assert _fields(found) == _fields(CalendarFeed.objects.get(pk=feed.pk))
    assert getattr(found.user, ATTRIBUTE)["committee_access"].committees == {committee.pk}
    assert calendar_feed_read(feed.token[:-1] + ("A" if feed.token[-1] != "A" else "B")) is None
    calendar_feed_revoke(feed=feed)
    assert calendar_feed_read(feed.token) is None


def test_no_schedule_version_yet():
    user = reader_of(CommitteeFactory())
    ScheduleVersion.objects.all().delete()
    found = api_token_read(api_token_create(user=user)[1])
    assert getattr(found.user, ATTRIBUTE)["schedule_version"] == schedule_version() == (0, EPOCH)
