"""Zones are entered by their region's canonical IANA name (or UTC) in the admin, the API, the
people import and the models; an old alias is refused with the name to use instead."""

import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from committees.models import Committee, Person
from meetings.models import Session
from tests.admin_forms import empty_inlines
from tests.api import editor
from tests.factories import CommitteeFactory, PersonFactory
from tracker.api.fields import TIMEZONE_NAME_PATTERN
from tracker.timezones import timezone_canonical_name, timezone_is_legacy, timezone_names
from tracker.validators import validate_timezone_name

OLD_NAME = "“{value}” is an old name for the time zone {canonical}; enter {canonical}."
NOT_A_PLACE = "“{value}” is not the time zone of a place; enter a region such as America/Lima, or UTC."
UNKNOWN = "“{value}” is not an IANA time zone name such as America/Lima."

# Names every build of the time-zone database has, with what each becomes.
CANONICAL = {
    "America/Lima": "America/Lima",
    "America/Santiago": "America/Santiago",
    "America/New_York": "America/New_York",
    "America/Argentina/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Europe/Kyiv": "Europe/Kyiv",
    "Asia/Kolkata": "Asia/Kolkata",
    "UTC": "UTC",
}
ALIASES = {
    "US/Eastern": "America/New_York",
    "Chile/Continental": "America/Santiago",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Europe/Kiev": "Europe/Kyiv",
    "Asia/Calcutta": "Asia/Kolkata",
    "Etc/UTC": "UTC",
    "Etc/GMT": "UTC",
    "GMT0": "UTC",
    "GMT+0": "UTC",
    "Zulu": "UTC",
}
NO_PLACE = ("Etc/GMT+5", "Etc/GMT-14", "Factory", "localtime")
UNKNOWN_NAMES = ("Mars/Olympus", "america/lima", "America/Lima ", "", "Lima")


def _error(value: str) -> tuple[str, str] | None:
    try:
        validate_timezone_name(value)
    except ValidationError as exc:
        return exc.code, exc.messages[0]
    return None


def test_offered_names_are_the_regions_and_utc():
    names = timezone_names()
    probes = {*CANONICAL, *ALIASES, *NO_PLACE, *UNKNOWN_NAMES}
    assert {name for name in probes if name in names} == set(CANONICAL)
    assert list(names) == sorted(set(names))
    assert [name for name in names if not re.fullmatch(TIMEZONE_NAME_PATTERN, name)] == []
    assert [name for name in names if zoneinfo.ZoneInfo(name).key != name] == []


def test_every_zoneinfo_name_is_offered_legacy_or_unknown():
    """Each name zoneinfo loads is offered, or is refused naming an offered zone or none."""
    names = set(timezone_names())
    stray = {
        name
        for name in zoneinfo.available_timezones()
        if name not in names and (not timezone_is_legacy(name) or timezone_canonical_name(name) not in names | {None})
    }
    assert stray == set()


def test_canonical_name_of_each_kind():
    probes = {**CANONICAL, **ALIASES, **dict.fromkeys(NO_PLACE), **dict.fromkeys(UNKNOWN_NAMES)}
    assert {name: timezone_canonical_name(name) for name in probes} == probes


def test_validator_accepts_regions_and_names_the_zone_for_an_alias():
    assert {name: _error(name) for name in [*CANONICAL, *ALIASES, *NO_PLACE, *UNKNOWN_NAMES]} == {
        **dict.fromkeys(CANONICAL),
        **{
            alias: ("legacy_timezone", OLD_NAME.format(value=alias, canonical=canonical))
            for alias, canonical in ALIASES.items()
        },
        **{name: ("legacy_timezone", NOT_A_PLACE.format(value=name)) for name in NO_PLACE},
        **{name: ("invalid_timezone", UNKNOWN.format(value=name)) for name in UNKNOWN_NAMES},
    }


def test_the_refusal_is_translated():
    with translation.override("es"):
        assert (_error("US/Eastern"), _error("localtime")) == (
            (
                "legacy_timezone",
                "“US/Eastern” es un nombre antiguo de la zona horaria America/New_York; escriba America/New_York.",
            ),
            (
                "legacy_timezone",
                "“localtime” no es la zona horaria de un lugar; escriba una región como America/Lima, o UTC.",
            ),
        )


# The API ------------------------------------------------------------------------------------


def _session(committee, zone: str) -> dict:
    return {
        "committee": committee.slug,
        "title": "Second session",
        "starts_at": "2030-12-07T10:00:00-03:00",
        "ends_at": "2030-12-07T12:00:00-03:00",
        "timezone": zone,
        "venue": "Santiago",
        "host_country": "CL",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "errors"),
    [
        ("US/Eastern", {"timezone": [OLD_NAME.format(value="US/Eastern", canonical="America/New_York")]}),
        ("GMT0", {"timezone": [OLD_NAME.format(value="GMT0", canonical="UTC")]}),
        ("Etc/UTC", {"timezone": [OLD_NAME.format(value="Etc/UTC", canonical="UTC")]}),
        ("localtime", {"timezone": [NOT_A_PLACE.format(value="localtime")]}),
        ("Factory", {"timezone": [NOT_A_PLACE.format(value="Factory")]}),
        ("Mars/Olympus", {"timezone": [UNKNOWN.format(value="Mars/Olympus")]}),
        (" America/Lima", {"timezone": [UNKNOWN.format(value=" America/Lima")]}),
        ("A" * 65, {"timezone": ["Ensure this field has no more than 64 characters."]}),
    ],
)
def test_api_refuses_other_names_than_regions(zone, errors):
    committee = CommitteeFactory()
    client = editor()
    response = client.post("/api/v1/sessions/", _session(committee, zone), format="json")
    assert (response.status_code, response.json(), Session.objects.count()) == (400, errors, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "America/Lima", "America/Argentina/Buenos_Aires"])
def test_api_takes_regions_and_utc(zone):
    committee = CommitteeFactory()
    response = editor().post("/api/v1/sessions/", _session(committee, zone), format="json")
    assert (response.status_code, response.json()["timezone"]) == (201, zone)
    assert list(Session.objects.values_list("timezone", flat=True)) == [zone]


@pytest.mark.django_db
def test_api_patch_refuses_an_alias_and_keeps_the_zone():
    committee = CommitteeFactory()
    client = editor()
    created = client.post("/api/v1/sessions/", _session(committee, "America/Santiago"), format="json").json()
    response = client.patch(f"/api/v1/sessions/{created['id']}/", {"timezone": "Chile/Continental"}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"timezone": [OLD_NAME.format(value="Chile/Continental", canonical="America/Santiago")]},
    )
    assert list(Session.objects.values_list("timezone", flat=True)) == ["America/Santiago"]


# The admin ----------------------------------------------------------------------------------


class _SelectedOptions(HTMLParser):
    """The options of one <select> and which are selected."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.inside, self.options, self.selected = name, False, [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "select":
            self.inside = attributes.get("name") == self.name
        elif tag == "option" and self.inside:
            self.options.append(attributes["value"])
            if "selected" in attributes:
                self.selected.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.inside = False


def _zone_select(page: str, name: str) -> _SelectedOptions:
    parser = _SelectedOptions(name)
    parser.feed(page)
    return parser


def _person_post(**overrides) -> dict:
    return {
        "full_name": "Observer",
        "position": "",
        "organisation": "",
        "country": "CL",
        "email": "",
        "preferred_language": "en",
        "timezone": "America/Santiago",
        **empty_inlines("memberships"),
        **overrides,
    }


def _form_errors(response) -> dict:
    return {field: list(messages) for field, messages in response.context["adminform"].form.errors.items()}


@pytest.mark.django_db
def test_admin_offers_only_regions(admin_client):
    page = admin_client.get("/admin/committees/person/add/").content.decode()
    select = _zone_select(page, "timezone")
    assert (select.options, select.selected) == (list(timezone_names()), ["America/Lima"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "errors"),
    [
        ("US/Eastern", {"timezone": [OLD_NAME.format(value="US/Eastern", canonical="America/New_York")]}),
        ("localtime", {"timezone": [NOT_A_PLACE.format(value="localtime")]}),
        ("Mars/Olympus", {"timezone": ["Select a valid choice. Mars/Olympus is not one of the available choices."]}),
    ],
)
def test_admin_refuses_an_alias_naming_the_zone(admin_client, zone, errors):
    response = admin_client.post("/admin/committees/person/add/", _person_post(timezone=zone))
    assert (response.status_code, _form_errors(response), Person.objects.count()) == (200, errors, 0)


@pytest.mark.django_db
def test_admin_committee_default_zone_refuses_an_alias(admin_client):
    data = {
        "name_es": "Comité Binacional",
        "name_en": "Binational Committee",
        "slug": "binational",
        "description": "",
        "country_a": "CL",
        "country_b": "PE",
        "default_timezone": "Asia/Calcutta",
        "reminder_offsets": "7d, 24h, 1h",
        "secretariat_email": "",
        **empty_inlines("memberships"),
    }
    response = admin_client.post("/admin/committees/committee/add/", data)
    assert (_form_errors(response), Committee.objects.count()) == (
        {"default_timezone": [OLD_NAME.format(value="Asia/Calcutta", canonical="Asia/Kolkata")]},
        0,
    )
    assert (
        admin_client.post("/admin/committees/committee/add/", {**data, "default_timezone": "Asia/Kolkata"}).status_code
        == 302
    )
    assert list(Committee.objects.values_list("default_timezone", flat=True)) == ["Asia/Kolkata"]


@pytest.mark.django_db
def test_a_stored_alias_stays_visible_until_staff_choose_a_region(admin_client):
    """Saving the form as shown never swaps the stored zone for the first one listed."""
    person = PersonFactory(timezone="US/Eastern")
    url = f"/admin/committees/person/{person.pk}/change/"
    select = _zone_select(admin_client.get(url).content.decode(), "timezone")
    assert (select.options[:2], select.selected, select.options.count("US/Eastern")) == (
        ["US/Eastern", "Africa/Abidjan"],
        ["US/Eastern"],
        1,
    )
    data = _person_post(full_name=person.full_name, country=person.country, timezone="US/Eastern")
    response = admin_client.post(url, data)
    assert _form_errors(response) == {"timezone": [OLD_NAME.format(value="US/Eastern", canonical="America/New_York")]}
    assert admin_client.post(url, {**data, "timezone": "America/New_York"}).status_code == 302
    person.refresh_from_db()
    assert person.timezone == "America/New_York"


# The people import --------------------------------------------------------------------------

PEOPLE_CSV = (
    "full_name,position,organisation,country,email,preferred_language,timezone,receives_reminders\n"
    "Rosa Quispe,Consul General,Ministry of Foreign Affairs of Peru,PE,r.quispe@example.org,es,America/Lima,1\n"
    "Ana Pérez,Adviser,,CL,ana@example.org,es,Chile/Continental,1\n"
    "Juan Soto,Adviser,,CL,juan@example.org,es,localtime,1\n"
)


@pytest.mark.django_db
def test_import_refuses_an_alias_naming_the_zone(admin_client):
    trial = admin_client.post(
        "/admin/committees/person/import/",
        {"import_file": SimpleUploadedFile("people.csv", PEOPLE_CSV.encode()), "format": "0"},
    )
    result = trial.context["result"]
    rows = [(row.number, {f: [str(m) for m in ms] for f, ms in row.error_dict.items()}) for row in result.invalid_rows]
    assert rows == [
        (2, {"timezone": [OLD_NAME.format(value="Chile/Continental", canonical="America/Santiago")]}),
        (3, {"timezone": [NOT_A_PLACE.format(value="localtime")]}),
    ]
    assert ("confirm_form" in trial.context, Person.objects.count()) == (False, 0)
