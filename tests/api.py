"""Helpers for API tests: users in a role, with the assignments and tokens that role is given."""

from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from committees.models import Committee, StaffAssignment
from tracker.conditional import schedule_bodies_forget
from tracker.models import TokenScope
from tracker.roles import ADMINISTRATOR, READER, SECRETARIAT
from tracker.tokens import api_token_create

_counter = iter(range(1, 10**6))


def cached_bodies_forget() -> None:
    """Empty the shared cache and this process's bodies: the next answer is built."""
    cache.clear()
    schedule_bodies_forget()


LONG = timedelta(days=20 * 365)


def user_in(role: str | None, *assignments: tuple[Committee, str], staff: bool = False) -> User:
    """A user in `role` (a group name, or None for no role) assigned to each (committee,
    delegation) given; an empty delegation reads only."""
    user = User.objects.create_user(username=f"user{next(_counter)}", password="not-used-here", is_staff=staff)
    if role is not None:
        if not Group.objects.filter(name=role).exists():
            # A transactional test emptied the tables the data migration filled: fill them again.
            import_module("committees.migrations.0005_roles").create_roles(apps, None)
            import_module("meetings.migrations.0009_records_rules_and_roles").roles_grant(apps, None)
        user.groups.add(Group.objects.get(name=role))
    for committee, delegation in assignments:
        StaffAssignment.objects.create(user=user, committee=committee, delegation=delegation)
    return user


def administrator() -> User:
    return user_in(ADMINISTRATOR, staff=True)


def reader_of(*committees: Committee) -> User:
    return user_in(READER, *((committee, "") for committee in committees))


def secretariat_of(committee: Committee, delegation: str) -> User:
    return user_in(SECRETARIAT, (committee, delegation), staff=True)


def token_client(
    user: User | None = None, *, token: str | None = None, scope: str = TokenScope.READ_WRITE
) -> APIClient:
    client = APIClient()
    if user is not None:
        # Long-lived, so tests that travel years ahead keep a working token.
        with override_settings(API_TOKEN_MAX_DAYS=LONG.days):
            _row, token = api_token_create(user=user, name="tests", scope=scope, expires_at=timezone.now() + LONG)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def reader() -> APIClient:
    """A client reading every committee with a read-only token."""
    return token_client(administrator(), scope=TokenScope.READ)


def editor() -> APIClient:
    """A client that may change every committee's sessions."""
    return token_client(administrator())
