from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from committees.choices import Role
from committees.models import Committee, Membership, Person
from tests.admin_forms import committee_form
from tests.admin_forms import formset as inline_rows
from tests.factories import CommitteeFactory, MembershipFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _form_errors(response) -> dict:
    return {field: list(messages) for field, messages in response.context["adminform"].form.errors.items()}


def test_add_committee_with_co_chairs(admin_client):
    chile, peru = PersonFactory(), PersonFactory(country="PE")
    response = admin_client.post(
        "/admin/committees/committee/add/",
        committee_form(
            [
                {"person": str(chile.pk), "role": "co_chair", "delegation": "CL", "start_date": "2025-11-28"},
                {"person": str(peru.pk), "role": "co_chair", "delegation": "PE", "start_date": "2025-11-28"},
            ]
        ),
    )
    assert response.status_code == 302, _form_errors(response)
    committee = Committee.objects.get()
    assert committee.reminder_offsets == [10080, 1440, 60]
    assert set(committee.memberships.values_list("person", "role", "delegation")) == {
        (chile.pk, "co_chair", "CL"),
        (peru.pk, "co_chair", "PE"),
    }


def test_two_co_chairs_for_one_delegation_saves_nothing(admin_client):
    first, second = PersonFactory(full_name="First"), PersonFactory(full_name="Second")
    response = admin_client.post(
        "/admin/committees/committee/add/",
        committee_form(
            [
                {"person": str(first.pk), "role": "co_chair", "delegation": "CL", "start_date": "2025-11-28"},
                {"person": str(second.pk), "role": "co_chair", "delegation": "CL", "start_date": "2026-01-01"},
            ]
        ),
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.errors for form in formset.forms] == [
        {"role": ["Chile already has a co-chair in that period: Second."]},
        {"role": ["Chile already has a co-chair in that period: First."]},
    ]
    assert (Committee.objects.count(), Membership.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"reminder_offsets": "7 days"},
            {"reminder_offsets": ["“7 days” is not an offset; write a number and d, h or m, e.g. 7d, 24h, 1h, 30m."]},
        ),
        (
            {"reminder_offsets": "90d"},
            {"reminder_offsets": ["Each offset must be between one minute and sixty days before the session."]},
        ),
        ({"country_b": "CL"}, {"__all__": ["The two member countries must differ."]}),
        ({"name_en": "A\nB"}, {"name_en": ["Must be a single line without control characters (found '\\n')."]}),
        (
            {"default_timezone": "Lima"},
            {"default_timezone": ["Select a valid choice. Lima is not one of the available choices."]},
        ),
    ],
)
def test_bad_committee_input_is_a_form_error(admin_client, overrides, expected):
    response = admin_client.post("/admin/committees/committee/add/", committee_form(**overrides))
    assert response.status_code == 200
    assert _form_errors(response) == expected
    assert Committee.objects.count() == 0


def test_reminder_offsets_shown_as_typed(admin_client):
    committee = CommitteeFactory(reminder_offsets=[10080, 1440, 90])
    page = admin_client.get(f"/admin/committees/committee/{committee.pk}/change/").content.decode()
    assert 'name="reminder_offsets" value="7d, 24h, 90m"' in page


def test_person_membership_outside_the_committee_countries_is_refused(admin_client):
    committee = CommitteeFactory()
    data = {
        "full_name": "Observer",
        "position": "",
        "organisation": "",
        "country": "BO",
        "email": "",
        "preferred_language": "en",
        "timezone": "America/La_Paz",
    }
    data.update(
        inline_rows(
            "memberships",
            [
                {"committee": str(committee.pk), "role": "member", "delegation": "BO", "start_date": "2026-01-01"},
            ],
        )
    )
    response = admin_client.post("/admin/committees/person/add/", data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors == {
        "delegation": ["The delegation must be one of the committee's countries (CL / PE)."]
    }
    assert Person.objects.count() == 0
    data["memberships-0-role"] = "observer"
    assert admin_client.post("/admin/committees/person/add/", data).status_code == 302
    assert list(Membership.objects.values_list("person__full_name", "role", "delegation")) == [
        ("Observer", "observer", "BO")
    ]


def test_membership_form_checks_co_chair_rule(admin_client):
    existing = MembershipFactory(role=Role.CO_CHAIR, person__full_name="Alberto van Klaveren")
    response = admin_client.post(
        "/admin/committees/membership/add/",
        {
            "person": str(PersonFactory().pk),
            "committee": str(existing.committee_id),
            "role": "co_chair",
            "delegation": "CL",
            "start_date": "2026-01-01",
            "end_date": "",
        },
    )
    assert _form_errors(response) == {"role": ["Chile already has a co-chair in that period: Alberto van Klaveren."]}
    assert Membership.objects.count() == 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/admin/committees/committee/", "/admin/committees/person/", "/admin/committees/membership/"]
)
def test_changelists_queries_do_not_grow_with_rows(admin_client, url):
    MembershipFactory()
    one = _queries(admin_client, url)
    for _ in range(10):
        membership = MembershipFactory(committee=CommitteeFactory())
        SessionFactory(committee=membership.committee)
    assert _queries(admin_client, url) == one


def test_committee_list_counts(admin_client):
    committee = CommitteeFactory()
    MembershipFactory(committee=committee)
    MembershipFactory(committee=committee, end_date=date(2025, 12, 31))
    SessionFactory.create_batch(2, committee=committee)
    response = admin_client.get("/admin/committees/committee/")
    row = response.context["cl"].result_list[0]
    assert (row.active_member_count, row.session_count) == (1, 2)


def test_hand_over_the_chair_in_one_save(admin_client):
    committee = CommitteeFactory()
    old = MembershipFactory(committee=committee, role=Role.CO_CHAIR, delegation="CL")
    successor = PersonFactory()
    data = committee_form(slug=committee.slug)
    data.update(
        inline_rows(
            "memberships",
            [
                {
                    "id": str(old.pk),
                    "committee": str(committee.pk),
                    "person": str(old.person_id),
                    "role": "co_chair",
                    "delegation": "CL",
                    "start_date": "2025-11-28",
                    "end_date": "2026-03-10",
                },
                {
                    "committee": str(committee.pk),
                    "person": str(successor.pk),
                    "role": "co_chair",
                    "delegation": "CL",
                    "start_date": "2026-03-11",
                    "end_date": "",
                },
            ],
            initial=1,
        )
    )
    response = admin_client.post(f"/admin/committees/committee/{committee.pk}/change/", data)
    assert response.status_code == 302, response.context and _form_errors(response)
    assert set(Membership.objects.values_list("person", "start_date", "end_date")) == {
        (old.person_id, date(2025, 11, 28), date(2026, 3, 10)),
        (successor.pk, date(2026, 3, 11), None),
    }
