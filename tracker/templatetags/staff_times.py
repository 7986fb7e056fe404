"""`{{ instant|staff_time }}`: an instant on the staff clock with its zone named, as the admin's
columns show it (tracker.timezones.format_for_staff)."""

from datetime import datetime

from django import template

from tracker.timezones import format_for_staff

register = template.Library()


@register.filter
def staff_time(value: datetime | None) -> str:
    return "" if value is None else format_for_staff(value)
