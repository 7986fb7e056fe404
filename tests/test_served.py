"""The API as production serves it: gunicorn with two worker processes, each keeping its own
recent bodies. A change committed anywhere is seen by the next request in every process, a
revoked token is refused by every process at once, and gzip reaches clients that ask for it."""

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection, transaction

from config.settings.base import BASE_DIR
from meetings.services import session_update
from tests.api import reader_of
from tests.factories import AgendaItemFactory, CommitteeFactory, SessionFactory
from tracker.models import ApiToken
from tracker.schedule import schedule_changed
from tracker.tokens import api_token_create, api_token_revoke

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 12  # requests per check: new connections, spread over both workers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    return f"sqlite:///{database['NAME']}"


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "served-under-test-" + "x" * 40,
        "DATABASE_URL": _database_url(),
        "VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_RATE": "100000/minute",
    }
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        env["REDIS_URL"] = settings.CACHES["default"]["LOCATION"]
    else:
        env.pop("REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as errors:  # the server keeps its own copy of the file
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "config.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/api/v1/", "none")[0] == 401:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(log.read_text()[-3000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _get(url: str, token: str, **headers: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(  # noqa: S310 - a local test server
        url, headers={"Authorization": f"Token {token}", "X-Forwarded-Proto": "https", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def test_two_processes_never_serve_a_stale_answer(server):
    committee = CommitteeFactory()
    session = SessionFactory(committee=committee, title="Primera sesión")
    AgendaItemFactory(session=session, position=1)
    with transaction.atomic():
        schedule_changed()
    row, token = api_token_create(user=reader_of(committee))
    url = f"{server}/api/v1/sessions/?committee={committee.slug}"

    answers = [_get(url, token) for _ in range(ROUNDS)]
    assert {status for status, _headers, _body in answers} == {200}
    first = answers[0][2]
    assert [json.loads(body)["results"][0]["title"] for _s, _h, body in answers] == ["Primera sesión"] * ROUNDS
    assert {body for _s, _h, body in answers} == {first}
    etag = answers[0][1]["ETag"]
    assert {headers["ETag"] for _s, headers, _b in answers} == {etag}
    assert {_get(url, token, **{"If-None-Match": etag})[0] for _ in range(ROUNDS)} == {304}

    # gzip for a client that asks for it: the same answer, under a weak tag that still earns a 304
    status, headers, body = _get(url, token, **{"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"], headers["ETag"], gzip.decompress(body)) == (
        200,
        "gzip",
        f"W/{etag}",
        first,
    )
    assert "Accept-Encoding" in headers["Vary"]
    assert _get(url, token, **{"Accept-Encoding": "gzip", "If-None-Match": f"W/{etag}"})[0] == 304
    assert "Content-Encoding" not in _get(url, token, **{"Accept-Encoding": "gzip;q=0"})[1]

    # a change committed here is seen by the very next request, whichever process answers
    session_update(session=session, data={"title": "Sesión renombrada"})
    after = [_get(url, token) for _ in range(ROUNDS)]
    assert [json.loads(body)["results"][0]["title"] for _s, _h, body in after] == ["Sesión renombrada"] * ROUNDS
    assert {_get(url, token, **{"If-None-Match": etag})[0] for _ in range(ROUNDS)} == {200}
    # a bad query string is refused by every process, whatever the client holds
    refused = [_get(f"{url}&status=nonsense", token, **{"If-None-Match": etag}) for _ in range(ROUNDS)]
    assert {status for status, _h, _b in refused} == {400}

    # a revoked token is refused at once by every process
    api_token_revoke(token=ApiToken.objects.get(pk=row.pk))
    assert {_get(url, token)[0] for _ in range(ROUNDS)} == {401}
