"""An answer this process already gave for the schedule version is given again without DRF's
full way, and it is the same answer: status, headers and body. Whatever the short way cannot
clear plainly (a bad token, an exhausted rate, an unusual Accept header) gets the full answer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api import reader_of, token_client
from tests.factories import AgendaItemFactory, CommitteeFactory, SessionFactory
from tracker.api.throttling import TokenRateThrottle
from tracker.schedule import schedule_changed
from tracker.tokens import api_token_create, calendar_feed_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee():
    committee = CommitteeFactory()
    session = SessionFactory(committee=committee)
    AgendaItemFactory(session=session, position=1)
    schedule_changed()
    return committee


def _same(first, second) -> None:
    # Last-Modified is held back while the second of the last change lasts: the first answer may
    # have come within it.
    varying = {"Date"} if first.has_header("Last-Modified") else {"Date", "Last-Modified"}
    assert second.status_code == first.status_code
    assert second.content == first.content
    assert {k: v for k, v in second.items() if k not in varying} == {k: v for k, v in first.items() if k not in varying}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/",
        "/api/v1/sessions/?status=scheduled&page_size=10",
        "/api/v1/sessions/{session}/",
        "/api/v1/agenda-items/",
        "/api/v1/committees/",
        "/api/v1/sessions/deleted/",
        "/api/v1/commitments/",
        "/api/v1/sessions.ics",
    ],
)
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_the_kept_answer_is_the_full_answer(committee, path, encoding):
    client = token_client(reader_of(committee))
    url = path.format(session=committee.sessions.get().pk)
    headers = {"HTTP_ACCEPT_ENCODING": encoding} if encoding else {}
    full = client.get(url, **headers)
    assert full.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        kept = client.get(url, **headers)
    _same(full, kept)
    assert len(captured) == 1  # the token, its user's access and the schedule version
    with CaptureQueriesContext(connection) as captured:
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=full["ETag"], **headers)
    assert (not_modified.status_code, len(captured)) == (304, 1)


def test_the_personal_calendar_is_kept_too(committee):
    feed = calendar_feed_create(user=reader_of(committee))
    client = APIClient()
    url = f"/calendar/{feed.token}.ics"
    full = client.get(url)
    with CaptureQueriesContext(connection) as captured:
        kept = client.get(url)
    _same(full, kept)
    assert len(captured) == 1
    assert client.get(url, HTTP_IF_NONE_MATCH=full["ETag"]).status_code == 304
    assert client.get(f"/calendar/{feed.token[:-1]}x.ics").status_code == 404


def test_what_the_short_way_does_not_clear_gets_the_full_answer(committee, monkeypatch):
    user = reader_of(committee)
    client = token_client(user)
    url = "/api/v1/sessions/"
    assert client.get(url).status_code == 200  # now kept
    refused = APIClient(HTTP_AUTHORIZATION="Token not.valid").get(url)
    assert (refused.status_code, refused["WWW-Authenticate"]) == (401, "Token")
    malformed = APIClient(HTTP_AUTHORIZATION="Token a b").get(url)
    assert malformed.json() == {"detail": "Send the header as “Authorization: Token <token>”."}
    assert APIClient().get(url).status_code == 401
    assert client.get(url, HTTP_ACCEPT="text/html").status_code == 406
    assert client.get(url, HTTP_ACCEPT="application/json;q=0.9").status_code == 200
    # another reader's committees: not the kept body, their own
    other = CommitteeFactory()
    assert token_client(reader_of(other)).get(url).json()["count"] == 0
    # the rate counts kept answers too
    monkeypatch.setattr(TokenRateThrottle, "rate", "2/minute", raising=False)
    _row, token = api_token_create(user=user)
    limited = token_client(token=token)
    assert [limited.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert limited.get(url)["Retry-After"] == "30"


def test_edge_requests_get_the_full_answer(committee):
    client = token_client(reader_of(committee))
    url = "/api/v1/sessions/"
    first = client.get(url)
    assert client.get(url, HTTP_ACCEPT="").status_code == 406  # a blank Accept, refused as DRF refuses it
    # HEAD and GET are the same answer under the same tag
    assert client.head(url)["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=client.head(url)["ETag"]).status_code == 304
    # "*" matches only an answer that exists: a page past the end stays a 404
    assert [client.get(url, {"page": 9}, HTTP_IF_NONE_MATCH="*").status_code for _ in range(2)] == [404, 404]
    assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304


def test_a_calendar_names_the_language_it_is_written_in(committee):
    from tracker.models import UserPreferences

    user = reader_of(committee)
    UserPreferences.objects.create(user=user, language="es")
    feed = calendar_feed_create(user=user)
    answers = [APIClient().get(f"/calendar/{feed.token}.ics", HTTP_ACCEPT_LANGUAGE="en") for _ in range(2)]
    assert [answer["Content-Language"] for answer in answers] == ["es", "es"]  # the full way, then the kept one
    assert "En la sede: " in answers[0].content.decode()
    assert answers[1].content == answers[0].content
