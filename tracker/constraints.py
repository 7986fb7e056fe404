"""Turning database constraint violations into the validation errors people read."""

import re

from django.db import IntegrityError

_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w., ]+)")


def violated_constraint(exc: IntegrityError) -> str:
    """The name of the constraint (PostgreSQL, SQLite CHECK) or the column list (SQLite UNIQUE)
    that an IntegrityError reports; empty when the database does not say."""
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    text = str(exc)
    if match := _SQLITE_CHECK.search(text):
        return match.group(1)
    if match := _SQLITE_UNIQUE.search(text):
        return match.group(1)
    return ""
