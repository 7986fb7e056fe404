"""API tokens and calendar-feed secrets: made here, shown once (tokens) or in the admin (feeds),
found by their public key id and compared in constant time."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import ngettext

from tracker.models import ApiToken, CalendarFeed, TokenScope, default_token_expiry

LAST_USED_GRANULARITY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_parts(token: str) -> tuple[str, str] | None:
    """The public key id and the secret of a token or calendar address, or None when it is not
    one."""
    key_id, dot, secret = token.partition(".")
    if not dot or not key_id or not secret or len(token) > 200:
        return None
    return key_id, secret


def api_token_latest_expiry() -> datetime:
    """The latest expiry a token made now may have: API_TOKEN_MAX_DAYS from now."""
    return timezone.now() + timedelta(days=settings.API_TOKEN_MAX_DAYS)


def api_token_expiry_check(*, expires_at: datetime) -> None:
    """Refuse an expiry further ahead than API_TOKEN_MAX_DAYS: a token that outlives the people
    and systems it was made for is a credential nobody remembers to revoke."""
    if expires_at > api_token_latest_expiry():
        days = settings.API_TOKEN_MAX_DAYS
        message = ngettext(
            "A token may live at most %(days)d day: choose an earlier expiry.",
            "A token may live at most %(days)d days: choose an earlier expiry.",
            days,
        ) % {"days": days}
        raise ValidationError({"expires_at": ValidationError(message, code="expiry_too_far")})


def api_token_issue(*, token: ApiToken) -> str:
    """Give an unsaved ApiToken (user and name set) its key and save it; the returned string is
    the only copy of the token. Every token is made here, so none outlives API_TOKEN_MAX_DAYS."""
    api_token_expiry_check(expires_at=token.expires_at)
    key_id, secret = secrets.token_urlsafe(9), secrets.token_urlsafe(32)
    value = f"{key_id}.{secret}"
    token.key_id, token.key_hash = key_id, _digest(value)
    token.save()
    return value


def api_token_create(
    *,
    user: AbstractBaseUser,
    name: str = "",
    scope: str = TokenScope.READ,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    token = ApiToken(user=user, name=name, scope=scope, expires_at=expires_at or default_token_expiry())
    token.full_clean(exclude=["user", "key_id", "key_hash"])
    return token, api_token_issue(token=token)


def api_token_accepted(*, found: ApiToken | None, token: str, now: datetime) -> ApiToken | None:
    """`found` (read by its key id, with its user, among tokens neither revoked nor expired) when
    `token` is its full value and its user is active, else None. Recent use is recorded at most
    once a minute."""
    if found is None or not hmac.compare_digest(found.key_hash, _digest(token)) or not found.user.is_active:
        return None
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def api_token_authenticate(token: str) -> ApiToken | None:
    """The live token this string is (not revoked, not expired), or None. (The API reads it with
    the user's access in one query: committees.readers.)"""
    parts = token_parts(token)
    if parts is None:
        return None
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_id=parts[0], revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    return api_token_accepted(found=found, token=token, now=now)


def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke at once; saved (not updated in bulk) so the audit trail records who did it."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def calendar_feed_issue(*, feed: CalendarFeed) -> CalendarFeed:
    """Give an unsaved feed (user set) its secret (256 random bits) and save it. The user's older
    addresses keep working until revoked."""
    feed.key_id, feed.secret = secrets.token_urlsafe(9), secrets.token_urlsafe(32)
    feed.save()
    return feed


def calendar_feed_current(*, user: AbstractBaseUser) -> CalendarFeed | None:
    """The user's newest address that still works."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at").first()


def calendar_feed_create(*, user: AbstractBaseUser) -> CalendarFeed:
    return calendar_feed_issue(feed=CalendarFeed(user=user))


def calendar_feed_accepted(*, found: CalendarFeed | None, token: str) -> CalendarFeed | None:
    """`found` (read by its key id, with its user, among addresses not revoked) when `token` is its
    full value and its user is active, else None."""
    parts = token_parts(token)
    if found is None or parts is None or not found.user.is_active:
        return None
    return found if hmac.compare_digest(found.secret.encode(), parts[1].encode()) else None


def calendar_feed_find(token: str) -> CalendarFeed | None:
    parts = token_parts(token)
    if parts is None:
        return None
    found = CalendarFeed.objects.select_related("user").filter(key_id=parts[0], revoked_at__isnull=True).first()
    return calendar_feed_accepted(found=found, token=token)


def calendar_feed_revoke(*, feed: CalendarFeed) -> None:
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
