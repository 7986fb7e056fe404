from datetime import date

import pytest
from django.db import IntegrityError, transaction

from committees.choices import Role
from committees.models import Committee
from tests.conftest import postgresql_only
from tests.factories import CommitteeFactory, MembershipFactory, PersonFactory
from tracker.constraints import violated_constraint

pytestmark = pytest.mark.django_db


def _violation(create) -> str:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    return violated_constraint(caught.value)


def test_committee_countries_must_differ():
    assert _violation(lambda: CommitteeFactory(country_a="CL", country_b="CL")) == "committee_two_distinct_countries"


def test_committee_slug_unique():
    CommitteeFactory(slug="one")
    assert _violation(lambda: CommitteeFactory(slug="one")) in {
        "committees_committee_slug_key",
        "committees_committee.slug",
    }


def test_membership_cannot_end_before_start():
    assert (
        _violation(lambda: MembershipFactory(start_date=date(2025, 12, 1), end_date=date(2025, 11, 30)))
        == "membership_ends_after_start"
    )


def test_one_open_co_chair_per_delegation():
    committee = CommitteeFactory()
    MembershipFactory(committee=committee, role=Role.CO_CHAIR, delegation="CL")
    MembershipFactory(committee=committee, role=Role.CO_CHAIR, delegation="PE")
    violation = _violation(lambda: MembershipFactory(committee=committee, role=Role.CO_CHAIR, delegation="CL"))
    # SQLite names the columns of a partial unique index; PostgreSQL names the constraint.
    assert violation in {
        "membership_one_open_co_chair_per_delegation",
        "committees_membership.committee_id, committees_membership.delegation",
    }


def test_co_chairs_one_after_another_are_allowed():
    committee = CommitteeFactory()
    MembershipFactory(committee=committee, role=Role.CO_CHAIR, start_date=date(2025, 1, 1), end_date=date(2025, 6, 30))
    MembershipFactory(committee=committee, role=Role.CO_CHAIR, start_date=date(2025, 7, 1))
    assert Committee.objects.get().memberships.filter(role=Role.CO_CHAIR).count() == 2


@postgresql_only
def test_overlapping_co_chair_periods_refused_by_postgresql():
    committee = CommitteeFactory()
    MembershipFactory(committee=committee, role=Role.CO_CHAIR, start_date=date(2025, 1, 1), end_date=date(2025, 6, 30))
    violation = _violation(
        lambda: MembershipFactory(
            committee=committee, role=Role.CO_CHAIR, start_date=date(2025, 6, 30), end_date=date(2025, 12, 31)
        )
    )
    assert violation == "membership_co_chair_periods_disjoint"


@postgresql_only
def test_overlapping_memberships_of_one_person_refused_by_postgresql():
    committee, person = CommitteeFactory(), PersonFactory()
    MembershipFactory(committee=committee, person=person, start_date=date(2025, 1, 1), end_date=date(2025, 6, 30))
    violation = _violation(
        lambda: MembershipFactory(
            committee=committee,
            person=person,
            role=Role.ADVISER,
            start_date=date(2025, 3, 1),
            end_date=date(2025, 4, 1),
        )
    )
    assert violation == "membership_person_periods_disjoint"


def test_person_language_must_be_known():
    assert _violation(lambda: PersonFactory(preferred_language="fr")) == "person_language_known"
