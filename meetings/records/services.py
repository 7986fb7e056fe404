"""Writes to records: drafting, proposing, approving, correcting. Each runs in the schedule write
of the session's committee (one at a time per committee, the version raised once), and the
database's triggers hold the same rules if a write ever slipped past these (migration 0009).

Who may: either secretariat of the committee, and administrators, write a draft, propose it and
open a correction; each delegation's secretariat approves for its own delegation only (an
administrator acts for no delegation, so cannot approve). A change to a proposed or approved
record needs a reason, and the other delegation's secretariat is told of it."""

from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.access import Access, delegation_acting
from committees.writes import ScheduleWrite, schedule_write
from meetings.choices import SessionStatus
from meetings.models import Record, RecordApproval, RecordAttendance, RecordEntry, RecordVersion, Session
from meetings.records.changes import change_announce, explanation_check, user_name
from meetings.records.choices import RecordState
from meetings.records.commitments import commitments_register
from meetings.records.content import content_differences, content_digest, record_content
from meetings.records.rules import attendance_validate, entries_validate
from meetings.rules import field_errors
from tracker.constraints import violated_constraint
from tracker.timezones import to_zone


def _editable_check(*, access: Access, session: Session) -> None:
    if not access.edits_committee(session.committee_id):
        raise ValidationError({"record": [_("Only the committee's secretariats and administrators may do this.")]})


def _locked(record: Record) -> Record:
    return Record.objects.select_for_update().select_related("session__committee").get(pk=record.pk)


def record_start(*, session: Session, access: Access) -> Record:
    """The held session's record: its draft, opened with everyone expected present (members active
    on the session's day, for their delegation, and the invitees), if it has none yet."""
    with schedule_write(committee_ids=[session.committee_id]):
        session = Session.objects.select_for_update().select_related("committee").get(pk=session.pk)
        _editable_check(access=access, session=session)
        existing = Record.objects.filter(session=session).first()
        if existing is not None:
            return existing
        if session.status != SessionStatus.HELD:
            raise ValidationError({"session": [_("A record is kept only for a session that was held.")]})
        record = Record.objects.create(session=session)
        day = to_zone(session.starts_at, session.timezone).date()
        seen: set[int] = set()
        rows = []
        for seat in session.committee.memberships.active_on(day).select_related("person").order_by("pk"):
            if seat.delegation and seat.person_id not in seen:
                seen.add(seat.person_id)
                rows.append(RecordAttendance(record=record, person=seat.person, delegation=seat.delegation))
        for invitee in session.invitees.select_related("person").order_by("pk"):
            if invitee.person.country and invitee.person_id not in seen:
                seen.add(invitee.person_id)
                rows.append(RecordAttendance(record=record, person=invitee.person, delegation=invitee.person.country))
        RecordAttendance.objects.bulk_create(rows)
    return record


_POSITION_SHIFT = 10_000


def _rows_write(*, record: Record, entries: Sequence[RecordEntry] | None, attendance) -> None:
    if entries is not None:
        kept = [entry.pk for entry in entries if entry.pk]
        record.entries.exclude(pk__in=kept).delete()
        for position, entry in enumerate(entries, start=1):
            entry.record = record
            entry.position = position
            entry.save()
    if attendance is not None:
        kept = [row.pk for row in attendance if row.pk]
        record.attendance.exclude(pk__in=kept).delete()
        for row in attendance:
            row.record = record
            row.save()


def record_save(
    *,
    record: Record,
    access: Access,
    user: AbstractBaseUser | None,
    entries: Sequence[RecordEntry] | None = None,
    attendance: Sequence[RecordAttendance] | None = None,
    reason: str = "",
    revision: int | None = None,
    now: datetime | None = None,
) -> Record:
    """Save the record's text as it stands in memory (closing remarks), with `entries` and
    `attendance`, when given, as the whole lists (rows left out are deleted). `revision`, when
    given, is the one the writer read: a record changed since is refused, so that no one's rows
    are dropped unseen. A draft just takes the change. A proposed record goes back to draft: the
    approvals given are void, the change needs a `reason`, and the other delegation's secretariat
    is told. An approved record is not changed in place: `record_correct` opens its next version."""
    with schedule_write(committee_ids=[record.session.committee_id], now=now) as write:
        stored = _locked(record)
        _editable_check(access=access, session=stored.session)
        if revision is not None and revision != stored.revision:
            raise ValidationError({"revision": [CHANGED_SINCE_READ]})
        _line_ends_normalize(record=record, entries=entries)
        if stored.state == RecordState.APPROVED:
            raise ValidationError(
                {
                    "record": [
                        _("An approved record is not changed in place: open a correction, which is a new version.")
                    ]
                }
            )
        before = record_content(stored)
        errors = field_errors(record, exclude=["session"])
        if entries is not None:
            errors.update(entries_validate(session=stored.session, entries=entries))
        if attendance is not None:
            errors.update(attendance_validate(session=stored.session, attendance=attendance))
        if errors:
            raise ValidationError(errors)
        record.state, record.version, record.revision = stored.state, stored.version, stored.revision
        record.correction_reason = stored.correction_reason
        _rows_write(record=record, entries=entries, attendance=attendance)
        record.save()
        after = record_content(record)
        if content_digest(after) == content_digest(before):
            return record
        if stored.state == RecordState.PROPOSED:
            if not reason.strip():
                raise ValidationError(
                    {"reason": [_("Say why a proposed record is changed: the other delegation is told.")]}
                )
            RecordApproval.objects.filter(record=record, voided_at__isnull=True).update(voided_at=write.now)
            record.state = RecordState.DRAFT
            change_announce(
                session=stored.session,
                subject="record",
                changes=[{"field": d.where, "old": d.old, "new": d.new} for d in content_differences(before, after)],
                reason=reason,
                user=user,
                access=access,
                now=write.now,
            )
        record.revision = stored.revision + 1
        record.save(update_fields=["state", "revision", "updated_at"])
    return record


CHANGED_SINCE_READ = gettext_lazy("The record has changed since you read it: read it again.")


def _line_ends_normalize(*, record: Record, entries: Sequence[RecordEntry] | None) -> None:
    """Browsers send line breaks as CR LF: the same text is the same text, whoever typed it."""
    for row, fields in [
        (record, ("closing_remarks", "closing_remarks_en")),
        *((e, ("text", "text_en")) for e in entries or ()),
    ]:
        for field in fields:
            setattr(row, field, getattr(row, field).replace("\r\n", "\n").replace("\r", "\n"))


def _revision_renew(*, record: Record, digest: str, now: datetime) -> None:
    """A proposed record whose text changed through a write elsewhere: a new revision of what it
    now shows, with the approvals of the old text void."""
    record.approvals.filter(voided_at__isnull=True).update(voided_at=now)
    record.revision += 1
    record.digest = digest
    record.save(update_fields=["revision", "digest", "updated_at"])


def records_follow_changes(write: ScheduleWrite) -> None:
    """A schedule write's effect (SCHEDULE_WRITE_EFFECTS): the proposed records of the sessions it
    touched, and of the committees whose people or names it changed, get a new revision if what
    they show changed, so that no approval stands for a text its approver did not see."""
    if not write.sessions and not write.committees:
        return
    touched = Q(session_id__in=write.sessions) | Q(session__committee_id__in=write.committees)
    for record in Record.objects.filter(touched, state=RecordState.PROPOSED).select_related("session__committee"):
        digest = content_digest(record_content(record))
        if digest != record.digest:
            _revision_renew(record=record, digest=digest, now=write.now)


def record_propose(*, record: Record, access: Access, user: AbstractBaseUser | None = None) -> Record:
    """Freeze a draft for approval; it must say something."""
    with schedule_write(committee_ids=[record.session.committee_id]):
        stored = _locked(record)
        _editable_check(access=access, session=stored.session)
        if stored.state != RecordState.DRAFT:
            raise ValidationError({"state": [_("Only a draft can be proposed.")]})
        if not stored.entries.exists():
            raise ValidationError({"entries": [_("Write at least one decision, commitment or note first.")]})
        stored.state = RecordState.PROPOSED
        stored.digest = content_digest(record_content(stored))
        stored.save(update_fields=["state", "digest", "updated_at"])
    return stored


def record_approve(
    *, record: Record, revision: int, access: Access, user: AbstractBaseUser, now: datetime | None = None
) -> Record:
    """The approval of the acting user's delegation for `revision`, the text they read. With both
    delegations' approvals of the same revision the record is approved: its content is kept as the
    version's snapshot and its commitments enter the register.

    A text that changed without an edit of the record (a session's title, a person's name, a
    co-chair) is a new revision, and an approval of the old one is refused: the write that changed
    it normally says so already (`records_follow_changes`); if one did not, the new revision is
    kept here, committed, before the refusal."""
    changed_elsewhere = False
    with schedule_write(committee_ids=[record.session.committee_id], now=now) as write:
        stored = _locked(record)
        delegation = delegation_acting(access=access, committee_id=stored.session.committee_id)
        if delegation is None:
            raise ValidationError(
                {"record": [_("Only a delegation's secretariat approves a record, for its own delegation.")]}
            )
        if stored.state != RecordState.PROPOSED:
            raise ValidationError({"state": [_("Only a proposed record can be approved.")]})
        if stored.revision != revision:
            raise ValidationError({"revision": [CHANGED_SINCE_READ]})
        content = record_content(stored)
        digest = content_digest(content)
        if digest != stored.digest:
            _revision_renew(record=stored, digest=digest, now=write.now)
            changed_elsewhere = True
        else:
            _approval_add(
                stored=stored,
                revision=revision,
                content=content,
                digest=digest,
                delegation=delegation,
                user=user,
                now=write.now,
            )
    if changed_elsewhere:
        raise ValidationError({"revision": [CHANGED_SINCE_READ]})
    return stored


def _approval_add(
    *,
    stored: Record,
    revision: int,
    content: dict,
    digest: str,
    delegation: str,
    user: AbstractBaseUser | None,
    now: datetime,
) -> None:
    """Record one delegation's approval of `revision` of the locked record `stored`; with the
    other's, the record is approved."""
    given = stored.approvals.filter(revision=revision, voided_at__isnull=True)
    if given.filter(delegation=delegation).exists():
        raise ValidationError({"record": [_("Your delegation has already approved this text.")]})
    try:
        RecordApproval.objects.create(
            record=stored,
            version=stored.version,
            revision=revision,
            digest=digest,
            delegation=delegation,
            approved_by=user,
            approver_name=user_name(user),
            approved_at=now,
        )
    except IntegrityError as exc:
        if violated_constraint(exc) or "record_approval" in str(exc):
            raise ValidationError({"revision": [CHANGED_SINCE_READ]}) from exc
        raise
    countries = set(stored.session.committee.countries)
    approved_by = set(given.values_list("delegation", flat=True)) | {delegation}
    if countries <= approved_by:
        stored.state = RecordState.APPROVED
        stored.save(update_fields=["state", "updated_at"])
        previous = stored.versions.order_by("-number").first()
        RecordVersion.objects.create(
            record=stored,
            number=stored.version,
            revision=stored.revision,
            content=content,
            digest=digest,
            approved_at=now,
            reason=stored.correction_reason,
        )
        commitments_register(record=stored, content=content, previous=previous, now=now)


def record_correct(
    *, record: Record, reason: str, access: Access, user: AbstractBaseUser | None, now: datetime | None = None
) -> Record:
    """Open the next version of an approved record as a draft, for a correction that goes through
    the same approval. The approved version stays as it was, readable; the other delegation's
    secretariat is told why."""
    with schedule_write(committee_ids=[record.session.committee_id], now=now) as write:
        stored = _locked(record)
        _editable_check(access=access, session=stored.session)
        if stored.state != RecordState.APPROVED:
            raise ValidationError({"state": [_("Only an approved record is corrected; a draft is simply edited.")]})
        if not reason.strip():
            raise ValidationError({"reason": [_("Say why the approved record needs a correction.")]})
        reason = explanation_check(reason, field="reason")
        stored.state = RecordState.DRAFT
        stored.version += 1
        stored.revision += 1
        stored.correction_reason = reason.strip()
        stored.save(update_fields=["state", "version", "revision", "correction_reason", "updated_at"])
        change_announce(
            session=stored.session,
            subject="record",
            changes=[{"field": "version", "old": str(stored.version - 1), "new": str(stored.version)}],
            reason=reason,
            user=user,
            access=access,
            now=write.now,
        )
    return stored
