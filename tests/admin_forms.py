"""Helpers for posting admin pages with inlines, as a browser does."""


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    """The management form and rows of one inline formset."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def empty_inlines(*prefixes: str) -> dict:
    return {key: value for prefix in prefixes for key, value in formset(prefix, []).items()}


def person_form(person, **changes) -> dict:
    """The admin's person page as a browser posts it, with no membership rows, and `changes`."""
    return {
        "full_name": person.full_name,
        "position": person.position,
        "organisation": person.organisation,
        "country": person.country.code,
        "email": person.email,
        "preferred_language": person.preferred_language,
        "timezone": person.timezone,
        "receives_reminders": "on",
        **empty_inlines("memberships"),
        **changes,
    }


def committee_form(memberships=(), **overrides) -> dict:
    """The admin's committee page as a browser posts it, with `memberships` rows, and `overrides`."""
    data = {
        "name_es": "Comité Binacional",
        "name_en": "Binational Committee",
        "slug": "binational",
        "description": "",
        "country_a": "CL",
        "country_b": "PE",
        "default_timezone": "America/Lima",
        "reminder_offsets": "7d, 24h, 1h",
        "secretariat_email": "secretariat@committee.example",
        **overrides,
    }
    data.update(formset("memberships", list(memberships)))
    return data
