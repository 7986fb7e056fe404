"""The client's address behind our proxies, and sessions that end when idle or old."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.settings import api_settings

from tracker.api.throttling import TokenRateThrottle
from tracker.security import client_ip

CASES = [
    # (trusted proxies, REMOTE_ADDR, X-Forwarded-For, the client)
    (0, "203.0.113.9", None, "203.0.113.9"),
    (0, "203.0.113.9", "192.0.2.1", "203.0.113.9"),
    (1, "10.0.0.2", None, "10.0.0.2"),
    (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
    (1, "10.0.0.2", "192.0.2.1, 203.0.113.9", "203.0.113.9"),
    (1, "10.0.0.2", "192.0.2.1,203.0.113.9", "203.0.113.9"),
    (2, "10.0.0.2", "192.0.2.1, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
    # Fewer entries than proxies: the request skipped one of them; the left-most is all there is.
    (2, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
    (1, "10.0.0.2", "192.0.2.1, 2001:db8::1", "2001:db8::1"),
]


@pytest.mark.parametrize(("proxies", "remote_addr", "forwarded", "expected"), CASES)
def test_client_ip_takes_the_entry_our_outermost_proxy_wrote(settings, proxies, remote_addr, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": remote_addr} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    assert client_ip(RequestFactory().get("/", **headers)) == expected


@pytest.mark.parametrize(("proxies", "remote_addr", "forwarded", "expected"), CASES)
def test_api_throttles_find_the_same_client(settings, proxies, remote_addr, forwarded, expected):
    # The settings set DRF's NUM_PROXIES from the same count; this one stands for a deployment's value.
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    headers = {"REMOTE_ADDR": remote_addr} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    request = RequestFactory().get("/", **headers)
    assert proxies == api_settings.NUM_PROXIES
    assert TokenRateThrottle().get_ident(Request(request)) == client_ip(request) == expected


def test_drf_uses_the_trusted_proxy_count(settings):
    from django.conf import settings as live

    assert live.REST_FRAMEWORK["NUM_PROXIES"] == live.TRUSTED_PROXY_COUNT == 0


def test_client_ip_refuses_what_is_not_an_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, <script>")
    assert client_ip(request) == "10.0.0.2"


def test_client_ip_without_any_address_is_none(settings):
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None


@pytest.fixture
def staff_client(client, db):
    user = User.objects.create_user(username="clerk", password="not-used-here", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _admin_status(client) -> int | str:
    response = client.get("/admin/")
    return response.status_code if response.status_code != 302 else response["Location"]


def test_session_ends_after_being_idle(staff_client, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    start = timezone.now()
    seen = []
    for minutes in (0, 29, 58, 87):  # each request within the idle limit of the one before
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            seen.append(_admin_status(staff_client))
    with time_machine.travel(start + timedelta(minutes=87 + 32), tick=False):
        seen.append(_admin_status(staff_client))
    assert seen == [200, 200, 200, 200, "/admin/login/?next=/admin/"]
    assert "_auth_user_id" not in staff_client.session


def test_session_ends_after_its_absolute_age_however_busy(staff_client, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    settings.SESSION_COOKIE_AGE = 2 * 3600
    start = timezone.now()
    seen = []
    for minutes in range(0, 101, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            seen.append(_admin_status(staff_client))
    with time_machine.travel(start + timedelta(minutes=121), tick=False):
        seen.append(_admin_status(staff_client))
    assert seen == [200] * 6 + ["/admin/login/?next=/admin/"]


def test_idle_limit_follows_the_setting(staff_client, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert _admin_status(staff_client) == 200
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert _admin_status(staff_client) == "/admin/login/?next=/admin/"


def test_a_session_from_before_the_stamps_gets_them_and_goes_on(staff_client, settings):
    session = staff_client.session
    for key in ("tracker_signed_in_at", "tracker_seen_at"):
        del session[key]
    session.save()
    assert _admin_status(staff_client) == 200
    assert {"tracker_signed_in_at", "tracker_seen_at"} <= set(staff_client.session.keys())


def test_session_cookie_ends_with_the_browser(client, db):
    User.objects.create_user(username="clerk", password="correct horse battery", is_staff=True)
    response = client.post("/admin/login/", {"username": "clerk", "password": "correct horse battery"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
