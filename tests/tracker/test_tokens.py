import hashlib
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.api import administrator, token_client
from tests.factories import SessionFactory
from tracker.models import ApiToken, CalendarFeed, TokenScope
from tracker.tokens import api_token_authenticate, api_token_create, api_token_issue

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 3, 2, 15, 30, tzinfo=UTC), tick=False)
def test_create_api_token_prints_a_working_token_last():
    user = administrator()
    out = StringIO()
    call_command("create_api_token", user.username, "--name", "dashboard", stdout=out)
    lines = out.getvalue().splitlines()
    token = lines[-1]
    assert lines[0] == (
        f"API token for “{user.username}”, read, until 2027-03-02 15:30 UTC "
        "(send it as “Authorization: Token <token>”):"
    )
    stored = ApiToken.objects.get()
    assert (stored.user, stored.name, stored.scope, stored.expires_at, stored.key_hash) == (
        user,
        "dashboard",
        TokenScope.READ,
        datetime(2027, 3, 2, 15, 30, tzinfo=UTC),
        hashlib.sha256(token.encode()).hexdigest(),
    )
    assert token.split(".")[1] not in str(list(ApiToken.objects.values()))  # only the hash is kept
    assert token_client(token=token).get("/api/v1/sessions/").status_code == 200
    assert api_token_authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


@time_machine.travel(datetime(2026, 3, 2, 15, 30, tzinfo=UTC), tick=False)
def test_create_api_token_with_scope_and_days():
    user = administrator()
    out = StringIO()
    call_command("create_api_token", user.username, "--scope", "read_write", "--days", "30", stdout=out)
    stored = ApiToken.objects.get()
    assert (stored.scope, stored.expires_at) == (TokenScope.READ_WRITE, datetime(2026, 4, 1, 15, 30, tzinfo=UTC))
    assert (
        out.getvalue().splitlines()[0].startswith(f"API token for “{user.username}”, read and write, until 2026-04-01")
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--days", "0"], "--days must be from 1 to 730 (API_TOKEN_MAX_DAYS)."),
        (["--days", "731"], "--days must be from 1 to 730 (API_TOKEN_MAX_DAYS)."),
        (["--days", "3000000"], "--days must be from 1 to 730 (API_TOKEN_MAX_DAYS)."),
        (["--name", "x" * 101], "--name may have at most 100 characters."),
    ],
)
def test_create_api_token_refuses_bad_options(arguments, message):
    user = administrator()
    with pytest.raises(CommandError) as raised:
        call_command("create_api_token", user.username, *arguments)
    assert str(raised.value) == message
    assert ApiToken.objects.count() == 0


def test_read_token_cannot_write_and_expired_token_is_refused():
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    user = administrator()
    read_only = token_client(user, scope=TokenScope.READ)
    response = read_only.patch(f"/api/v1/sessions/{session.pk}/", {"title": "Renamed"})
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This token may only read: make a read-write token to change the schedule."},
    )
    assert read_only.get(f"/api/v1/sessions/{session.pk}/").status_code == 200
    token, value = api_token_create(user=user, scope=TokenScope.READ_WRITE)
    assert token_client(token=value).patch(f"/api/v1/sessions/{session.pk}/", {"title": "Renamed"}).status_code == 200
    with time_machine.travel(token.expires_at + timedelta(seconds=1)):
        response = token_client(token=value).get("/api/v1/sessions/")
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token."})


def test_token_expiry_must_be_ahead():
    with pytest.raises(ValidationError) as raised:
        api_token_create(user=administrator(), expires_at=timezone.now() - timedelta(minutes=1))
    assert raised.value.message_dict == {"expires_at": ["Choose a time in the future."]}
    assert ApiToken.objects.count() == 0


def test_create_api_token_refuses_unknown_or_inactive_users():
    with pytest.raises(CommandError, match="No user “ghost”"):
        call_command("create_api_token", "ghost")
    user = administrator()
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
    user = administrator()
    ahead = timezone.localtime() + timedelta(days=90)
    form = {
        "user": str(user.pk),
        "name": "calendar sync",
        "scope": "read",
        "expires_at_0": f"{ahead:%Y-%m-%d}",
        "expires_at_1": "12:00:00",
    }
    past = admin_client.post("/admin/tracker/apitoken/add/", {**form, "expires_at_0": "2020-01-01"})
    assert past.context["adminform"].form.errors == {"expires_at": ["Choose a time in the future."]}
    assert ApiToken.objects.count() == 0
    response = admin_client.post("/admin/tracker/apitoken/add/", form, follow=True)
    (message,) = [str(m) for m in get_messages(response.wsgi_request) if "The new token is" in str(m)]
    token = message.split("The new token is ")[1].split(" — ")[0]
    assert token_client(token=token).get("/api/v1/sessions/").status_code == 200
    stored = ApiToken.objects.get()
    assert token not in admin_client.get(f"/admin/tracker/apitoken/{stored.pk}/change/").content.decode()
    admin_client.post("/admin/tracker/apitoken/", {"action": "revoke", "_selected_action": [str(stored.pk)]})
    assert token_client(token=token).get("/api/v1/sessions/").status_code == 401


def test_admin_shows_feed_address_and_revokes(admin_client):
    user = administrator()
    admin_client.post("/admin/tracker/calendarfeed/add/", {"user": str(user.pk)})
    feed = CalendarFeed.objects.get()
    page = admin_client.get(f"/admin/tracker/calendarfeed/{feed.pk}/change/").content.decode()
    assert f"<code>/calendar/{feed.token}.ics</code>" in page
    assert admin_client.get(f"/calendar/{feed.token}.ics").status_code == 200
    admin_client.post("/admin/tracker/calendarfeed/", {"action": "revoke", "_selected_action": [str(feed.pk)]})
    assert admin_client.get(f"/calendar/{feed.token}.ics").status_code == 404


# --- The longest a token lives (API_TOKEN_MAX_DAYS) ----------------------------------------

FROZEN = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
# 730 days later (2028 is a leap year); 10:30 on the staff site's clock (America/Lima).
LATEST = datetime(2028, 3, 1, 15, 30, tzinfo=UTC)
TOO_LONG = {"expires_at": ["A token may live at most 730 days: choose an earlier expiry."]}


@time_machine.travel(FROZEN, tick=False)
def test_service_makes_a_token_of_the_longest_life_and_refuses_a_second_more():
    user = administrator()
    token, _value = api_token_create(user=user, expires_at=LATEST)
    assert token.expires_at == LATEST
    for expires_at in (LATEST + timedelta(seconds=1), datetime(9999, 12, 31, tzinfo=UTC)):
        with pytest.raises(ValidationError) as raised:
            api_token_create(user=user, expires_at=expires_at)
        assert raised.value.message_dict == TOO_LONG
    assert list(ApiToken.objects.values_list("expires_at", flat=True)) == [LATEST]


@time_machine.travel(FROZEN, tick=False)
def test_every_token_is_issued_within_the_limit():
    user = administrator()
    with pytest.raises(ValidationError) as raised:
        api_token_issue(token=ApiToken(user=user, name="made by hand", expires_at=datetime(9999, 1, 1, tzinfo=UTC)))
    assert raised.value.message_dict == TOO_LONG
    assert ApiToken.objects.count() == 0


@time_machine.travel(FROZEN, tick=False)
def test_create_api_token_days_up_to_the_limit():
    user = administrator()
    out = StringIO()
    call_command("create_api_token", user.username, "--days", "730", stdout=out)
    assert (
        out.getvalue()
        .splitlines()[0]
        .endswith("until 2028-03-01 15:30 UTC (send it as “Authorization: Token <token>”):")
    )
    assert list(ApiToken.objects.values_list("expires_at", flat=True)) == [LATEST]


@time_machine.travel(FROZEN, tick=False)
def test_the_limit_is_a_setting_and_a_longer_default_is_refused_clearly(settings):
    settings.API_TOKEN_MAX_DAYS = 30
    user = administrator()
    with pytest.raises(CommandError) as raised:
        call_command("create_api_token", user.username, "--days", "31")
    assert str(raised.value) == "--days must be from 1 to 30 (API_TOKEN_MAX_DAYS)."
    # API_TOKEN_DAYS (365) is longer than the limit: the default expiry is refused, not shortened.
    with pytest.raises(CommandError) as raised:
        call_command("create_api_token", user.username)
    assert str(raised.value) == "A token may live at most 30 days: choose an earlier expiry."
    assert ApiToken.objects.count() == 0
    call_command("create_api_token", user.username, "--days", "30", stdout=StringIO())
    assert list(ApiToken.objects.values_list("expires_at", flat=True)) == [FROZEN + timedelta(days=30)]


@time_machine.travel(FROZEN, tick=False)
def test_admin_refuses_an_expiry_past_the_limit(admin_client):
    user = administrator()
    form = {
        "user": str(user.pk),
        "name": "sync",
        "scope": "read",
        "expires_at_0": "9999-12-31",
        "expires_at_1": "12:00",
    }
    page = admin_client.get("/admin/tracker/apitoken/add/")
    assert page.context["adminform"].form.fields["expires_at"].help_text == (
        "At most 730 days from now. The time is on the America/Lima clock."
    )
    for day, time in (("9999-12-31", "12:00:00"), ("2028-03-01", "10:31:00")):
        refused = admin_client.post("/admin/tracker/apitoken/add/", {**form, "expires_at_0": day, "expires_at_1": time})
        assert (refused.status_code, refused.context["adminform"].form.errors) == (200, TOO_LONG)
    assert ApiToken.objects.count() == 0
    made = admin_client.post(
        "/admin/tracker/apitoken/add/", {**form, "expires_at_0": "2028-03-01", "expires_at_1": "10:30:00"}
    )
    assert made.status_code == 302
    assert list(ApiToken.objects.values_list("name", "expires_at")) == [("sync", LATEST)]


@time_machine.travel(FROZEN, tick=False)
def test_the_limit_is_told_in_the_readers_language():
    from django.utils import translation

    with translation.override("es"), pytest.raises(ValidationError) as raised:
        api_token_create(user=administrator(), expires_at=LATEST + timedelta(days=1))
    assert raised.value.message_dict == {
        "expires_at": ["Un token puede durar como máximo 730 días: elija un vencimiento anterior."]
    }
