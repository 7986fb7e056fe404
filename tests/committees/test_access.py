import pytest
from django.contrib.auth.models import User

from committees.access import EVERYTHING, Access, access_for
from tests.api import administrator, reader_of
from tests.factories import CommitteeFactory
from tracker.roles import is_administrator

pytestmark = pytest.mark.django_db


def test_access_for_reads_role_and_assignments_once_a_request(django_assert_num_queries):
    committee = CommitteeFactory()
    admin, reader = administrator(), reader_of(committee)
    with django_assert_num_queries(2):  # one for each user
        answers = [(access_for(user), is_administrator(user), access_for(user)) for user in (admin, reader)]
    mine = Access(everything=False, committees=frozenset({committee.pk}), delegations=frozenset())
    assert answers == [(EVERYTHING, True, EVERYTHING), (mine, False, mine)]


def test_a_user_fetched_again_is_asked_again(django_assert_num_queries):
    admin = administrator()
    assert is_administrator(admin) is True
    again = User.objects.get(pk=admin.pk)
    with django_assert_num_queries(1):
        assert is_administrator(again) is True
    with django_assert_num_queries(0):
        assert (is_administrator(admin), is_administrator(again)) == (True, True)
