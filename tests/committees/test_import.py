"""Importing people and memberships from CSV or XLSX: a good file creates exactly its rows; a
file with one bad row saves nothing and names the row and the field."""

import io
from datetime import date

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from committees.models import Membership, Person
from tests.api import secretariat_of
from tests.factories import CommitteeFactory, PersonFactory

pytestmark = pytest.mark.django_db

PEOPLE = "/admin/committees/person/"
MEMBERSHIPS = "/admin/committees/membership/"
CSV, XLSX = "0", "1"

PEOPLE_CSV = (
    "full_name,position,organisation,country,email,preferred_language,timezone,receives_reminders\n"
    "Elizabeth Astete,Director of Migration,Ministry of Foreign Affairs of Chile,CL,e.astete@example.org,es,"
    "America/Santiago,1\n"
    "Rosa Quispe,Consul General,Ministry of Foreign Affairs of Peru,PE,r.quispe@example.org,es,America/Lima,1\n"
)


def _upload(client: Client, base: str, content: bytes, name: str, fmt: str):
    return client.post(f"{base}import/", {"import_file": SimpleUploadedFile(name, content), "format": fmt})


def _confirm(client: Client, base: str, trial):
    form = trial.context["confirm_form"]
    return client.post(f"{base}process_import/", {name: form.initial[name] for name in form.fields})


def _errors(trial) -> list[tuple[int, dict]]:
    result = trial.context["result"]
    rows = [(row.number, {f: [str(m) for m in ms] for f, ms in row.error_dict.items()}) for row in result.invalid_rows]
    rows += [(number, {"": [str(e.error) for e in errors]}) for number, errors in result.row_errors()]
    return rows


def test_a_good_people_file_creates_exactly_its_rows(admin_client):
    trial = _upload(admin_client, PEOPLE, PEOPLE_CSV.encode(), "people.csv", CSV)
    assert trial.status_code == 200
    assert _errors(trial) == []
    assert Person.objects.count() == 0  # the trial run saves nothing
    done = _confirm(admin_client, PEOPLE, trial)
    assert done.status_code == 302
    assert sorted(Person.objects.values_list("full_name", "country", "email", "timezone")) == [
        ("Elizabeth Astete", "CL", "e.astete@example.org", "America/Santiago"),
        ("Rosa Quispe", "PE", "r.quispe@example.org", "America/Lima"),
    ]
    # The same file again changes nothing and adds no one.
    again = _upload(admin_client, PEOPLE, PEOPLE_CSV.encode(), "people.csv", CSV)
    _confirm(admin_client, PEOPLE, again)
    assert Person.objects.count() == 2


def test_one_bad_row_saves_nothing_and_names_the_row_and_field(admin_client):
    bad = PEOPLE_CSV + "Juan Pérez,Adviser,,XX,juan@example.org,es,America/Atlantis,1\n"
    trial = _upload(admin_client, PEOPLE, bad.encode(), "people.csv", CSV)
    assert trial.status_code == 200
    assert _errors(trial) == [
        (
            3,
            {
                "country": ["Value 'XX' is not a valid choice."],
                "timezone": ["“America/Atlantis” is not an IANA time zone name such as America/Lima."],
            },
        )
    ]
    assert "confirm_form" not in trial.context
    assert Person.objects.count() == 0


def _memberships_xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["person", "committee", "role", "delegation", "start_date", "end_date"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_memberships_from_xlsx_through_the_committees_rules(admin_client):
    committee = CommitteeFactory(slug="chile-peru", country_a="CL", country_b="PE")
    PersonFactory(full_name="Alberto van Klaveren", country="CL")
    PersonFactory(full_name="Hugo de Zela", country="PE")
    good = _memberships_xlsx(
        [
            ["Alberto van Klaveren", "chile-peru", "co_chair", "CL", "2025-11-28", None],
            ["Hugo de Zela", "chile-peru", "co_chair", "PE", "2025-11-28", None],
        ]
    )
    trial = _upload(admin_client, MEMBERSHIPS, good, "members.xlsx", XLSX)
    assert _errors(trial) == []
    assert _confirm(admin_client, MEMBERSHIPS, trial).status_code == 302
    assert sorted(Membership.objects.values_list("person__full_name", "committee__slug", "role", "delegation")) == [
        ("Alberto van Klaveren", "chile-peru", "co_chair", "CL"),
        ("Hugo de Zela", "chile-peru", "co_chair", "PE"),
    ]
    PersonFactory(full_name="Second Chilean", country="CL")
    bad = _memberships_xlsx(
        [
            ["Second Chilean", "chile-peru", "co_chair", "CL", "2025-12-01", None],  # Chile has a co-chair
            ["Nobody Known", "chile-peru", "member", "CL", "2025-12-01", None],
            ["Second Chilean", "no-such-committee", "member", "CL", "2025-12-01", None],
        ]
    )
    trial = _upload(admin_client, MEMBERSHIPS, bad, "members.xlsx", XLSX)
    errors = _errors(trial)
    assert [number for number, _ in errors] == [1, 2, 3]
    assert errors == [
        (1, {"role": ["Chile already has a co-chair in that period: Alberto van Klaveren."]}),
        (2, {"person": ["No person named “Nobody Known”: import or add them first."]}),
        (3, {"committee": ["No committee “no-such-committee” whose secretariat you are."]}),
    ]
    assert Membership.objects.count() == 2
    assert committee.memberships.filter(start_date=date(2025, 12, 1)).count() == 0


def test_a_secretariat_imports_only_its_own_delegation():
    committee = CommitteeFactory(slug="chile-peru", country_a="CL", country_b="PE")
    client = Client()
    client.force_login(secretariat_of(committee, "CL"))
    trial = _upload(client, PEOPLE, PEOPLE_CSV.encode(), "people.csv", CSV)
    assert _errors(trial) == [(2, {"country": ["You can only add or change people of your own delegation."]})]
    assert Person.objects.count() == 0
    assert Client().get(f"{PEOPLE}import/").status_code == 302


def test_a_row_that_fails_at_confirmation_keeps_the_whole_file_out(admin_client):
    committee = CommitteeFactory(slug="chile-peru", country_a="CL", country_b="PE")
    PersonFactory(full_name="Alberto van Klaveren", country="CL")
    PersonFactory(full_name="Hugo de Zela", country="PE")
    rows = [
        ["Alberto van Klaveren", "chile-peru", "member", "CL", "2025-11-28", None],
        ["Hugo de Zela", "chile-peru", "co_chair", "PE", "2025-11-28", None],
    ]
    trial = _upload(admin_client, MEMBERSHIPS, _memberships_xlsx(rows), "members.xlsx", XLSX)
    assert _errors(trial) == []
    # Between the trial and the confirmation, someone else names Peru's co-chair.
    rival = PersonFactory(full_name="Elmer Schialer", country="PE")
    Membership.objects.create(
        person=rival, committee=committee, role="co_chair", delegation="PE", start_date=date(2025, 11, 1)
    )
    done = _confirm(admin_client, MEMBERSHIPS, trial)
    assert done.status_code == 409
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        "Nothing was imported: correct the rows below and upload the file again."
    ]
    assert _errors(done) == [(2, {"role": ["Peru already has a co-chair in that period: Elmer Schialer."]})]
    assert list(Membership.objects.values_list("person__full_name", flat=True)) == ["Elmer Schialer"]


def test_an_import_cannot_take_over_the_other_delegations_membership():
    committee = CommitteeFactory(slug="chile-peru", country_a="CL", country_b="PE")
    chilean = PersonFactory(full_name="Chilean Member", country="CL")
    seat = Membership.objects.create(
        person=chilean, committee=committee, role="member", delegation="CL", start_date=date(2025, 11, 28)
    )
    client = Client()
    client.force_login(secretariat_of(committee, "PE"))
    rows = [["Chilean Member", "chile-peru", "member", "PE", "2025-11-28", "2025-12-31"]]
    trial = _upload(client, MEMBERSHIPS, _memberships_xlsx(rows), "members.xlsx", XLSX)
    assert [number for number, _errors_ in _errors(trial)] == [1]
    assert "confirm_form" not in trial.context
    seat.refresh_from_db()
    assert (seat.delegation.code, seat.end_date) == ("CL", None)


def _page_errors(trial) -> list[str]:
    return [str(error.error) for error in trial.context["result"].base_errors]


def test_a_file_with_wrong_columns_is_refused_with_the_columns_expected_and_no_traceback():
    user = secretariat_of(CommitteeFactory(slug="chile-peru"), "CL")
    client = Client()
    client.force_login(user)
    trial = _upload(client, PEOPLE, b"name,land,emial\nAna,CL,ana@example.org\n", "people.csv", CSV)
    assert trial.status_code == 200
    assert _page_errors(trial) == [
        "The file's first row must name its columns, from: full_name, position, organisation, country, email, "
        "preferred_language, timezone, receives_reminders. Missing: full_name, country. Unknown: name, land, emial."
    ]
    assert (_errors(trial), "confirm_form" in trial.context) == ([], False)
    html = trial.content.decode()
    assert ("Traceback" in html, "site-packages" in html, ".py" in html) == (False, False, False)
    wrong = b"person,committee,role,delegation,start_date,seat\nAna,chile-peru,member,CL,2026-01-05,1\n"
    trial = _upload(client, MEMBERSHIPS, wrong, "m.csv", CSV)
    assert _page_errors(trial) == [
        "The file's first row must name its columns, from: person, committee, role, delegation, start_date, "
        "end_date. Unknown: seat."
    ]
    assert (Person.objects.count(), Membership.objects.count()) == (0, 0)


def test_a_forged_confirmation_cannot_name_another_file():
    """The confirmation names the upload it confirms: any name but an upload's is refused, and
    the file it names is neither read nor removed."""
    import tempfile
    from pathlib import Path

    user = secretariat_of(CommitteeFactory(slug="chile-peru"), "CL")
    client = Client()
    client.force_login(user)
    secret = Path(tempfile.gettempdir()) / "not-an-upload.txt"
    secret.write_text("full_name,country\nTOP SECRET,CL\n")
    try:
        for name in (secret.name, str(secret), "../secret_key", "0" * 31, "0" * 32):
            response = client.post(
                f"{PEOPLE}process_import/",
                {"import_file_name": name, "original_file_name": "people.csv", "format": CSV, "resource": "0"},
            )
            assert (response.status_code, "TOP SECRET" in response.content.decode()) == (400, False), name
        assert secret.read_text() == "full_name,country\nTOP SECRET,CL\n"
    finally:
        secret.unlink()
    # A real upload is still confirmed, once.
    trial = _upload(client, PEOPLE, PEOPLE_CSV.encode().split(b"Rosa")[0], "people.csv", CSV)
    assert _confirm(client, PEOPLE, trial).status_code == 302
    assert list(Person.objects.values_list("full_name", flat=True)) == ["Elizabeth Astete"]
    assert _confirm(client, PEOPLE, trial).status_code == 400  # the upload is gone once imported
