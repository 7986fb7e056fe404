"""Whether a membership is active on a day is one rule: the query (`active_on_q`,
`Membership.objects.active_on`) and the check of a membership already read
(`membership_active_on`) agree on every boundary."""

from datetime import date, timedelta

import pytest
from django.db.models import Count

from committees.models import Committee, Membership, Person, active_on_q, membership_active_on
from tests.factories import CommitteeFactory, MembershipFactory

pytestmark = pytest.mark.django_db

START, END = date(2026, 3, 10), date(2026, 3, 20)


@pytest.fixture
def memberships() -> dict[str, Membership]:
    committee = CommitteeFactory()
    return {
        "closed": MembershipFactory(committee=committee, start_date=START, end_date=END),
        "open": MembershipFactory(committee=committee, start_date=START, end_date=None),
        "one day": MembershipFactory(committee=committee, start_date=END, end_date=END),
    }


@pytest.mark.parametrize(
    ("day", "active"),
    [
        (START - timedelta(days=1), set()),  # the day before the start
        (START, {"closed", "open"}),  # the start day
        (END, {"closed", "open", "one day"}),  # the end day (and a term of one day)
        (END + timedelta(days=1), {"open"}),  # the day after the end
        (date(2099, 1, 1), {"open"}),  # an open end lasts
    ],
)
def test_active_on_query_and_check_agree_on_the_boundaries(memberships, day, active):
    expected = {memberships[name].pk for name in active}
    queried = set(Membership.objects.active_on(day).values_list("pk", flat=True))
    checked = {membership.pk for membership in Membership.objects.all() if membership_active_on(membership, day)}
    people = set(Person.objects.filter(active_on_q(day, prefix="memberships__")).values_list("pk", flat=True))
    counted = Committee.objects.annotate(
        active=Count("memberships", filter=active_on_q(day, prefix="memberships__"))
    ).get()
    assert (queried, checked, people, counted.active) == (
        expected,
        expected,
        {memberships[name].person_id for name in active},
        len(expected),
    )
