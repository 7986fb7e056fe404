"""Security headers on real answers: the same policy everywhere under the base settings, static
files served by WhiteNoise included, and under the production settings HSTS and cookies that only
travel over HTTPS, unread by scripts."""

import re

import pytest
from django.conf import settings as configured
from django.contrib.auth.models import User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import SessionFactory
from tracker.tokens import api_token_create

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'none'",
    "script-src": "'self' 'nonce-*'",
    "style-src": "'self' 'nonce-*'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
# The nonce appears only where a page uses it.
POLICY_WITHOUT_NONCE = {name: value.replace(" 'nonce-*'", "") for name, value in POLICY.items()}

# The headers every answer carries, pages and static files alike, with their values.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PAGES = {
    "admin sign-in": ("/admin/login/", "text/html; charset=utf-8", POLICY_WITHOUT_NONCE),
    "API JSON": ("/api/v1/sessions/", "application/json", POLICY_WITHOUT_NONCE),
    "Swagger UI": ("/api/v1/docs/", "text/html; charset=utf-8", POLICY),
    "calendar feed": ("/api/v1/sessions.ics", "text/calendar; charset=utf-8", POLICY_WITHOUT_NONCE),
    "health check": ("/healthz", "application/json", POLICY_WITHOUT_NONCE),
}


def _policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: re.sub(r"'nonce-[A-Za-z0-9+/=]+'", "'nonce-*'", value) for name, value in directives}


@pytest.fixture
def token() -> str:
    SessionFactory()
    user = User.objects.create_user(username="reader", password="not-used-here", is_superuser=True)
    return api_token_create(user=user)[1]


def _get(client, path: str, token: str, **extra):
    return client.get(path, HTTP_AUTHORIZATION=f"Token {token}", **extra)


@pytest.mark.parametrize("page", PAGES)
def test_every_answer_carries_the_headers(client, token, page):
    path, content_type, policy = PAGES[page]
    response = _get(client, path, token)
    assert (response.status_code, response["Content-Type"]) == (200, content_type)
    assert _policy(response["Content-Security-Policy"]) == policy
    assert {name: response.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    # HSTS belongs to HTTPS, which the base settings do not assume.
    assert "Strict-Transport-Security" not in response


def test_swagger_ui_inline_script_and_style_carry_the_headers_nonce(client, token):
    response = _get(client, "/api/v1/docs/", token)
    nonce = re.search(r"'nonce-([A-Za-z0-9+/=]+)'", response["Content-Security-Policy"]).group(1)
    page = response.content.decode()
    assert re.findall(r"<script nonce=\"([^\"]+)\">", page) == [nonce]
    assert re.findall(r"<style nonce=\"([^\"]+)\">", page) == [nonce]
    assert re.findall(r"<(?:script|style)>", page) == []


def test_each_answer_has_its_own_nonce(client, token):
    nonces = {
        re.search(r"'nonce-([^']+)'", _get(client, "/api/v1/docs/", token)["Content-Security-Policy"]).group(1)
        for _ in range(3)
    }
    assert len(nonces) == 3


def test_the_lockout_page_carries_the_headers(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    response = client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 429
    assert _policy(response["Content-Security-Policy"]) == POLICY_WITHOUT_NONCE
    assert (response["X-Frame-Options"], response["X-Content-Type-Options"]) == ("DENY", "nosniff")


# --- Production ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_production_adds_hsts_of_a_year_over_https(client, token, production_settings, page):
    path, content_type, policy = PAGES[page]
    response = _get(client, path, token, secure=True)
    assert (response.status_code, response["Content-Type"]) == (200, content_type)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    max_age = int(re.match(r"max-age=(\d+)", response["Strict-Transport-Security"]).group(1))
    assert max_age >= 365 * 24 * 3600
    assert _policy(response["Content-Security-Policy"]) == policy
    assert (response["X-Frame-Options"], response["X-Content-Type-Options"], response["Referrer-Policy"]) == (
        "DENY",
        "nosniff",
        "same-origin",
    )


def test_production_redirects_plain_http_except_the_health_check(client, production_settings):
    response = client.get("/admin/login/")
    assert (response.status_code, response["Location"]) == (301, "https://testserver/admin/login/")
    assert client.get("/healthz").status_code == 200


def test_production_cookies_after_a_real_sign_in(client, production_settings):
    user = User.objects.create_user(username="chief", password="correct horse battery", is_staff=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    form = client.get("/admin/login/", secure=True)
    assert set(form.cookies) == {"__Host-csrftoken"}
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "chief", "password": "correct horse battery", "otp_token": code},
        secure=True,
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    cookies = {**form.cookies, **response.cookies}
    assert set(cookies) == {"__Host-sessionid", "__Host-csrftoken"}
    flags = {
        name: (cookie["secure"], cookie["httponly"], cookie["samesite"], cookie["path"], cookie["domain"])
        for name, cookie in cookies.items()
    }
    assert flags == {
        "__Host-sessionid": (True, True, "Lax", "/", ""),
        "__Host-csrftoken": (True, True, "Lax", "/", ""),
    }
    # The session cookie ends with the browser; the server ends the session sooner when idle.
    assert response.cookies["__Host-sessionid"]["max-age"] == ""
    assert client.get("/admin/", secure=True).status_code == 200


# --- Static files, served by WhiteNoise -----------------------------------------------------------

SWAGGER_OAUTH2_REDIRECT = "/static/drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.html"
STATIC = {
    "admin stylesheet": ("/static/admin/css/base.css", 'text/css; charset="utf-8"'),
    "admin script": ("/static/admin/js/core.js", 'text/javascript; charset="utf-8"'),
    "Swagger UI's OAuth2 redirect page": (SWAGGER_OAUTH2_REDIRECT, 'text/html; charset="utf-8"'),
    "its script": (SWAGGER_OAUTH2_REDIRECT.replace(".html", ".js"), 'text/javascript; charset="utf-8"'),
}


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """`collectstatic` run once into a directory of this module's, as `make run` runs it."""
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("static")
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STATIC_ROOT=root, STORAGES={**configured.STORAGES, "staticfiles": plain}):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root


@pytest.fixture
def served_static(settings, collected_static):
    # WhiteNoise finds the files under STATIC_ROOT when each client's middleware starts.
    settings.STATIC_ROOT = collected_static
    return collected_static


@pytest.mark.parametrize("file", STATIC)
def test_static_files_carry_the_headers_and_a_policy_without_inline_code(client, served_static, file):
    path, content_type = STATIC[file]
    response = client.get(path)
    assert (response.status_code, response["Content-Type"]) == (200, content_type)
    assert _policy(response["Content-Security-Policy"]) == POLICY_WITHOUT_NONCE
    assert {name: response.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert "Strict-Transport-Security" not in response


def test_swagger_oauth2_redirect_page_runs_under_the_static_policy(client, served_static):
    # Its only script is a file of this server ('self'), so the policy without a nonce lets it run.
    page = b"".join(client.get(SWAGGER_OAUTH2_REDIRECT).streaming_content).decode()
    assert re.findall(r"<script[^>]*>", page) == ['<script src="oauth2-redirect.js">']
    assert re.findall(r"<style|\son\w+=", page) == []


@pytest.mark.parametrize("file", STATIC)
def test_production_static_files_add_hsts_over_https(client, served_static, production_settings, file):
    path, content_type = STATIC[file]
    response = client.get(path, secure=True)
    assert (response.status_code, response["Content-Type"]) == (200, content_type)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert _policy(response["Content-Security-Policy"]) == POLICY_WITHOUT_NONCE
    assert {name: response.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
