"""The roles staff and API clients are given, as Django groups.

A group carries model permissions (what kind of record a person may view, add, change or
delete); which committee and which delegation they act for is a `committees.StaffAssignment`.
The groups and their permissions are created by a data migration."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

ADMINISTRATOR = "Administrator"
SECRETARIAT = "Committee secretariat"
READER = "Reader"


def is_administrator(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Superusers and the Administrator group see and manage every committee and the audit trail."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_administrator", None)
    if cached is None:
        cached = user.groups.filter(name=ADMINISTRATOR).exists()
        user._is_administrator = cached
    return cached
