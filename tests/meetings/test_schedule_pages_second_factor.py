"""The schedule pages end a signed-in session whose second factor has become due, as the staff site
and the API refuse it: under the base settings once its user is given an authenticator, under the
production settings whenever it did not give the code. Nothing is read or made through it after."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from committees.models import Committee
from tests.api import reader_of
from tests.factories import CommitteeFactory, SessionFactory
from tracker.models import CalendarFeed

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 10, 15, 0, tzinfo=UTC)
PASSWORD = "a long enough passphrase"
SIGN_IN = "/schedule/sign-in/?next="


@pytest.fixture
def pages() -> list[str]:
    """Every page a reader of the closed committee reads, the published committee's too."""
    published = CommitteeFactory(slug="chile-peru", schedule_published=True)
    closed = CommitteeFactory(slug="closed")
    public_session = SessionFactory(committee=published, number=1, starts_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    closed_session = SessionFactory(committee=closed, number=1, starts_at=datetime(2026, 3, 3, 15, 0, tzinfo=UTC))
    return [
        "/schedule/",
        "/schedule/closed/",
        "/schedule/closed/2026/03/",
        f"/schedule/sessions/{closed_session.pk}/",
        f"/schedule/sessions/{closed_session.pk}.ics",
        "/schedule/chile-peru/",
        f"/schedule/sessions/{public_session.pk}/",
        "/schedule/chile-peru.ics",
    ]


@pytest.fixture
def reader(pages):
    user = reader_of(Committee.objects.get(slug="closed"))
    user.set_password(PASSWORD)
    user.save()
    return user


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _sign_in(client: Client, user, *, code: str = "", secure: bool = False):
    form = {"username": user.username, "password": PASSWORD, "otp_token": code, "next": "/schedule/closed/"}
    return client.post("/schedule/sign-in/", form, secure=secure)


def _answer(response) -> tuple[int, str | None]:
    return response.status_code, response.get("Location")


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def _each_page_in_a_fresh_session(
    user, pages: list[str], *, secure: bool = False
) -> dict[str, tuple[int, str | None, bool]]:
    """Each page's answer to a new session signed in as `user` without a code, and whether that
    session is still signed in after it."""
    answers = {}
    for page in pages:
        client = Client()
        client.force_login(user)
        response = client.get(page, secure=secure)
        answers[page] = (*_answer(response), _signed_in(client))
    return answers


def _refused_everywhere(pages: list[str]) -> dict[str, tuple[int, str, bool]]:
    return {page: (302, SIGN_IN + page, False) for page in pages}


# --- Base settings -------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_base_a_reader_without_an_authenticator_reads_every_page(reader, pages):
    assert _each_page_in_a_fresh_session(reader, pages) == dict.fromkeys(pages, (200, None, True))


@time_machine.travel(NOW, tick=False)
def test_base_enrolment_ends_a_session_signed_in_before_it(reader, pages):
    client = Client()
    signed = _sign_in(client, reader)
    assert _answer(signed) == (302, "/schedule/closed/")
    assert _answer(client.get("/schedule/closed/")) == (200, None)
    TOTPDevice.objects.create(user=reader, name="phone", confirmed=True)
    assert (*_answer(client.get("/schedule/closed/")), _signed_in(client)) == (
        302,
        SIGN_IN + "/schedule/closed/",
        False,
    )
    # Every page ends such a session, the published committee's too.
    assert _each_page_in_a_fresh_session(reader, pages) == _refused_everywhere(pages)


@time_machine.travel(NOW, tick=False)
def test_base_a_device_not_yet_confirmed_ends_nothing(reader, pages):
    TOTPDevice.objects.create(user=reader, name="phone", confirmed=False)
    assert _each_page_in_a_fresh_session(reader, pages) == dict.fromkeys(pages, (200, None, True))


@time_machine.travel(NOW, tick=False)
def test_base_after_enrolment_no_calendar_address_is_made_and_the_code_opens_again(reader):
    client = Client()
    client.force_login(reader)
    device = TOTPDevice.objects.create(user=reader, name="phone", confirmed=True)
    refused = client.post("/schedule/subscribe/", {"next": "/schedule/closed/"})
    assert (*_answer(refused), _signed_in(client)) == (302, SIGN_IN + "/schedule/", False)
    assert list(CalendarFeed.objects.all()) == []
    # The sign-in page asks for the code, and with it the pages and the address work again.
    without_code = _sign_in(client, reader)
    assert without_code.context["form"].errors == {
        "__all__": ["Enter the authentication code from your authenticator app."]
    }
    assert _answer(_sign_in(client, reader, code=_code(device))) == (302, "/schedule/closed/")
    assert _answer(client.get("/schedule/closed/")) == (200, None)
    made = client.post("/schedule/subscribe/", {"next": "/schedule/closed/"})
    assert _answer(made) == (302, "/schedule/closed/")
    assert [feed.user for feed in CalendarFeed.objects.all()] == [reader]


@time_machine.travel(NOW, tick=False)
def test_base_the_sign_in_page_ends_the_session_and_shows_the_form(reader):
    client = Client()
    client.force_login(reader)
    TOTPDevice.objects.create(user=reader, name="phone", confirmed=True)
    page = client.get("/schedule/sign-in/?next=/schedule/closed/")
    assert (page.status_code, _signed_in(client)) == (200, False)
    assert list(page.context["form"].fields) == ["username", "password", "otp_token"]


# --- Production settings -------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_production_a_session_without_the_code_reads_nothing_before_or_after_enrolment(
    reader, pages, production_settings
):
    assert _each_page_in_a_fresh_session(reader, pages, secure=True) == _refused_everywhere(pages)
    TOTPDevice.objects.create(user=reader, name="phone", confirmed=True)
    assert _each_page_in_a_fresh_session(reader, pages, secure=True) == _refused_everywhere(pages)
    client = Client()
    client.force_login(reader)
    refused = client.post("/schedule/subscribe/", {"next": "/schedule/closed/"}, secure=True)
    assert (*_answer(refused), _signed_in(client)) == (302, SIGN_IN + "/schedule/", False)
    assert list(CalendarFeed.objects.all()) == []


@time_machine.travel(NOW, tick=False)
def test_production_a_verified_session_reads_and_subscribes_until_its_device_goes(reader, pages, production_settings):
    device = TOTPDevice.objects.create(user=reader, name="phone", confirmed=True)
    client = Client()
    assert _answer(_sign_in(client, reader, code=_code(device), secure=True)) == (302, "/schedule/closed/")
    assert {page: _answer(client.get(page, secure=True)) for page in pages} == dict.fromkeys(pages, (200, None))
    made = client.post("/schedule/subscribe/", {"next": "/schedule/closed/"}, secure=True)
    assert _answer(made) == (302, "/schedule/closed/")
    assert [feed.user for feed in CalendarFeed.objects.all()] == [reader]
    # The device that verified the session is removed: the session has no second factor left.
    device.delete()
    ended = client.get("/schedule/closed/", secure=True)
    assert (*_answer(ended), _signed_in(client)) == (302, SIGN_IN + "/schedule/closed/", False)
