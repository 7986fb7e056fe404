"""Sign-in lock-out (django-axes through tracker.security.LoginAttemptHandler), with the client's
address found behind TRUSTED_PROXY_COUNT proxies.

The decisions: a username from one address is locked after AXES_FAILURE_LIMIT failures (not the
username everywhere, which would let anyone lock a person out; not the address at that limit,
which would lock a whole office behind one NAT address out); an address is locked for every
username after LOGIN_FAILURE_LIMIT_PER_ADDRESS failures. Addresses are the ones our own proxies
saw: what a client writes into X-Forwarded-For is never believed.
"""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"
ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.7"
PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 8
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def clerk() -> User:
    return User.objects.create_user(username="clerk", password=PASSWORD, is_staff=True)


def _sign_in(client, *, username: str = "clerk", password: str = PASSWORD, address: str, forwarded=None, token=""):
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": username, "password": password, "otp_token": token}, **headers)


def _fail(client, times: int, **kwargs) -> list[int]:
    return [_sign_in(client, password="wrong password", **kwargs).status_code for _ in range(times)]


def _signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_pair_locked_after_the_limit_with_a_page_in_the_admins_look(client, clerk):
    assert _fail(client, 5, address=ATTACKER) == [200, 200, 200, 200, 429]
    locked = _sign_in(client, address=ATTACKER)  # the right password no longer helps
    page = locked.content.decode()
    assert (locked.status_code, locked["Retry-After"], locked["Content-Type"]) == (
        429,
        "900",
        "text/html; charset=utf-8",
    )
    assert "Too many failed sign-ins" in page
    assert "Try again in 15 minutes." in page
    assert '<div id="site-name"><a href="/admin/">Binational committee tracker</a></div>' in page
    assert "_auth_user_id" not in client.session


def test_lockout_ends_after_the_cool_off(client, clerk):
    _fail(client, 5, address=ATTACKER)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _signed_in(_sign_in(client, address=ATTACKER))


def test_success_resets_the_pairs_failures(client, clerk):
    assert _fail(client, 4, address=VICTIM) == [200] * 4
    assert _signed_in(_sign_in(client, address=VICTIM))
    client.logout()
    assert _fail(client, 4, address=VICTIM) == [200] * 4
    assert _signed_in(_sign_in(client, address=VICTIM))


def test_same_username_from_another_address_is_not_locked(client, clerk):
    _fail(client, 5, address=ATTACKER)
    assert _signed_in(_sign_in(client, address=VICTIM))


def test_another_username_from_the_locked_address_is_not_locked(client, clerk):
    User.objects.create_user(username="colleague", password=PASSWORD, is_staff=True)
    _fail(client, 5, address=ATTACKER)
    assert _signed_in(_sign_in(client, username="colleague", address=ATTACKER))


def test_address_locked_for_every_username_after_its_own_limit(client, clerk):
    # One password tried against many usernames: no pair reaches 5, the address reaches 8.
    statuses = [
        _sign_in(client, username=f"guess{n}", password="Summer2026!", address=ATTACKER).status_code for n in range(8)
    ]
    assert statuses == [200] * 7 + [429]
    assert _sign_in(client, address=ATTACKER).status_code == 429
    assert _signed_in(_sign_in(client, address=VICTIM))


def test_success_does_not_clear_the_addresss_failures_on_other_usernames(client, clerk):
    for n in range(6):
        _sign_in(client, username=f"guess{n}", password="wrong", address=ATTACKER)
    assert _signed_in(_sign_in(client, address=ATTACKER))
    client.logout()
    assert [
        _sign_in(client, username=f"more{n}", password="wrong", address=ATTACKER).status_code for n in range(2)
    ] == [
        200,
        429,
    ]


def test_without_proxies_a_rotating_forwarded_header_does_not_escape_the_lock(client, clerk):
    statuses = [
        _sign_in(client, password="wrong", address=ATTACKER, forwarded=f"192.0.2.{n}").status_code for n in range(7)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429, 429]
    assert _sign_in(client, address=ATTACKER, forwarded="192.0.2.200").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_a_proxy_a_rotating_forged_left_entry_does_not_escape_the_lock(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker writes the left entry; our proxy appends the address it saw.
    statuses = [
        _sign_in(client, password="wrong", address=PROXY, forwarded=f"192.0.2.{n}, {ATTACKER}").status_code
        for n in range(7)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429, 429]
    assert _sign_in(client, address=PROXY, forwarded=f"192.0.2.99, {ATTACKER}").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    statuses = [
        _sign_in(client, password="wrong", address=PROXY, forwarded=f"192.0.2.{n}, {ATTACKER}, 10.0.0.1").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert _signed_in(_sign_in(client, address=PROXY, forwarded=f"{VICTIM}, 10.0.0.1"))


def test_behind_a_proxy_forging_the_victims_address_does_not_lock_the_victim_out(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        _sign_in(client, password="wrong", address=PROXY, forwarded=f"{VICTIM}, {ATTACKER}").status_code
        for _ in range(10)
    ]
    assert statuses[-1] == 429
    assert _signed_in(_sign_in(client, address=PROXY, forwarded=VICTIM))


def test_without_proxies_forging_the_victims_address_does_not_lock_the_victim_out(client, clerk):
    assert _fail(client, 10, address=ATTACKER, forwarded=VICTIM)[-1] == 429
    assert _signed_in(_sign_in(client, address=VICTIM))


def test_a_forwarded_value_that_is_no_address_falls_back_to_the_peer(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert _fail(client, 5, address=PROXY, forwarded="not-an-address")[-1] == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


def test_wrong_second_factor_counts_towards_the_lockout(client, clerk):
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    # The device accepts the codes of the step before and after the current one too.
    accepted = {
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"
        for drift in (-1, 0, 1)
    }
    wrong = next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)
    statuses = [_sign_in(client, address=ATTACKER, token=wrong).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    right = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert _sign_in(client, address=ATTACKER, token=right).status_code == 429
