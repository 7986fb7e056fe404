"""Who may see and change what, committee by committee.

An administrator sees everything. Anyone else sees the committees they hold a
StaffAssignment for; the secretariat of a delegation changes that delegation's people and
memberships and the sessions the committee shares. Model permissions (the user's groups) say
which kinds of record they may change at all; these rules say which rows."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Membership, Person, StaffAssignment
from tracker.roles import ADMINISTRATOR


@dataclass(frozen=True)
class Access:
    everything: bool
    committees: frozenset[int]
    delegations: frozenset[tuple[int, str]]  # (committee id, country code) whose secretariat this is

    @property
    def editing_committees(self) -> frozenset[int]:
        return frozenset(committee for committee, _country in self.delegations)

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(country for _committee, country in self.delegations)

    @property
    def key(self) -> str:
        """Tells apart answers built for people who see different committees."""
        return "all" if self.everything else ",".join(map(str, sorted(self.committees))) or "none"

    def edits_committee(self, committee_id: int) -> bool:
        return self.everything or committee_id in self.editing_committees

    def edits_delegation(self, committee_id: int, country: str) -> bool:
        return self.everything or (committee_id, country) in self.delegations

    def edits_country(self, country: str) -> bool:
        return self.everything or country in self.countries


NOBODY = Access(everything=False, committees=frozenset(), delegations=frozenset())
EVERYTHING = Access(everything=True, committees=frozenset(), delegations=frozenset())
ROLE_MARK = "*"
# Table names come from the models; every value is a parameter.
_ACCESS_SQL = (
    f"SELECT committee_id, delegation FROM {StaffAssignment._meta.db_table} WHERE user_id = %s "  # noqa: S608
    f"UNION ALL SELECT NULL, %s FROM {Group.user_set.through._meta.db_table} AS member "
    f"JOIN {Group._meta.db_table} AS role ON role.id = member.group_id WHERE member.user_id = %s AND role.name = %s"
)


def access_for(user: AbstractBaseUser | AnonymousUser) -> Access:
    """The user's access, read once and kept on the user object for the rest of the request."""
    if not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, "_committee_access", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        access = EVERYTHING
    else:
        # One query for both the role and the assignments, in plain SQL: it runs on every API
        # request, and the ORM would spend longer building it than the database answering it.
        with connection.cursor() as cursor:
            cursor.execute(_ACCESS_SQL, [user.pk, ROLE_MARK, user.pk, ADMINISTRATOR])
            rows = cursor.fetchall()
        user._is_administrator = any(committee is None for committee, _country in rows)
        if user._is_administrator:
            access = EVERYTHING
        else:
            access = Access(
                everything=False,
                committees=frozenset(committee for committee, _country in rows),
                delegations=frozenset((committee, country) for committee, country in rows if country),
            )
    user._committee_access = access
    return access


def committees_visible(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Committee.objects.all() if queryset is None else queryset
    return queryset if access.everything else queryset.filter(pk__in=access.committees)


def committees_editable(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Committee.objects.all() if queryset is None else queryset
    return queryset if access.everything else queryset.filter(pk__in=access.editing_committees)


def people_visible(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    """Members of the committees one sees, and the people of one's own delegations (who may not
    sit on a committee yet)."""
    queryset = Person.objects.all() if queryset is None else queryset
    if access.everything:
        return queryset
    seated = Membership.objects.filter(committee__in=access.committees).values("person_id")
    return queryset.filter(Q(pk__in=seated) | Q(country__in=access.countries))


def people_editable(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Person.objects.all() if queryset is None else queryset
    return queryset if access.everything else queryset.filter(country__in=access.countries)


def by_committee(*, access: Access, queryset: QuerySet, path: str = "committee", editable: bool = False) -> QuerySet:
    """Rows of any model reached from a committee by `path` (e.g. "session__committee")."""
    if access.everything:
        return queryset
    return queryset.filter(**{f"{path}__in": access.editing_committees if editable else access.committees})


def memberships_visible(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    return by_committee(access=access, queryset=Membership.objects.all() if queryset is None else queryset)


def memberships_editable(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Membership.objects.all() if queryset is None else queryset
    if access.everything:
        return queryset
    mine = Q(pk__in=[])
    for committee, country in access.delegations:
        mine |= Q(committee_id=committee, delegation=country)
    return queryset.filter(mine)


def person_ties_elsewhere(*, access: Access, person: Person) -> bool:
    """Whether `person` sits on, is invited to or is reminded of anything of a committee whose
    secretariat `access` is not: deleting them would delete that too. (A presenter is kept from
    deletion by the database.)"""
    if access.everything:
        return False
    mine = access.editing_committees
    return (
        person.memberships.exclude(committee__in=mine).exists()
        or person.invitations.exclude(session__committee__in=mine).exists()
        or person.reminders.exclude(session__committee__in=mine).exists()
    )


def membership_check(access: Access, membership: Membership) -> dict[str, str]:
    if (
        membership.committee_id
        and membership.delegation
        and not access.edits_delegation(membership.committee_id, membership.delegation.code)
    ):
        return {"delegation": _("You can only add or change memberships of your own delegation.")}
    return {}


def person_check(access: Access, person: Person) -> dict[str, str]:
    if person.country and not access.edits_country(person.country.code):
        return {"country": _("You can only add or change people of your own delegation.")}
    return {}
