"""Two-factor sign-in (TOTP) to the staff site and the API's sessions, the authenticator admin, and
`manage.py enroll_totp`."""

import re
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"
TO_LOGIN = re.compile(r"^/admin/login/\?next=")


def code_for(device: TOTPDevice, *, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    accepted = {code_for(device, drift=drift) for drift in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser(username="chief", password=PASSWORD, email="chief@example.org")


@pytest.fixture
def device(superuser) -> TOTPDevice:
    return TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)


@pytest.fixture
def required(settings):
    # What config.settings.production sets.
    settings.ADMIN_REQUIRE_2FA = True


def _sign_in(client, *, username: str = "chief", password: str = PASSWORD, token: str = ""):
    return client.post(LOGIN, {"username": username, "password": password, "otp_token": token})


def _errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def _admin_pages() -> list[str]:
    """The index, every list and every add page a superuser has."""
    request = RequestFactory().get("/admin/")
    request.user = User(is_active=True, is_staff=True, is_superuser=True)
    pages = ["/admin/", "/admin/password_change/"]
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, f"{base}add/"] if model_admin.has_add_permission(request) else [base]
    return pages


def _reachable(client) -> dict[str, int]:
    """The admin pages that answer other than by sending the visitor to the sign-in page."""
    answers = {page: client.get(page) for page in _admin_pages()}
    return {
        page: response.status_code
        for page, response in answers.items()
        if not (response.status_code == 302 and TO_LOGIN.match(response["Location"]))
    }


# --- Required (production) ---------------------------------------------------------------


def test_required_right_password_without_a_device_cannot_sign_in(client, superuser, required):
    response = _sign_in(client)
    assert (response.status_code, _errors(response)) == (
        200,
        [
            "The staff site needs a second factor and this account has no authenticator yet. "
            "Ask an administrator to enrol one."
        ],
    )
    assert _reachable(client) == {}


def test_required_right_password_and_no_code_cannot_reach_any_admin_page(client, device, required):
    response = _sign_in(client)
    assert (response.status_code, _errors(response)) == (
        200,
        ["Enter the authentication code from your authenticator app."],
    )
    assert _reachable(client) == {}


def test_required_right_password_and_wrong_code_cannot_reach_any_admin_page(client, device, required):
    response = _sign_in(client, token=wrong_code_for(device))
    assert (response.status_code, _errors(response)) == (
        200,
        ["That authentication code is not right, or was already used. Enter the current one."],
    )
    assert _reachable(client) == {}


def test_required_wrong_password_and_right_code_cannot_sign_in(client, device, required):
    response = _sign_in(client, password="wrong password", token=code_for(device))
    assert response.status_code == 200
    assert _reachable(client) == {}


def test_required_right_code_reaches_every_admin_page(client, device, required):
    response = _sign_in(client, token=code_for(device))
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert _reachable(client) == dict.fromkeys(_admin_pages(), 200)
    assert client.session["otp_device_id"] == device.persistent_id


def test_required_a_code_works_once(client, device, required):
    token = code_for(device)
    assert _sign_in(client, token=token).status_code == 302
    client.logout()
    response = _sign_in(client, token=token)
    assert _errors(response) == ["That authentication code is not right, or was already used. Enter the current one."]


def test_required_a_session_without_the_second_factor_reaches_nothing(client, device, required):
    # A session signed in with the password alone (before the requirement, or by any other way).
    client.force_login(device.user)
    assert _reachable(client) == {}
    assert client.get("/api/v1/committees/").status_code == 401
    page = client.get("/schedule/sessions/1/")
    assert (page.status_code, page["Location"]) == (302, "/schedule/sign-in/?next=/schedule/sessions/1/")


def test_required_the_api_accepts_a_verified_session(client, device, required):
    assert _sign_in(client, token=code_for(device)).status_code == 302
    response = client.get("/api/v1/committees/")
    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_required_is_what_production_sets(production_settings):
    import config.settings.base as base

    assert (base.ADMIN_REQUIRE_2FA, production_settings.ADMIN_REQUIRE_2FA) == (False, True)


# --- Not required (the base settings) ------------------------------------------------------


def test_a_user_with_a_device_must_give_its_code_anyway(client, device):
    response = _sign_in(client)
    assert _errors(response) == ["Enter the authentication code from your authenticator app."]
    assert _reachable(client) == {}
    assert _sign_in(client, token=code_for(device)).status_code == 302
    assert _reachable(client) == dict.fromkeys(_admin_pages(), 200)


def test_a_user_with_a_device_and_a_password_only_session_is_refused(client, device):
    client.force_login(device.user)
    assert _reachable(client) == {}
    assert client.get("/api/v1/committees/").status_code == 401


def test_a_user_without_a_device_signs_in_with_the_password(client, superuser):
    assert _sign_in(client).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_sign_in_page_asks_for_the_code(client):
    page = client.get(LOGIN).content.decode()
    assert '<label for="id_otp_token">Authentication code:</label>' in page
    assert 'autocomplete="one-time-code"' in page


# --- The authenticator admin -----------------------------------------------------------------


def test_authenticator_admin_is_for_superusers_only(client, device, required):
    clerk = User.objects.create_user(username="clerk", password=PASSWORD, is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(content_type__app_label="otp_totp"))
    clerk_device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    assert _sign_in(client, username="clerk", token=code_for(clerk_device)).status_code == 302
    assert [
        client.get(url).status_code
        for url in (
            "/admin/otp_totp/totpdevice/",
            "/admin/otp_totp/totpdevice/add/",
            f"/admin/otp_totp/totpdevice/{device.pk}/change/",
            f"/admin/otp_totp/totpdevice/{device.pk}/config/",
            f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/",
        )
    ] == [403, 403, 403, 403, 403]
    assert "otp_totp" not in client.get("/admin/").content.decode()


def test_superuser_sees_the_devices_and_their_qr_codes(client, device, required):
    assert _sign_in(client, token=code_for(device)).status_code == 302
    listing = client.get("/admin/otp_totp/totpdevice/")
    config = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/")
    qrcode = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")
    assert (listing.status_code, config.status_code, qrcode.status_code) == (200, 200, 200)
    assert device.config_url in config.content.decode().replace("&amp;", "&")
    assert (qrcode["Content-Type"], qrcode.content[:5]) == ("image/svg+xml", b"<?xml")


# --- manage.py enroll_totp ------------------------------------------------------------------------


def test_enroll_totp_prints_an_address_and_secret_that_sign_in(client, superuser, required):
    out = StringIO()
    call_command("enroll_totp", "chief", stdout=out)
    lines = out.getvalue().splitlines()
    device = TOTPDevice.objects.get(user=superuser)
    assert lines[0] == "Authenticator “authenticator” for “chief” — keep it secret:"
    assert lines[1].startswith("secret: ")
    uri = urlsplit(lines[2])
    params = {name: values[0] for name, values in parse_qs(uri.query).items()}
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Committee%20tracker%3Achief")
    assert params == {
        "secret": lines[1].removeprefix("secret: "),
        "algorithm": "SHA1",
        "digits": "6",
        "period": "30",
        "issuer": "Committee tracker",
    }
    assert (device.name, device.confirmed, len(lines)) == ("authenticator", True, 3)
    # What an authenticator app computes from the printed secret is what the sign-in accepts.
    from base64 import b32decode

    app = TOTP(b32decode(params["secret"]), step=30, digits=6)
    assert _sign_in(client, token=f"{app.token():06d}").status_code == 302


def test_enroll_totp_adds_a_device_and_replace_removes_the_others(superuser):
    call_command("enroll_totp", "chief", "--name", "old phone", stdout=StringIO())
    call_command("enroll_totp", "chief", "--name", "tablet", stdout=StringIO())
    assert sorted(TOTPDevice.objects.values_list("name", flat=True)) == ["old phone", "tablet"]
    out = StringIO()
    call_command("enroll_totp", "chief", "--name", "new phone", "--replace", stdout=out)
    assert list(TOTPDevice.objects.values_list("name", flat=True)) == ["new phone"]
    assert out.getvalue().splitlines()[0] == "Removed 2 earlier authenticator(s) of “chief”."


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody"], "No user “nobody”."),
        (["gone"], "User “gone” is not active."),
        (["chief", "--name", ""], "--name must have 1 to 64 characters."),
    ],
)
def test_enroll_totp_refuses_with_a_message_and_a_failing_exit(superuser, arguments, message):
    User.objects.create_user(username="gone", is_active=False)
    with pytest.raises(CommandError) as refused:
        call_command("enroll_totp", *arguments, stdout=StringIO())
    assert (str(refused.value), refused.value.returncode) == (message, 1)
    assert TOTPDevice.objects.count() == 0


def test_enroll_totp_warns_about_a_user_who_is_not_staff():
    User.objects.create_user(username="reader")
    err = StringIO()
    call_command("enroll_totp", "reader", stdout=StringIO(), stderr=err)
    assert err.getvalue() == "Note: “reader” is not staff, so cannot sign in to the staff site yet.\n"
