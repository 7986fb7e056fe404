"""A change one delegation makes is seen by the other: each postponement, cancellation or move of a
session, and each change to a proposed or approved record, is kept with who made it, what changed
(old → new) and why, and the other delegation's secretariat is mailed it through the reminder
outbox (a row of kind "change" per secretary, sent like any reminder)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.access import Access, delegation_acting
from committees.choices import Role
from committees.models import Committee, Person
from meetings.choices import ReminderKind
from meetings.models import Change, Reminder, Session
from meetings.records.models import REASON_LIMIT
from meetings.reminders.planning import message_id_new
from tracker.validators import validate_no_control_characters


@dataclass(frozen=True)
class ChangeBy:
    """Who makes a change through the admin or the API: their changes of what both sides rely on
    need a reason, and the other side is told."""

    user: AbstractBaseUser | None
    access: Access


def explanation_check(text: str, *, field: str) -> str:
    """A reason or a note, as people type it: stripped, within its length, and free of control
    characters (it goes into mail to the other side); ValidationError on `field` otherwise."""
    text = text.strip()
    problems = []
    try:
        validate_no_control_characters(text)
    except ValidationError as exc:
        problems += exc.messages
    if len(text) > REASON_LIMIT:
        problems.append(_("At most %(limit)d characters.") % {"limit": REASON_LIMIT})
    if problems:
        raise ValidationError({field: problems})
    return text


def user_name(user: AbstractBaseUser | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def secretaries(*, committee: Committee, day: date, only: str | None = None, but: str | None = None) -> list[Person]:
    """A committee's delegation secretariat as people mail reaches: the members with the secretary
    role on `day` and an address, of delegation `only`, or of every delegation but `but`."""
    seats = committee.memberships.filter(role=Role.SECRETARY).active_on(day)
    if only:
        seats = seats.filter(delegation=only)
    if but:
        seats = seats.exclude(delegation=but)
    return list(Person.objects.filter(pk__in=seats.values("person_id")).exclude(email="").order_by("pk"))


def change_announce(
    *,
    session: Session,
    subject: str,
    changes: list[dict],
    reason: str,
    user: AbstractBaseUser | None,
    access: Access,
    now: datetime | None = None,
) -> Change:
    """Keep the change and plan its notice to the other side's secretaries (inside the write)."""
    now = now or timezone.now()
    delegation = delegation_acting(access=access, committee_id=session.committee_id) or ""
    change = Change.objects.create(
        session=session,
        subject=subject,
        changes=changes,
        reason=explanation_check(reason, field="reason"),
        made_by=user,
        made_by_name=user_name(user),
        delegation=delegation,
        made_at=now,
    )
    Reminder.objects.bulk_create(
        [
            Reminder(
                session=session,
                person=person,
                kind=ReminderKind.CHANGE,
                change=change,
                due_at=now,
                next_attempt_at=now,
                message_id=message_id_new(),
            )
            # The other delegation's (both, for a change by an administrator).
            for person in secretaries(committee=session.committee, day=timezone.localdate(now), but=delegation)
        ]
    )
    return change
