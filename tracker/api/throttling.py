"""The API's rate limit: a token bucket per client in each web process, so that counting a request
costs no round trip to a shared store.

A client may make API_RATE requests in a burst and then one more each time an even share of the
period has passed (1200/minute: 1,200 at once, then one every 50 ms). Each process keeps its own
buckets, so with W web processes behind a load balancer a client gets at most W times API_RATE in
all; set API_RATE to the share per process that gives the total wanted."""

import threading
import time
from collections import OrderedDict
from functools import cache

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from tracker.models import ApiToken

# At most this many buckets; the client counted longest ago is forgotten first (it starts again
# from a full burst), so an address scan neither fills memory nor makes a request scan them all.
MAX_BUCKETS = 50_000
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@cache
def rate_parse(rate: str) -> tuple[int, int]:
    """`"1200/minute"` as (1200 requests, 60 seconds)."""
    count, _slash, period = rate.partition("/")
    return int(count), _PERIODS[period[:1]]


class _Buckets:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # ident: (requests left, when counted); the least recently counted first
        self.levels: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, ident: str, *, burst: int, per_second: float, now: float) -> float:
        """Take one request from the bucket; 0 when it was there, else the seconds until one is."""
        with self.lock:
            left, then = self.levels.pop(ident, (float(burst), now))
            left = min(float(burst), left + (now - then) * per_second)
            taken = left >= 1
            self.levels[ident] = (left - 1 if taken else left, now)
            while len(self.levels) > MAX_BUCKETS:
                self.levels.popitem(last=False)
            return 0.0 if taken else (1 - left) / per_second

    def clear(self) -> None:
        with self.lock:
            self.levels.clear()


BUCKETS = _Buckets()


class TokenRateThrottle(BaseThrottle):
    """A rate per API token (per user for staff sessions, e.g. Swagger UI's; per address otherwise)."""

    scope = "token"
    rate: str | None = None  # API_RATE unless set

    def __init__(self) -> None:
        self.delay = 0.0

    @staticmethod
    def ident_of_token(token: ApiToken) -> str:
        return f"token-{token.pk}"

    def ident_of_address(self, request) -> str:
        return f"addr-{self.get_ident(request)}"

    def ident_of(self, request) -> str:
        if isinstance(request.auth, ApiToken):
            return self.ident_of_token(request.auth)
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return self.ident_of_address(request)

    def allow(self, ident: str) -> bool:
        """Count a request of the client `ident`; False when it must wait (`wait()` says how long)."""
        count, seconds = rate_parse(self.rate or api_settings.DEFAULT_THROTTLE_RATES[self.scope])
        self.delay = BUCKETS.take(ident, burst=count, per_second=count / seconds, now=time.monotonic())
        return self.delay == 0

    def allow_request(self, request, view) -> bool:
        return self.allow(self.ident_of(request))

    def wait(self) -> float:
        return self.delay


def throttle_forget() -> None:
    """Forget every client's count in this process."""
    BUCKETS.clear()
