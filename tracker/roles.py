"""The roles staff and API clients are given, as Django groups.

A group carries model permissions (what kind of record a person may view, add, change or
delete); which committee and which delegation they act for is a `committees.StaffAssignment`.
The groups and their permissions are created by a data migration."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from tracker.request_cache import per_user

ADMINISTRATOR = "Administrator"
SECRETARIAT = "Committee secretariat"
READER = "Reader"

# The request's answer of `is_administrator`, under this key of `tracker.request_cache`;
# `committees.access.access_for` reads the role with the assignments and keeps it here too.
IS_ADMINISTRATOR_KEY = "is_administrator"


def is_administrator(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Superusers and the Administrator group see and manage every committee and the audit trail."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return per_user(user, IS_ADMINISTRATOR_KEY, lambda: user.groups.filter(name=ADMINISTRATOR).exists())
