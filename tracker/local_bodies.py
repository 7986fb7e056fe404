"""The schedule bodies this process served lately, kept in its own memory under the schedule
version, so that a warm answer is not copied from the shared cache on every request.

Only one version is kept: a request that reads another version (the schedule changed) empties the
store, so a body is never served for a version it was not built for. The store is bounded
(SCHEDULE_LOCAL_CACHE_BYTES); the oldest bodies go first. An entry without a body records that
this process checked the request's query string for that version: a client that already holds
the answer gets its 304 without the check being run again."""

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings

# Entries without a body cost little memory, but each one is a check remembered: keep a bound.
MAX_ENTRIES = 10_000


@dataclass
class Body:
    plain: bytes | None  # None: the query string was checked, no body kept yet
    _compressed: bytes | None = field(default=None, repr=False)
    counted: int = 0  # the bytes the store counts for it

    def compressed(self) -> bytes:
        """The body gzipped (once; the same bytes every time, with no file time in them)."""
        if self._compressed is None:
            self._compressed = gzip.compress(self.plain, compresslevel=6, mtime=0)
        return self._compressed

    @property
    def size(self) -> int:
        return len(self.plain or b"") + len(self._compressed or b"")


class LocalBodies:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp = ""
        self._entries: OrderedDict[str, Body] = OrderedDict()
        self._size = 0  # the sum of the entries' sizes

    def get(self, stamp: str, key: str) -> Body | None:
        with self._lock:
            if stamp != self._stamp:
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, stamp: str, key: str, body: Body) -> Body:
        with self._lock:
            if stamp != self._stamp:
                self._clear(stamp)
            old = self._entries.pop(key, None)
            body.counted = body.size
            self._size += body.counted - (old.counted if old is not None else 0)
            self._entries[key] = body
            self._trim()
        return body

    def discard(self, stamp: str, key: str) -> None:
        """Forget what is kept under `key` (a request whose answer failed after its checks)."""
        with self._lock:
            if stamp == self._stamp and (dropped := self._entries.pop(key, None)) is not None:
                self._size -= dropped.counted

    def compressed(self, key: str, body: Body) -> bytes:
        """The body gzipped, counted in the bound once it is kept."""
        if body._compressed is not None:
            return body._compressed
        compressed = body.compressed()
        with self._lock:
            if self._entries.get(key) is body and body.counted < body.size:
                body.counted += len(compressed)
                self._size += len(compressed)
                self._trim()
        return compressed

    def clear(self) -> None:
        with self._lock:
            self._clear("")

    def _clear(self, stamp: str) -> None:
        self._stamp, self._entries, self._size = stamp, OrderedDict(), 0

    def _trim(self) -> None:
        while self._entries and (self._size > settings.SCHEDULE_LOCAL_CACHE_BYTES or len(self._entries) > MAX_ENTRIES):
            _key, dropped = self._entries.popitem(last=False)
            self._size -= dropped.counted
