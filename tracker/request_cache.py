"""What is read once a request about the person making it, kept on their user object.

The session and the API's token authentication load the user afresh for every request, so a
value kept on that object lives as long as the request. Every such value is in one public
dictionary, `user.tracker_cache`, under a key that names what it holds: one documented place
instead of private attributes that one module writes and another reads. A write in the request
that changes what a value was computed from is not seen by it."""

from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")

ATTRIBUTE = "tracker_cache"


def per_user(user: object, key: str, compute: Callable[[], T]) -> T:
    """The value kept under `key` for `user`, computed by `compute()` and kept on first use.
    A value found while computing another may be kept by passing a function that returns it."""
    kept: dict[str, object] | None = getattr(user, ATTRIBUTE, None)
    if kept is None:
        kept = {}
        setattr(user, ATTRIBUTE, kept)
    if key not in kept:
        kept[key] = compute()
    return cast(T, kept[key])
