from datetime import date

import pytest
from django.core.exceptions import ValidationError

from committees.choices import Role
from committees.models import Membership
from committees.services import membership_conflicts, membership_create, membership_save
from tests.factories import CommitteeFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_membership_create_saves_a_valid_membership():
    committee, person = CommitteeFactory(), PersonFactory()
    membership = membership_create(
        person=person, committee=committee, role=Role.CO_CHAIR, delegation="PE", start_date=date(2025, 11, 28)
    )
    assert list(Membership.objects.values_list("pk", "role", "delegation", "end_date")) == [
        (membership.pk, "co_chair", "PE", None)
    ]


def test_second_co_chair_of_a_delegation_is_refused():
    committee = CommitteeFactory()
    chair = MembershipFactory(
        committee=committee, role=Role.CO_CHAIR, delegation="CL", person__full_name="Alberto van Klaveren"
    )
    with pytest.raises(ValidationError) as caught:
        membership_create(
            person=PersonFactory(),
            committee=committee,
            role=Role.CO_CHAIR,
            delegation="CL",
            start_date=date(2026, 1, 1),
        )
    assert caught.value.message_dict == {"role": ["Chile already has a co-chair in that period: Alberto van Klaveren."]}
    assert list(Membership.objects.all()) == [chair]


def test_new_co_chair_after_the_old_one_ends():
    committee = CommitteeFactory()
    old = MembershipFactory(committee=committee, role=Role.CO_CHAIR, delegation="CL")
    old.end_date = date(2026, 3, 10)
    membership_save(membership=old)
    new = membership_create(
        person=PersonFactory(), committee=committee, role=Role.CO_CHAIR, delegation="CL", start_date=date(2026, 3, 11)
    )
    assert set(Membership.objects.filter(role=Role.CO_CHAIR)) == {old, new}


def test_delegation_must_be_a_member_country_except_for_observers():
    committee = CommitteeFactory(country_a="CL", country_b="PE")
    with pytest.raises(ValidationError) as caught:
        membership_create(
            person=PersonFactory(), committee=committee, role=Role.MEMBER, delegation="BO", start_date=date(2026, 1, 1)
        )
    assert caught.value.message_dict == {
        "delegation": ["The delegation must be one of the committee's countries (CL / PE)."]
    }
    observer = membership_create(
        person=PersonFactory(), committee=committee, role=Role.OBSERVER, delegation="BO", start_date=date(2026, 1, 1)
    )
    assert list(Membership.objects.all()) == [observer]


def test_person_cannot_hold_two_memberships_at_once():
    membership = MembershipFactory(role=Role.MEMBER)
    with pytest.raises(ValidationError) as caught:
        membership_create(
            person=membership.person,
            committee=membership.committee,
            role=Role.ADVISER,
            delegation="CL",
            start_date=date(2026, 1, 1),
        )
    assert caught.value.message_dict == {
        "start_date": ["This person is already a member of this committee in that period."]
    }


def test_conflicts_among_unsaved_candidates_and_removed_rows():
    committee = CommitteeFactory()
    stored = MembershipFactory(committee=committee, role=Role.CO_CHAIR, delegation="PE")
    first = Membership(
        committee=committee, person=PersonFactory(), role=Role.CO_CHAIR, delegation="CL", start_date=date(2026, 1, 1)
    )
    second = Membership(
        committee=committee,
        person=PersonFactory(full_name="Second"),
        role=Role.CO_CHAIR,
        delegation="CL",
        start_date=date(2026, 6, 1),
    )
    assert membership_conflicts(memberships=[first, second]) == {
        0: {"role": "Chile already has a co-chair in that period: Second."},
        1: {"role": f"Chile already has a co-chair in that period: {first.person.full_name}."},
    }
    replacement = Membership(
        committee=committee, person=PersonFactory(), role=Role.CO_CHAIR, delegation="PE", start_date=date(2026, 1, 1)
    )
    assert membership_conflicts(memberships=[replacement])[0].keys() == {"role"}
    assert membership_conflicts(memberships=[replacement], removed_ids=[stored.pk]) == {}


def test_invalid_fields_are_reported_before_rules():
    with pytest.raises(ValidationError) as caught:
        membership_create(
            person=PersonFactory(),
            committee=CommitteeFactory(),
            role="chair",
            delegation="CL",
            start_date=date(2026, 1, 1),
            end_date=date(2025, 1, 1),
        )
    assert caught.value.message_dict == {
        "role": ["Value 'chair' is not a valid choice."],
        "__all__": ["A membership cannot end before it starts."],
    }
