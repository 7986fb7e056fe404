"""Helpers for API tests: users with tokens and the permissions a role has."""

from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from tracker.tokens import api_token_create

_counter = iter(range(1, 10**6))


def user_with(*codenames: str) -> User:
    user = User.objects.create_user(username=f"user{next(_counter)}", password="not-used-here")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def token_client(user: User | None = None, *, token: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        _row, token = api_token_create(user=user, name="tests")
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def reader() -> APIClient:
    return token_client(user_with())


def editor() -> APIClient:
    return token_client(user_with("add_session", "change_session", "delete_session"))
