"""Personal calendar addresses carry their secret in the path: every log that writes request paths
(gunicorn's access and error logs, Django's request warnings, runserver's request log) masks it."""

import logging
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import User

from config.settings.base import BASE_DIR
from tests.smtp import free_port
from tests.tracker.test_runstack import _wait_for
from tracker.logs import secrets_masked
from tracker.management.commands.runstack import web_command
from tracker.tokens import calendar_feed_create

pytestmark = pytest.mark.django_db

KEY, SECRET = "AbC-123_xyz9", "s3cr3t-Value_that-nobody-may-read-0123456789abc"


def test_secrets_masked():
    lines = {
        f'GET /calendar/{KEY}.{SECRET}.ics HTTP/1.1" 200': 'GET /calendar/AbC-123_xyz9.********.ics HTTP/1.1" 200',
        f"Not Found: /calendar/{KEY}.{SECRET}.ics": "Not Found: /calendar/AbC-123_xyz9.********.ics",
        f"/calendar/{KEY}.{SECRET}.ics?committee=x": "/calendar/AbC-123_xyz9.********.ics?committee=x",
        # No .ics, another case, no key id, an over-long key id: all masked whole.
        f"/calendar/{KEY}.{SECRET}": "/calendar/AbC-123_xyz9.********",
        f"/CALENDAR/{KEY}.{SECRET}.ICS": "/CALENDAR/AbC-123_xyz9.********.ics",
        f"/calendar/{SECRET}": "/calendar/********",
        f"/calendar/{SECRET}.ics": "/calendar/********.ics",
        f"/calendar/{'k' * 17}.{SECRET}.ics": "/calendar/********.ics",
        # Percent escapes reach the view decoded: the line is decoded and masked.
        f"GET /calendar/{KEY}%2E{SECRET}.ics HTTP/1.1": "GET /calendar/********.ics HTTP/1.1",
        f"GET /%63alendar/{KEY}.{SECRET}.ics HTTP/1.1": "GET /calendar/AbC-123_xyz9.********.ics HTTP/1.1",
        # Masking twice changes nothing; lines without a secret are kept as they are.
        "/calendar/AbC-123_xyz9.********.ics": "/calendar/AbC-123_xyz9.********.ics",
        "GET /schedule/chile-peru.ics HTTP/1.1": "GET /schedule/chile-peru.ics HTTP/1.1",
        "GET /calendar/ HTTP/1.1": "GET /calendar/ HTTP/1.1",
        "GET /api/v1/sessions/?q=a%20b HTTP/1.1": "GET /api/v1/sessions/?q=a%20b HTTP/1.1",
    }
    assert {line: secrets_masked(line) for line in lines} == lines


def _request_warnings(caplog) -> list[tuple[str, int, str]]:
    return [(r.name, r.levelno, r.getMessage()) for r in caplog.records if r.name == "django.request"]


def test_django_not_found_warnings_hold_no_secret(client, caplog):
    feed = calendar_feed_create(user=User.objects.create_user(username="reader"))
    wrong = f"/calendar/{feed.key_id}.{SECRET}.ics"
    unknown = f"/calendar/{KEY}.{SECRET}.ics"
    unmatched = f"/calendar/{KEY}.{SECRET}"
    with caplog.at_level(logging.INFO):
        answers = [client.get(path).status_code for path in (wrong, unknown, unmatched)]
    assert answers == [404, 404, 404]
    assert _request_warnings(caplog) == [
        ("django.request", logging.WARNING, f"Not Found: /calendar/{feed.key_id}.********.ics"),
        ("django.request", logging.WARNING, "Not Found: /calendar/AbC-123_xyz9.********.ics"),
        ("django.request", logging.WARNING, "Not Found: /calendar/AbC-123_xyz9.********"),
    ]
    assert SECRET not in caplog.text and feed.secret not in caplog.text


def test_runserver_request_log_holds_no_secret():
    records: list[logging.LogRecord] = []
    capture = logging.Handler()
    capture.emit = records.append
    server = logging.getLogger("django.server")
    server.addHandler(capture)
    try:
        # What django.core.servers.basehttp.WSGIRequestHandler.log_message writes.
        server.info('"%s" %s %s', f"GET /calendar/{KEY}.{SECRET}.ics HTTP/1.1", "200", "512")
    finally:
        server.removeHandler(capture)
    assert [r.getMessage() for r in records] == ['"GET /calendar/AbC-123_xyz9.********.ics HTTP/1.1" 200 512']


# --- gunicorn, as runstack starts it ----------------------------------------------------------


def _get(port: int, path: str) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None  # not listening yet


@pytest.fixture
def gunicorn(tmp_path):
    """runstack's web command on its own, on the embedded defaults in a directory of its own,
    with one calendar address made; yields (its port, that address's token, the log file)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL"}}
    env["VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)
    made = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth.models import User; from tracker.tokens import calendar_feed_create; "
            "print(calendar_feed_create(user=User.objects.create_user(username='reader')).token)",
        ],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            web_command(host="127.0.0.1", port=port),
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(lambda: _get(port, "/healthz") == 200, seconds=60, what="gunicorn")
        yield port, token, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.slow
def test_gunicorn_access_and_error_logs_hold_no_secret(gunicorn):
    port, token, log = gunicorn
    key_id, secret = token.split(".")
    wrong = f"/calendar/{key_id}.{SECRET}.ics"
    paths = {
        f"/calendar/{token}.ics": 200,
        f"/calendar/{key_id}%2E{secret}.ics": 200,
        wrong: 404,
        f"/CALENDAR/{token}.ics": 404,
    }
    assert {path: _get(port, path) for path in paths} == paths
    _wait_for(lambda: log.read_text().count('"GET /') >= len(paths) + 1, seconds=30, what="the access log")
    output = log.read_text()
    assert (secret in output, SECRET in output) == (False, False)
    # The request line and status of each access log line, the health checks left out.
    requests = [
        line.split('"')[1] + " " + line.split('"')[2].split()[0]
        for line in output.splitlines()
        if '"GET /' in line and "/healthz" not in line
    ]
    assert requests == [
        f"GET /calendar/{key_id}.********.ics HTTP/1.1 200",
        "GET /calendar/********.ics HTTP/1.1 200",
        f"GET /calendar/{key_id}.********.ics HTTP/1.1 404",
        f"GET /CALENDAR/{key_id}.********.ics HTTP/1.1 404",
    ]
    warnings = [line.split(" WARNING ", 1)[1] for line in output.splitlines() if " WARNING django.request " in line]
    assert warnings == [
        f"django.request Not Found: /calendar/{key_id}.********.ics",
        f"django.request Not Found: /CALENDAR/{key_id}.********.ics",
    ]
