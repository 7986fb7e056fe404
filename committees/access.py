"""Who may see and change what, committee by committee.

An administrator sees everything. Anyone else sees the committees they hold a
StaffAssignment for; the secretariat of a delegation changes that delegation's people and
memberships and the sessions the committee shares. Model permissions (the user's groups) say
which kinds of record they may change at all; these rules say which rows."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Membership, Person, StaffAssignment
from tracker.request_cache import per_user
from tracker.roles import ADMINISTRATOR, IS_ADMINISTRATOR_KEY


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


NOBODY = Access(everything=False, committees=frozenset(), delegations=frozenset())
EVERYTHING = Access(everything=True, committees=frozenset(), delegations=frozenset())
ROLE_MARK = "*"
# The request's answer of `access_for`, under this key of `tracker.request_cache`.
ACCESS_KEY = "committee_access"
# Each grant of a user, as (user id, committee id, delegation): an assignment, or (user id, NULL,
# ROLE_MARK) for the administrator role. Table names come from the models; every value is a parameter.
GRANTS_SQL = (
    f"SELECT user_id, committee_id, delegation FROM {StaffAssignment._meta.db_table} "  # noqa: S608
    f"UNION ALL SELECT member.user_id, NULL, %s FROM {Group.user_set.through._meta.db_table} AS member "
    f"JOIN {Group._meta.db_table} AS role ON role.id = member.group_id WHERE role.name = %s"
)
GRANTS_PARAMETERS = (ROLE_MARK, ADMINISTRATOR)
_ACCESS_SQL = f"SELECT committee_id, delegation FROM ({GRANTS_SQL}) AS grants WHERE user_id = %s"  # noqa: S608


def access_for(user: AbstractBaseUser | AnonymousUser) -> Access:
    """The user's access, read once a request (see `tracker.request_cache`)."""
    if not user.is_authenticated or not user.is_active:
        return NOBODY
    return per_user(user, ACCESS_KEY, lambda: _access_read(user))


def _access_read(user: AbstractBaseUser) -> Access:
    if user.is_superuser:
        return EVERYTHING
    # One query for both the role and the assignments, in plain SQL: it runs on every request of
    # the staff site, and the ORM would spend longer building it than the database answering it.
    with connection.cursor() as cursor:
        cursor.execute(_ACCESS_SQL, [*GRANTS_PARAMETERS, user.pk])
        return access_from_grants(user, cursor.fetchall())


def access_from_grants(user: AbstractBaseUser, grants: Iterable[tuple[int | None, str | None]]) -> Access:
    """The access of `user` from their grants as (committee id, delegation) pairs, (None,
    ROLE_MARK) for the administrator role; a (None, None) pair (no grant) is ignored. The role is
    kept too, so that tracker.roles.is_administrator need not ask again this request."""
    if user.is_superuser:
        return EVERYTHING
    rows = [(committee, country) for committee, country in grants if committee is not None or country == ROLE_MARK]
    administrator = any(committee is None for committee, _country in rows)
    per_user(user, IS_ADMINISTRATOR_KEY, lambda: administrator)
    if administrator:
        return EVERYTHING
    return Access(
        everything=False,
        committees=frozenset(committee for committee, _country in rows),
        delegations=frozenset((committee, country) for committee, country in rows if country),
    )


def committees_visible(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Committee.objects.all() if queryset is None else queryset
    return queryset if access.everything else queryset.filter(pk__in=access.committees)


def committees_editable(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Committee.objects.all() if queryset is None else queryset
    return queryset if access.everything else queryset.filter(pk__in=access.editing_committees)


# Reminder states (meetings.choices.ReminderState) of a mail that is due, in flight or sent.
_MAIL_STATES = ("pending", "sending", "sent")


def _ties() -> tuple[tuple[QuerySet, str, str], ...]:
    """Each kind of row that ties a person to a committee, as (rows, the person's column, the
    path to the committee): a seat, an invitation to a session, an agenda item they present, and a
    mail about its sessions that is due, in flight or sent (a cancellation may still follow one, and
    goes to the address on record, whoever seated them; a row never sent leads to nothing).

    The meetings app's models are reached through Person's reverse relations, so that this module
    does not import them."""
    invitations = Person._meta.get_field("invitations").related_model
    presentations = Person._meta.get_field("presented_items").related_model
    reminders = Person._meta.get_field("reminders").related_model
    return (
        (Membership.objects.all(), "person_id", "committee_id"),
        (invitations.objects.all(), "person_id", "session__committee_id"),
        (presentations.objects.filter(presenter__isnull=False), "presenter_id", "session__committee_id"),
        (reminders.objects.filter(state__in=_MAIL_STATES), "person_id", "session__committee_id"),
    )


def _tied(rows: QuerySet, person: str) -> Q:
    return Q(pk__in=rows.values(person))


def people_visible(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    """The people of the committees one sees (tied to them as `_ties` says), and one's own
    country's people who are tied to no committee yet (just added, to be seated). Someone tied
    only to committees one does not see does not exist for one."""
    queryset = Person.objects.all() if queryset is None else queryset
    if access.everything:
        return queryset
    mine, anywhere = Q(pk__in=[]), Q(pk__in=[])
    for rows, person, committee in _ties():
        mine |= _tied(rows.filter(**{f"{committee}__in": access.committees}), person)
        anywhere |= _tied(rows, person)
    return queryset.filter(mine | (Q(country__in=access.countries) & ~anywhere))


def _editable_by_country(access: Access, country: str) -> Q:
    """People of `country` whose every tie is to a committee where one is the secretariat of
    their delegation: a seat's own delegation, or `country` for an invitation or a presentation."""
    seats = Q(pk__in=[])
    for committee, delegation in access.delegations:
        seats |= Q(committee_id=committee, delegation=delegation)
    committees = [committee for committee, delegation in access.delegations if delegation == country]
    elsewhere = Q(pk__in=[])
    for rows, person, committee in _ties():
        others = rows.exclude(seats) if rows.model is Membership else rows.exclude(**{f"{committee}__in": committees})
        elsewhere |= _tied(others, person)
    return ~elsewhere


def people_editable(*, access: Access, queryset: QuerySet | None = None) -> QuerySet:
    """People one may change, contact data included: a shared record, so only by the secretariat
    of their delegation on every committee they are tied to (and by administrators)."""
    queryset = Person.objects.all() if queryset is None else queryset
    if access.everything:
        return queryset
    allowed = Q(pk__in=[])
    for country in sorted(access.countries):
        allowed |= Q(country=country) & _editable_by_country(access, country)
    return queryset.filter(allowed)


def person_editable(*, access: Access, person: Person) -> bool:
    return access.everything or people_editable(access=access, queryset=Person.objects.filter(pk=person.pk)).exists()


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
    if access.everything or not (membership.committee_id and membership.delegation):
        return {}
    if not access.edits_delegation(membership.committee_id, membership.delegation.code):
        return {"delegation": _("You can only add or change memberships of your own delegation.")}
    person = membership.person if membership.person_id else None
    if person is not None and person.country.code != membership.delegation.code:
        # Seating the other side's people would take them out of their own secretariat's hands.
        return {"person": _("You can only seat people of your delegation's country; an administrator can seat others.")}
    return {}


def person_check(access: Access, person: Person) -> dict[str, str]:
    """Refuses a new or changed person out of one's reach: of another country, or tied to a
    committee one is not their delegation's secretariat on (as stored, and with the country as
    submitted)."""
    if access.everything:
        return {}
    country = person.country.code if person.country else ""
    if country and country not in access.countries:
        return {"country": _("You can only add or change people of your own delegation.")}
    if person.pk and country:
        stays_mine = Person.objects.filter(pk=person.pk).filter(_editable_by_country(access, country))
        if not (person_editable(access=access, person=person) and stays_mine.exists()):
            return {
                "country": _(
                    "This person is also on a committee or delegation whose secretariat you are not: "
                    "an administrator or that secretariat can change them."
                )
            }
    return {}


def delegation_acting(*, access: Access, committee_id: int) -> str | None:
    """The delegation whose secretariat `access` is on the committee, if exactly one: who approves a
    record, and whose side a change comes from. An administrator, or someone serving both sides,
    acts for no single delegation."""
    if access.everything:
        return None
    mine = {country for committee, country in access.delegations if committee == committee_id}
    return mine.pop() if len(mine) == 1 else None


def drafts_readable(*, access: Access, committee_id: int) -> bool:
    """Whether `access` reads a record's text before both delegations approved it: the committee's
    secretariats and administrators do; its readers see only that a draft exists."""
    return access.edits_committee(committee_id)
