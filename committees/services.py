"""Writes to committees, people, memberships and staff assignments, with the rules that span
rows. Each runs inside `committees.writes.schedule_write`, which raises the schedule version once
per write, however many of these a page or a file calls."""

from collections.abc import Collection, Sequence
from datetime import date

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.choices import Role
from committees.models import Committee, Membership, Person, StaffAssignment
from committees.writes import schedule_write
from tracker.constraints import violated_constraint

# Constraint names (PostgreSQL) and SQLite column lists → the field a person should fix.
_CONSTRAINT_ERRORS = {
    "membership_co_chair_periods_disjoint": (
        "role",
        gettext_lazy("This delegation already has a co-chair in that period."),
    ),
    "membership_one_open_co_chair_per_delegation": ("role", gettext_lazy("This delegation already has a co-chair.")),
    "membership_person_periods_disjoint": (
        "start_date",
        gettext_lazy("This person is already a member of this committee in that period."),
    ),
    "membership_one_open_per_person": (
        "start_date",
        gettext_lazy("This person is already a member of this committee in that period."),
    ),
}


def _periods_overlap(a: Membership, b: Membership) -> bool:
    far = date.max
    return a.start_date <= (b.end_date or far) and b.start_date <= (a.end_date or far)


def _related(instance: Membership, name: str):
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def _same(a: Membership, b: Membership, name: str) -> bool:
    """Same committee or person, also when it is not saved yet (a new parent in a form)."""
    a_id, b_id = getattr(a, f"{name}_id"), getattr(b, f"{name}_id")
    if a_id is not None or b_id is not None:
        return a_id == b_id
    first = _related(a, name)
    return first is not None and first is _related(b, name)


def membership_conflicts(
    *, memberships: Sequence[Membership], removed_ids: Collection[int] = ()
) -> dict[int, dict[str, str]]:
    """Errors, by index into `memberships`, that saving these memberships (new or changed)
    and deleting `removed_ids` would cause; empty when they may be saved.

    Checks the candidates against each other and against the stored rows they do not replace:
    delegation among the committee's countries (observers excepted), at most one co-chair per
    delegation at any date, and no two overlapping memberships of one person in a committee."""
    errors: dict[int, dict[str, str]] = {}
    replaced = {m.pk for m in memberships if m.pk} | set(removed_ids)
    committee_ids = {m.committee_id for m in memberships if m.committee_id}
    stored = list(
        Membership.objects.filter(committee_id__in=committee_ids).exclude(pk__in=replaced).select_related("person")
    )
    for index, membership in enumerate(memberships):
        committee = _related(membership, "committee")
        if committee is None or membership.start_date is None or not membership.delegation:
            continue  # the form reports the missing field itself
        problems: dict[str, str] = {}
        if membership.role != Role.OBSERVER and membership.delegation.code not in committee.countries:
            problems["delegation"] = _("The delegation must be one of the committee's countries (%(countries)s).") % {
                "countries": " / ".join(committee.countries)
            }
        others = stored + [m for position, m in enumerate(memberships) if position != index]
        for other in others:
            if not _same(membership, other, "committee") or not _periods_overlap(membership, other):
                continue
            if Role.CO_CHAIR == membership.role == other.role and other.delegation.code == membership.delegation.code:
                person = _related(other, "person")
                problems["role"] = _("%(delegation)s already has a co-chair in that period: %(person)s.") % {
                    "delegation": membership.delegation.name,
                    "person": person.full_name if person else "?",
                }
            if _same(membership, other, "person"):
                problems["start_date"] = _("This person is already a member of this committee in that period.")
        if problems:
            errors[index] = problems
    return errors


def membership_create(
    *,
    person: Person,
    committee: Committee,
    role: str,
    delegation: str,
    start_date: date,
    end_date: date | None = None,
) -> Membership:
    membership = Membership(
        person=person, committee=committee, role=role, delegation=delegation, start_date=start_date, end_date=end_date
    )
    return membership_save(membership=membership)


def membership_validate(*, membership: Membership) -> None:
    """Field errors with the constraints of the other fields (as a form reports them); when the
    fields are fine, the rules across rows, whose messages say more than a constraint's."""
    errors: dict[str, list[str]] = {}
    try:
        membership.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    if not errors:
        problems = membership_conflicts(memberships=[membership]).get(0, {})
        errors = {field: [message] for field, message in problems.items()}
        if errors:
            raise ValidationError(errors)
    try:
        membership.validate_constraints(exclude=set(errors))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _constraint_error(exc: IntegrityError) -> ValidationError:
    field, message = _CONSTRAINT_ERRORS.get(violated_constraint(exc), (None, ""))
    if field is None:
        raise exc
    return ValidationError({field: [message]})


def membership_save(*, membership: Membership) -> Membership:
    """Validate and save one membership, new or changed, with the committee locked."""
    try:
        with schedule_write(committee_ids=[membership.committee_id]) as write:
            membership_validate(membership=membership)
            membership.save()
            write.committees_touched([membership.committee_id])
    except IntegrityError as exc:
        raise _constraint_error(exc) from exc
    return membership


def _refresh_foreign_keys(membership: Membership) -> None:
    # A membership made on the page of a new committee or person points to it before it has an id.
    for name in ("committee", "person"):
        related = _related(membership, name)
        if related is not None and related.pk and getattr(membership, f"{name}_id") is None:
            setattr(membership, name, related)


def memberships_save(
    *, changed: Sequence[Membership], unchanged: Sequence[Membership] = (), removed: Sequence[Membership] = ()
) -> None:
    """Save several memberships of a page at once (new or `changed`), delete `removed`, with
    their committees locked and the rules checked across all of them and the stored rows.
    `unchanged` ones are checked alongside but not written."""
    candidates = [*changed, *unchanged]
    for membership in candidates:
        _refresh_foreign_keys(membership)
    try:
        with schedule_write(committee_ids=[m.committee_id for m in [*candidates, *removed]]) as write:
            conflicts = membership_conflicts(memberships=candidates, removed_ids={m.pk for m in removed if m.pk})
            if conflicts:
                raise ValidationError(
                    [
                        f"{candidates[index].person}: {message}"
                        for index, problems in conflicts.items()
                        for message in problems.values()
                    ]
                )
            for membership in removed:
                membership.delete()
            for membership in changed:
                membership.save()
            write.committees_touched(m.committee_id for m in [*changed, *removed])
    except IntegrityError as exc:
        raise _constraint_error(exc) from exc


def membership_delete(*, membership: Membership) -> None:
    with schedule_write(committee_ids=[membership.committee_id]) as write:
        membership.delete()
        write.committees_touched([membership.committee_id])


def committee_save(*, committee: Committee) -> Committee:
    """Create or change a committee (its names, countries, zone, reminder offsets, publication);
    its upcoming sessions' reminders follow its offsets."""
    with schedule_write(committee_ids=[committee.pk]) as write:
        committee.full_clean()
        committee.save()
        write.committees_touched([committee.pk])
    return committee


def committee_delete(*, committee: Committee) -> None:
    """Delete a committee with its memberships, sessions and staff assignments."""
    with schedule_write(committee_ids=[committee.pk]):
        committee.delete()


def person_save(*, person: Person) -> Person:
    """Create or change a person (a presenter's name shows on the schedule); the reminders of the
    sessions they sit or are invited to follow their address and their choice to be reminded."""
    with schedule_write() as write:
        person.full_clean()
        known = person.pk is not None
        person.save()
        if known:  # a new person sits nowhere yet
            _reminders_follow(write, person)
    return person


def _reminders_follow(write, person: Person) -> None:
    write.committees_touched(person.memberships.values_list("committee_id", flat=True))
    for session_id in person.invitations.values_list("session_id", flat=True):
        write.session_touched(session_id=session_id)


def person_delete(*, person: Person) -> None:
    """Delete a person with their memberships and invitations (the sessions they were invited to
    are re-planned). Someone who presents an agenda item is kept: the database refuses."""
    with schedule_write(committee_ids=person.memberships.values_list("committee_id", flat=True)) as write:
        _reminders_follow(write, person)
        person.delete()


def staff_assignment_save(*, assignment: StaffAssignment) -> StaffAssignment:
    """Give a user access to a committee, as a delegation's secretariat or to read (what the
    schedule shows them changes with it)."""
    with schedule_write(committee_ids=[assignment.committee_id]):
        assignment.full_clean()
        assignment.save()
    return assignment


def staff_assignments_save(*, changed: Sequence[StaffAssignment], removed: Sequence[StaffAssignment] = ()) -> None:
    """Save a user's assignments of one page (new or `changed`) and delete `removed`, as one write."""
    with schedule_write(committee_ids=[a.committee_id for a in [*changed, *removed]]):
        for assignment in removed:
            assignment.delete()
        for assignment in changed:
            staff_assignment_save(assignment=assignment)


def staff_user_delete(*, user) -> None:
    """Delete a user account with the staff assignments that gave it access to committees."""
    with schedule_write(committee_ids=user.staff_assignments.values_list("committee_id", flat=True)):
        user.delete()


def staff_assignment_delete(*, assignment: StaffAssignment) -> None:
    with schedule_write(committee_ids=[assignment.committee_id]):
        assignment.delete()
