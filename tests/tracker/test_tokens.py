import hashlib
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command

from tests.api import token_client, user_with
from tracker.models import ApiToken, CalendarFeed
from tracker.tokens import api_token_authenticate

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_a_working_token_last():
    user = user_with()
    out = StringIO()
    call_command("create_api_token", user.username, "--name", "dashboard", stdout=out)
    lines = out.getvalue().splitlines()
    token = lines[-1]
    assert lines[0] == f"API token for “{user.username}” (send it as “Authorization: Token <token>”):"
    stored = ApiToken.objects.get()
    assert (stored.user, stored.name, stored.key_hash) == (
        user,
        "dashboard",
        hashlib.sha256(token.encode()).hexdigest(),
    )
    assert token.split(".")[1] not in str(list(ApiToken.objects.values()))  # only the hash is kept
    assert token_client(token=token).get("/api/v1/sessions/").status_code == 200
    assert api_token_authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_create_api_token_refuses_unknown_or_inactive_users():
    with pytest.raises(CommandError, match="No user “ghost”"):
        call_command("create_api_token", "ghost")
    user = user_with()
    user.is_active = False
    user.save()
    with pytest.raises(CommandError, match="is not active"):
        call_command("create_api_token", user.username)
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token nodot", "Bearer x.y", "Token \u00e9.x"])
def test_malformed_headers(header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    response = client.get("/api/v1/sessions/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_admin_shows_a_new_token_once_and_can_revoke(admin_client):
    user = user_with()
    response = admin_client.post(
        "/admin/tracker/apitoken/add/", {"user": str(user.pk), "name": "calendar sync"}, follow=True
    )
    (message,) = [str(m) for m in get_messages(response.wsgi_request) if "The new token is" in str(m)]
    token = message.split("The new token is ")[1].split(" — ")[0]
    assert token_client(token=token).get("/api/v1/sessions/").status_code == 200
    stored = ApiToken.objects.get()
    assert token not in admin_client.get(f"/admin/tracker/apitoken/{stored.pk}/change/").content.decode()
    admin_client.post("/admin/tracker/apitoken/", {"action": "revoke", "_selected_action": [str(stored.pk)]})
    assert token_client(token=token).get("/api/v1/sessions/").status_code == 401


def test_admin_shows_feed_address_and_revokes(admin_client):
    user = user_with()
    admin_client.post("/admin/tracker/calendarfeed/add/", {"user": str(user.pk)})
    feed = CalendarFeed.objects.get()
    page = admin_client.get(f"/admin/tracker/calendarfeed/{feed.pk}/change/").content.decode()
    assert f"<code>/calendar/{feed.token}.ics</code>" in page
    assert admin_client.get(f"/calendar/{feed.token}.ics").status_code == 200
    admin_client.post("/admin/tracker/calendarfeed/", {"action": "revoke", "_selected_action": [str(feed.pk)]})
    assert admin_client.get(f"/calendar/{feed.token}.ics").status_code == 404
