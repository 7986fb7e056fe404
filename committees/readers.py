"""Who an API request or a calendar address acts for, read in one round trip: the credential (an
API token or a calendar address), its user, the user's role and committees, and the schedule
version the answer will be made for.

This runs on every API request and every calendar fetch, and it is read afresh each time, so a
revoked or expired token, a user made inactive or a changed assignment counts from the next
request on, in every process. It is plain SQL: the ORM would spend longer building the query than
the database answering it. The values are converted as the ORM converts them, so the token and
user objects are the ones a query through the models would give."""

from collections.abc import Callable, Sequence
from functools import cache
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model
from django.db.models.expressions import Col
from django.utils import timezone

from committees.access import ACCESS_KEY, GRANTS_PARAMETERS, GRANTS_SQL, access_from_grants
from tracker import schedule
from tracker.language import PREFERRED_LANGUAGE_KEY
from tracker.models import ApiToken, CalendarFeed, UserPreferences
from tracker.request_cache import per_user
from tracker.tokens import api_token_accepted, calendar_feed_accepted, token_parts

M = TypeVar("M", bound=Model)


@cache
def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[Col, tuple[Callable, ...]], ...]:
    """For each concrete field of `model`, what the ORM applies to the value the driver hands back."""
    converters = []
    for field in model._meta.concrete_fields:
        column = Col(model._meta.db_table, field)
        converters.append(
            (column, tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
        )
    return tuple(converters)


def _columns(model: type[Model], alias: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def _instance(model: type[M], values: Sequence) -> M:
    converted = []
    for value, (column, converters) in zip(values, _converters(model, connection.vendor), strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, _attnames(model), converted)


@cache
def _sql(credential: type[Model], condition: str) -> str:
    user = get_user_model()
    return (
        f"SELECT {_columns(credential, 'credential')}, {_columns(user, 'person')}, "  # noqa: S608 - names from the models
        f"grants.committee_id, grants.delegation, preferences.language, {schedule.COLUMNS} "
        f"FROM {credential._meta.db_table} AS credential "
        f"JOIN {user._meta.db_table} AS person ON person.id = credential.user_id "
        f"LEFT JOIN ({GRANTS_SQL}) AS grants ON grants.user_id = person.id "
        f"LEFT JOIN {UserPreferences._meta.db_table} AS preferences ON preferences.user_id = person.id "
        f"LEFT JOIN {schedule.TABLE} AS version ON version.id = 1 "
        f"WHERE credential.key_id = %s AND credential.revoked_at IS NULL{condition}"
    )


def _read(credential: type[M], key_id: str, condition: str = "", parameters: Sequence = ()) -> M | None:
    """The credential with this key id (matching `condition`), its user with their access, their
    language and the schedule version kept for the request (tracker.request_cache), or None."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(credential, condition), [*GRANTS_PARAMETERS, key_id, *parameters])
        rows = cursor.fetchall()
    if not rows:
        return None
    width = len(credential._meta.concrete_fields)
    user_width = len(get_user_model()._meta.concrete_fields)
    found = _instance(credential, rows[0][:width])
    user = _instance(get_user_model(), rows[0][width : width + user_width])
    found.user = user
    grants = [row[width + user_width : width + user_width + 2] for row in rows]
    access = access_from_grants(user, grants)
    per_user(user, ACCESS_KEY, lambda: access)
    language = rows[0][-3] or ""
    per_user(user, PREFERRED_LANGUAGE_KEY, lambda: language)
    version = schedule.schedule_version_from(*rows[0][-2:])
    per_user(user, schedule.SCHEDULE_VERSION_KEY, lambda: version)
    return found


def api_token_read(token: str) -> ApiToken | None:
    """The live token (not revoked, not expired, its user active) this string is, or None."""
    parts = token_parts(token)
    if parts is None:
        return None
    now = timezone.now()
    found = _read(
        ApiToken, parts[0], " AND credential.expires_at > %s", [connection.ops.adapt_datetimefield_value(now)]
    )
    return api_token_accepted(found=found, token=token, now=now)


def calendar_feed_read(token: str) -> CalendarFeed | None:
    """The calendar address (not revoked, its user active) this string is, or None."""
    parts = token_parts(token)
    if parts is None:
        return None
    return calendar_feed_accepted(found=_read(CalendarFeed, parts[0]), token=token)
