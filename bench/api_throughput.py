"""Requests per second for one page of 50 sessions (5 agenda items each), in one process,
side by side: an idiomatic DRF view built on every request (the baseline), this API building
the body (cache empty), serving it from the cache, and answering a conditional request with 304.

    .venv/bin/python bench/api_throughput.py [--requests 400]

Runs on a throw-away SQLite database in a temporary VAR_DIR; with --use-database-url, on the
(scratch) database DATABASE_URL names."""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if os.environ.get("DATABASE_URL") and "--use-database-url" not in sys.argv:
    sys.exit(
        "DATABASE_URL is set: this benchmark seeds its own data. Point it at a scratch database and "
        "pass --use-database-url, or unset DATABASE_URL to use a temporary SQLite file."
    )
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-")  # never the project's own var/
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402


def _seed() -> str:
    from django.contrib.auth.models import Group, User

    from committees.models import Committee, StaffAssignment
    from meetings.models import AgendaItem, Session
    from tracker.roles import READER
    from tracker.schedule import schedule_changed
    from tracker.tokens import api_token_create

    call_command("migrate", verbosity=0)
    committee = Committee.objects.create(
        slug="bench", name_es="Banco", name_en="Bench", country_a="CL", country_b="PE", default_timezone="America/Lima"
    )
    start = datetime(2030, 1, 7, 13, 0, tzinfo=UTC)
    for number in range(1, 51):
        session = Session.objects.create(
            committee=committee,
            number=number,
            title=f"Session {number}",
            starts_at=start + timedelta(weeks=number),
            ends_at=start + timedelta(weeks=number, hours=2),
            timezone="America/Santiago",
            venue="Santiago",
            host_country="CL",
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(session=session, position=p, title=f"Item {p}", duration_minutes=20) for p in range(1, 6)
        )
    schedule_changed()
    # A reader of the committee, as a ministry dashboard would be.
    user = User.objects.create_user("bench")
    user.groups.add(Group.objects.get(name=READER))
    StaffAssignment.objects.create(user=user, committee=committee)
    return api_token_create(user=user)[1]


def _rate(handler, environ_for, count: int) -> float:
    statuses = set()

    def start_response(status, headers):
        statuses.add(status.split()[0])

    begun = time.perf_counter()
    for _ in range(count):
        for _chunk in handler(environ_for(), start_response):
            pass
    elapsed = time.perf_counter() - begun
    assert len(statuses) == 1, statuses
    return count / elapsed, statuses.pop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--use-database-url", action="store_true", help="seed and measure on DATABASE_URL")
    args = parser.parse_args()
    token = _seed()
    factory = RequestFactory()
    auth = {"HTTP_AUTHORIZATION": f"Token {token}", "HTTP_ACCEPT": "application/json"}
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
        from tracker.api.throttling import TokenRateThrottle

        TokenRateThrottle.rate = "100000000/minute"
        handler = WSGIHandler()
        url = "/api/v1/sessions/"
        seen: dict[str, str] = {}
        body = b"".join(
            handler(
                factory.get(url, **auth).environ,
                lambda status, headers: seen.update({"status": status, **dict(headers)}),
            )
        )
        assert seen["status"].startswith("200"), (seen, body[:300])
        assert json.loads(body)["count"] == 50, body[:300]  # the reader sees the whole committee
        etag = seen["ETag"]
        from django.contrib.auth.models import User

        from bench.urls import PRECOMPUTED
        from tracker.tokens import calendar_feed_create

        PRECOMPUTED["body"] = body
        feed = f"/calendar/{calendar_feed_create(user=User.objects.get(username='bench')).token}.ics"
        feed_seen: dict[str, str] = {}
        b"".join(handler(factory.get(feed).environ, lambda status, headers: feed_seen.update(dict(headers))))

        def cold():
            cache.clear()
            return factory.get(url, **auth).environ

        variants = [
            ("idiomatic DRF (baseline)", lambda: factory.get("/bench/idiomatic/", **auth).environ),
            ("this API, body built (cache empty)", cold),
            ("this API, body from the cache", lambda: factory.get(url, **auth).environ),
            ("this API, 304 (If-None-Match)", lambda: factory.get(url, HTTP_IF_NONE_MATCH=etag, **auth).environ),
            ("personal .ics feed, from the cache", lambda: factory.get(feed).environ),
            ("personal .ics feed, 304", lambda: factory.get(feed, HTTP_IF_NONE_MATCH=feed_seen["ETag"]).environ),
            ("precomputed bytes, no auth (the floor)", lambda: factory.get("/bench/precomputed/").environ),
        ]
        results = {}
        for name, environ_for in variants:
            _rate(handler, environ_for, 20)  # warm up
            best = max(_rate(handler, environ_for, args.requests)[0] for _ in range(args.rounds))
            results[name] = (best, _rate(handler, environ_for, 5)[1])
    baseline = results["idiomatic DRF (baseline)"][0]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"One page of 50 sessions x 5 agenda items ({len(body)} bytes), {database}, cache "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, best of {args.rounds} x {args.requests}:"
    )
    print(f"{'variant':38} {'status':>6} {'req/s':>10} {'x baseline':>11}")
    for name, (rate, status) in results.items():
        print(f"{name:38} {status:>6} {rate:10.0f} {rate / baseline:11.1f}")


if __name__ == "__main__":
    main()
