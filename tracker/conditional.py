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
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import parse_etags, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from tracker.schedule import schedule_version


def _not_modified(request: HttpRequest, etag: str, changed: int | None) -> bool:
    """`changed` is the whole second of the last change, or None while that second lasts."""
    if if_none_match := request.headers.get("If-None-Match"):
        # A header that is present decides alone (RFC 9110, 13.2.2), by weak comparison: a proxy
        # that compressed the body hands back W/"...".
        sent = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
        return "*" in sent or etag in sent
    if changed is not None and (since := parse_http_date_safe(request.headers.get("If-Modified-Since", ""))):
        return changed <= since
    return False


def schedule_response(
    request: HttpRequest, *, build: Callable[[], bytes], content_type: str, variant: str = ""
) -> HttpResponse:
    """The response for `request`, built by `build()` only when neither the client nor the cache
    holds it for the current schedule version. `variant` separates bodies that differ for the
    same address (e.g. per reader)."""
    version, changed_at = schedule_version()
    fingerprint = hashlib.sha256(
        f"{request.method}|{request.build_absolute_uri()}|{content_type}|{variant}".encode()
    ).hexdigest()[:24]
    # The change time is part of the version, so a database restored to an older version number
    # never meets bodies cached for the newer one.
    stamp = f"{version}.{int(changed_at.timestamp() * 1_000_000)}"
    etag = f'"{stamp}-{fingerprint}"'
    changed = int(changed_at.timestamp())
    last_modified = changed if int(timezone.now().timestamp()) > changed else None
    if _not_modified(request, etag, last_modified):
        response = HttpResponseNotModified()
    else:
        key = f"schedule:{stamp}:{fingerprint}"
        body = cache.get(key)
        if body is None:
            body = build()
            cache.set(key, body, settings.SCHEDULE_CACHE_SECONDS)
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # Readers must ask again each time (a 304 is cheap); the body depends on who asks.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response
