"""What keeps a warm answer cheap: this process's bodies under the schedule version, a query
string checked once per version, and the rate limit counted in this process."""

import gzip
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.exceptions import ValidationError

from tracker.api.throttling import BUCKETS, MAX_BUCKETS, rate_parse
from tracker.conditional import LOCAL_BODIES, schedule_response
from tracker.local_bodies import Body, LocalBodies

CHANGED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
factory = RequestFactory()


def _answer(request, *, version=(7, CHANGED), body=b'{"n": 1}', calls=None, bad=False):
    calls = calls if calls is not None else {"build": 0, "check": 0}

    def build() -> bytes:
        calls["build"] += 1
        return body

    def check() -> None:
        calls["check"] += 1
        if bad:
            raise ValidationError({"status": ["Select a valid choice."]})

    response = schedule_response(request, build=build, content_type="application/json", check=check, version=version)
    return response, calls


def test_a_body_is_built_once_and_then_kept_in_this_process(db):
    calls = {"build": 0, "check": 0}
    first, _ = _answer(factory.get("/x?a=1"), calls=calls)
    cache.clear()  # the shared copy gone: this process still holds the body
    second, _ = _answer(factory.get("/x?a=1"), calls=calls)
    assert (first.content, second.content, calls) == (b'{"n": 1}', b'{"n": 1}', {"build": 1, "check": 1})
    not_modified, _ = _answer(factory.get("/x?a=1", HTTP_IF_NONE_MATCH=first["ETag"]), calls=calls)
    assert (not_modified.status_code, calls) == (304, {"build": 1, "check": 1})
    # a new version: checked and built again, and the old bodies are gone
    newer, _ = _answer(factory.get("/x?a=1"), version=(8, CHANGED), body=b'{"n": 2}', calls=calls)
    assert (newer.content, calls) == (b'{"n": 2}', {"build": 2, "check": 2})
    assert LOCAL_BODIES.get(f"7.{int(CHANGED.timestamp() * 1_000_000)}", "anything") is None


def test_a_bad_query_string_is_refused_even_to_a_client_holding_a_tag(db):
    good, _ = _answer(factory.get("/x?a=1"))
    with pytest.raises(ValidationError):
        _answer(factory.get("/x?a=2", HTTP_IF_NONE_MATCH="*"), bad=True)
    with pytest.raises(ValidationError):  # refused every time: a refusal is not remembered
        _answer(factory.get("/x?a=2"), bad=True)
    assert good.status_code == 200


def test_gzip_for_clients_that_ask_for_it(db):
    plain, _ = _answer(factory.get("/x"))
    zipped, calls = _answer(factory.get("/x", HTTP_ACCEPT_ENCODING="br, gzip;q=0.8"))
    assert (zipped["Content-Encoding"], gzip.decompress(zipped.content), zipped["ETag"]) == (
        "gzip",
        plain.content,
        f"W/{plain['ETag']}",
    )
    assert calls["build"] == 0  # the body kept by the first answer
    for refused in ("gzip;q=0", "identity", "br", "gzipped", "gzip;q=zero"):
        assert not _answer(factory.get("/x", HTTP_ACCEPT_ENCODING=refused))[0].has_header("Content-Encoding")
    assert _answer(factory.get("/x", HTTP_IF_NONE_MATCH=f"W/{plain['ETag']}"))[0].status_code == 304
    assert plain["Vary"] == "Authorization, Cookie, Accept-Encoding"


def test_the_store_keeps_within_its_bound(settings):
    settings.SCHEDULE_LOCAL_CACHE_BYTES = 1000
    store = LocalBodies()
    for n in range(5):
        store.put("1.0", f"k{n}", Body(plain=bytes(300)))
    assert [key for key in ("k0", "k1", "k2", "k3", "k4") if store.get("1.0", key)] == ["k2", "k3", "k4"]
    store.get("1.0", "k2")  # used: now the newest
    store.put("1.0", "k5", Body(plain=bytes(300)))
    assert [key for key in ("k2", "k3", "k4", "k5") if store.get("1.0", key)] == ["k2", "k4", "k5"]
    # compressing counts too
    kept = store.get("1.0", "k5")
    assert gzip.decompress(store.compressed("k5", kept)) == bytes(300)
    assert store._size == sum(entry.counted for entry in store._entries.values()) <= 1000
    # another version empties the store
    store.put("2.0", "k9", Body(plain=b"x"))
    assert (store.get("1.0", "k5"), store.get("2.0", "k9").plain) == (None, b"x")


def test_rate_buckets():
    assert rate_parse("1200/minute") == (1200, 60)
    assert rate_parse("10/s") == (10, 1)
    BUCKETS.clear()
    waits = [BUCKETS.take("a", burst=3, per_second=1.0, now=100.0) for _ in range(4)]
    assert waits == [0.0, 0.0, 0.0, 1.0]
    assert BUCKETS.take("a", burst=3, per_second=1.0, now=100.5) == 0.5
    assert BUCKETS.take("a", burst=3, per_second=1.0, now=101.0) == 0.0  # one came back
    assert BUCKETS.take("b", burst=3, per_second=1.0, now=101.0) == 0.0  # another client's own
    # at most MAX_BUCKETS: the client counted longest ago is forgotten first
    for n in range(MAX_BUCKETS):
        BUCKETS.take(f"other{n}", burst=3, per_second=1.0, now=101.0)
    assert len(BUCKETS.levels) == MAX_BUCKETS
    assert ("a" in BUCKETS.levels, "b" in BUCKETS.levels) == (False, False)
    BUCKETS.take("a", burst=3, per_second=1.0, now=101.0)  # starts again from a full burst
    assert (len(BUCKETS.levels), BUCKETS.levels["a"], "other0" in BUCKETS.levels) == (MAX_BUCKETS, (2.0, 101.0), False)
    BUCKETS.clear()
