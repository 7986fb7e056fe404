"""The perimeter: who the client is behind our proxies, when sign-ins are locked out, whether a
session has given its second factor, and when a session ends."""

import ipaddress
import time
from collections.abc import Callable

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

# Unix times kept in the session: when it signed in, and (to the minute) when it was last used.
SESSION_STARTED_KEY = "tracker_signed_in_at"
SESSION_SEEN_KEY = "tracker_seen_at"
# The last-used time is written at most this often, so that every request does not save the session.
SESSION_SEEN_GRANULARITY = 60


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client as the outermost of our own proxies saw it.

    Each of the TRUSTED_PROXY_COUNT proxies in front of Django appends the address it received
    the request from to X-Forwarded-For, so the client is that many entries from the right.
    Entries further left are whatever the client sent and are never believed: a forged
    left-most entry cannot give an attacker a fresh address, nor pin their failures on someone
    else's. With no proxies (0, the default) the header is ignored and REMOTE_ADDR is the client.
    DRF's throttles get the same answer from NUM_PROXIES (set from the same count).
    """
    remote_addr = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if count <= 0 or not forwarded:
        return remote_addr
    hops = forwarded.split(",")
    candidate = hops[-min(count, len(hops))].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Our proxies write addresses; anything else did not come from them.
        return remote_addr


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes's database handler with two limits instead of one.

    - A username from one address is locked after AXES_FAILURE_LIMIT failures (AXES_LOCKOUT_PARAMETERS
      is that pair). Not the username alone, which would let anyone lock a person out from anywhere;
      not the address alone at that limit, which would lock a whole ministry out behind one NAT
      address after one person's typing errors.
    - An address is locked for every username after LOGIN_FAILURE_LIMIT_PER_ADDRESS failures, so
      trying one password against many usernames is stopped too.

    Both count failures within the cool-off (AXES_COOLOFF_TIME). A wrong second factor counts as a
    failure. Success clears the pair's failures only: logging in to one account must not wipe the
    address's record of attempts on others.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        attempts = self._recent_from_address(request)
        username = get_client_username(request, credentials)
        pair = _failures(attempts.filter(username=username))
        address = _failures(attempts)
        # Axes compares one number with AXES_FAILURE_LIMIT; the address's count reaches it
        # exactly when it reaches its own, higher limit.
        headroom = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS - settings.AXES_FAILURE_LIMIT
        return max(pair, address - headroom)

    @staticmethod
    def _recent_from_address(request: HttpRequest) -> QuerySet[AccessAttempt]:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is None:
            return attempts
        return attempts.filter(attempt_time__gte=get_cool_off_threshold(request))


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def second_factor_satisfied(user) -> bool:
    """Whether a signed-in user may use staff pages and the API through their session.

    Verified by a device (at the admin's sign-in) always counts. Without one, only where two-factor
    login is not required (ADMIN_REQUIRE_2FA false) and the user has no device: someone who has a
    device must use it, whatever the setting.
    """
    if getattr(user, "is_verified", None) is not None and user.is_verified():
        return True
    if settings.ADMIN_REQUIRE_2FA:
        return False
    return not user_has_device(user)


def session_end_if_second_factor_due(*, request: HttpRequest) -> bool:
    """Sign out a session whose second factor has become due and was not given: its user has since
    been given a confirmed device, or two-factor login is now required. The staff site and the API
    already refuse such a session; pages that serve people call this first, so it reads nothing
    more and makes nothing (a calendar address) as its user. Returns whether the session ended,
    here or, where two-factor login is required, already in SessionPolicyMiddleware; the request
    then goes on as anonymous."""
    if getattr(request, "session_ended_for_second_factor", False):
        return True
    if request.user.is_authenticated and not second_factor_satisfied(request.user):
        logout(request)
        return True
    return False


def session_stamp_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in receiver: the session's absolute and idle clocks start at the sign-in."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now


class SessionPolicyMiddleware:
    """Ends a signed-in session that has been idle longer than SESSION_IDLE_SECONDS, that signed in
    longer ago than SESSION_COOKIE_AGE, or that never gave its second factor where two-factor
    login is required (a session from before it was required). The request then goes on as
    anonymous, so the staff site asks for a sign-in and the API refuses. A session ended for its
    missing second factor is marked so (`request.session_ended_for_second_factor`), so that the
    pages for people send the reader to sign in with the code.

    Goes after AuthenticationMiddleware and before django-otp's middleware, which then sees the
    anonymous user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        signed_in = SESSION_KEY in session
        expired = signed_in and self._expired(session, now=time.time())
        owes_second_factor = signed_in and settings.ADMIN_REQUIRE_2FA and DEVICE_ID_SESSION_KEY not in session
        request.session_ended_for_second_factor = owes_second_factor and not expired
        if expired or owes_second_factor:
            logout(request)
        response = self.get_response(request)
        # After the view, so a session that signed in before these stamps existed gets them too.
        if SESSION_KEY in request.session:
            self._stamp(request.session, now=int(time.time()))
        return response

    @staticmethod
    def _expired(session, *, now: float) -> bool:
        started = session.get(SESSION_STARTED_KEY)
        seen = session.get(SESSION_SEEN_KEY)
        if started is not None and now - started > settings.SESSION_COOKIE_AGE:
            return True
        return seen is not None and now - seen > settings.SESSION_IDLE_SECONDS

    @staticmethod
    def _stamp(session, *, now: int) -> None:
        if SESSION_STARTED_KEY not in session:
            session[SESSION_STARTED_KEY] = now
        if now - session.get(SESSION_SEEN_KEY, 0) >= SESSION_SEEN_GRANULARITY:
            session[SESSION_SEEN_KEY] = now
