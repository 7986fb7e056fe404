"""Schedule responses that are cheap to repeat, for the API and the schedule pages alike.

The ETag is made from the schedule version and the request, so a client holding the current
version gets a 304 before any body is built. Bodies are kept in the cache under the version:
a change anywhere raises the version, which makes every stored body unreachable at once, in
every process (the version lives in the database, the bodies in Redis or local memory).

Last-Modified counts whole seconds, so it is sent only once the second of the last change is
over: a body made within that second may predate another change of the same second, and a date
within the second of the response is only a weak validator (RFC 9110, 8.8.2.2). For the same
reason If-Modified-Since never earns a 304 within that second; the ETag does."""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import parse_etags, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from tracker.local_bodies import Body, LocalBodies
from tracker.schedule import schedule_version, schedule_version_for

# This process's recent bodies (see tracker.local_bodies).
LOCAL_BODIES = LocalBodies()
# "gzip" in Accept-Encoding, unless refused with q=0.
_GZIP = re.compile(r"(?:^|,)\s*gzip\s*(?:;\s*q\s*=\s*(?P<q>[0-9.]+))?\s*(?:,|$)", re.IGNORECASE)


def _not_modified(request: HttpRequest, etag: str, changed: int | None, *, exists: bool) -> bool:
    """`changed` is the whole second of the last change, or None while that second lasts; `exists`:
    an answer is known to exist (`*` matches only then)."""
    if if_none_match := request.headers.get("If-None-Match"):
        # A header that is present decides alone (RFC 9110, 13.2.2), by weak comparison: a proxy
        # that compressed the body, or this server, hands back W/"...".
        sent = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
        return ("*" in sent and exists) or etag in sent
    if changed is not None and (since := parse_http_date_safe(request.headers.get("If-Modified-Since", ""))):
        return changed <= since
    return False


def _accepts_gzip(request: HttpRequest) -> bool:
    found = _GZIP.search(request.headers.get("Accept-Encoding", ""))
    if found is None:
        return False
    try:
        return found["q"] is None or float(found["q"]) > 0
    except ValueError:
        return False


def schedule_bodies_forget() -> None:
    """Forget this process's bodies (the shared cache is emptied with `cache.clear()`)."""
    LOCAL_BODIES.clear()


@dataclass(frozen=True)
class _Validators:
    stamp: str  # the schedule version and when it was raised
    etag: str
    key: str  # of the body, in the shared cache and this process's
    last_modified: int | None  # the whole second of the last change, once it is over


def _validators(
    request: HttpRequest, *, content_type: str, variant: str, version: tuple[int, datetime] | None
) -> _Validators:
    if version is None:
        version = schedule_version_for(request.user) if hasattr(request, "user") else schedule_version()
    number, changed_at = version
    method = "GET" if request.method == "HEAD" else request.method  # the same answer, so the same tag
    fingerprint = hashlib.sha256(
        f"{method}|{request.build_absolute_uri()}|{content_type}|{variant}".encode()
    ).hexdigest()[:24]
    # The change time is part of the version, so a database restored to an older version number
    # never meets bodies cached for the newer one.
    stamp = f"{number}.{int(changed_at.timestamp() * 1_000_000)}"
    changed = int(changed_at.timestamp())
    return _Validators(
        stamp=stamp,
        etag=f'"{stamp}-{fingerprint}"',
        key=f"schedule:{stamp}:{fingerprint}",
        last_modified=changed if int(timezone.now().timestamp()) > changed else None,
    )


def _respond(request: HttpRequest, validators: _Validators, kept: Body | None, content_type: str) -> HttpResponse:
    """A 304 when the client holds the answer, else the kept body (gzipped for clients that accept it)."""
    compress = _accepts_gzip(request)
    if _not_modified(request, validators.etag, validators.last_modified, exists=kept.plain is not None):
        response = HttpResponseNotModified()
    else:
        body = LOCAL_BODIES.compressed(validators.key, kept) if compress else kept.plain
        response = HttpResponse(body, content_type=content_type)
        if compress:
            response["Content-Encoding"] = "gzip"
    # A compressed body is another representation of the same answer: its tag is weak (as Django's
    # GZipMiddleware makes it), and weak comparison matches either. A 304 carries the tag a 200
    # would have.
    response["ETag"] = f"W/{validators.etag}" if compress else validators.etag
    if validators.last_modified is not None:
        response["Last-Modified"] = http_date(validators.last_modified)
    # Readers must ask again each time (a 304 is cheap); the body depends on who asks and on what
    # encoding they accept.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Authorization", "Cookie", "Accept-Encoding"))
    return response


def schedule_response(
    request: HttpRequest,
    *,
    build: Callable[[], bytes],
    content_type: str,
    variant: str = "",
    check: Callable[[], None] | None = None,
    version: tuple[int, datetime] | None = None,
) -> HttpResponse:
    """The response for `request`, built by `build()` only when neither the client nor a cache
    holds it for the current schedule version. `variant` separates bodies that differ for the
    same address (e.g. per reader). `check()` refuses a bad query string (by raising) before
    anything is answered. `version` is the schedule version read for the request, if it was read
    already (by default: as read for `request.user`, or now).

    What was answered is remembered in this process for the version (see `kept_response`): the
    body, or that the request passed its checks when the answer was a 304."""
    validators = _validators(request, content_type=content_type, variant=variant, version=version)
    kept = LOCAL_BODIES.get(validators.stamp, validators.key)
    if kept is None:
        if check is not None:
            check()
        kept = LOCAL_BODIES.put(validators.stamp, validators.key, Body(plain=None))
    if kept.plain is None and not _not_modified(request, validators.etag, validators.last_modified, exists=False):
        body = cache.get(validators.key)
        if body is None:
            try:
                body = build()
            except Exception:
                LOCAL_BODIES.discard(validators.stamp, validators.key)  # e.g. a page past the end
                raise
            # Bodies for query strings last less: each value a client may vary is another body.
            seconds = settings.SCHEDULE_CACHE_SECONDS if not request.GET else settings.SCHEDULE_CACHE_QUERY_SECONDS
            cache.set(validators.key, body, seconds)
        kept = LOCAL_BODIES.put(validators.stamp, validators.key, Body(plain=body))
    return _respond(request, validators, kept, content_type)


def kept_response(
    request: HttpRequest, *, content_type: str, variant: str, version: tuple[int, datetime]
) -> HttpResponse | None:
    """The response `schedule_response` would give, when this process answered the same request
    for the same version before (so its checks passed then, and hold until the version changes),
    and has its body or owes only a 304; else None. Nothing is built or read here."""
    validators = _validators(request, content_type=content_type, variant=variant, version=version)
    kept = LOCAL_BODIES.get(validators.stamp, validators.key)
    if kept is None or (
        kept.plain is None and not _not_modified(request, validators.etag, validators.last_modified, exists=False)
    ):
        return None
    return _respond(request, validators, kept, content_type)
