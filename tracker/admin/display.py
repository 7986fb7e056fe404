"""How the staff site shows instants: always on a named clock, never cut inside a reading."""

import re

from django.contrib import admin
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from tracker.timezones import format_for_staff

# One clock's reading, `2026-11-30 10:00 UTC-05:00`, as tracker.timezones writes it.
_READING = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC[+-]\d{2}:\d{2}")


def clock_readings_cell(text: str) -> SafeString:
    """A text of clock readings for an admin cell, each reading kept on one line (a narrow column
    then breaks between the readings and the zone names, never inside a date or a time)."""
    pieces, start = [], 0
    for match in _READING.finditer(text):
        pieces += [("{}", text[start : match.start()]), ('<span class="nowrap">{}</span>', match.group())]
        start = match.end()
    pieces.append(("{}", text[start:]))
    return format_html_join("", "{}", ((format_html(template, piece),) for template, piece in pieces))


def instant_display(field: str, *, description, with_capitals: bool = False):
    """A column or read-only field for an admin: the model's instant `field` on the staff clock,
    its zone named (format_for_staff), sorted by the field; the admin's dash when empty.
    Assign it under a name that is not the field's own (Django would show the field instead)."""

    @admin.display(description=description, ordering=field)
    def display(model_admin, obj) -> str:
        value = getattr(obj, field)
        if value is None:
            return model_admin.get_empty_value_display()
        return clock_readings_cell(format_for_staff(value, with_capitals=with_capitals))

    return display


def zoned_admin(admin_class: type[admin.ModelAdmin], model: type[models.Model]) -> type[admin.ModelAdmin]:
    """`admin_class` (another package's) with each of `model`'s datetimes that it shows read-only
    or in its list shown through `instant_display`, so every time on the staff site names its zone."""
    instants = {
        field.name: field.verbose_name
        for field in model._meta.get_fields()
        if isinstance(field, models.DateTimeField) and (not field.editable or field.name in admin_class.readonly_fields)
    }
    listed = {name for name in instants if name in admin_class.list_display}

    def swap(names, among) -> list:
        return [f"{name}_zoned" if name in among else name for name in names]

    class Zoned(admin_class):
        list_display = swap(admin_class.list_display, listed)
        readonly_fields = swap(admin_class.readonly_fields, instants)

        def get_fieldsets(self, request, obj=None):
            return [
                (title, {**options, "fields": swap(options["fields"], instants)})
                for title, options in super().get_fieldsets(request, obj)
            ]

    for name, label in instants.items():
        setattr(Zoned, f"{name}_zoned", instant_display(name, description=label))
    Zoned.__name__ = Zoned.__qualname__ = admin_class.__name__
    return Zoned
