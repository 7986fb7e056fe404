"""The mail of one session's rows in a chunk, each text written once for all who read it alike.

A reminder's text depends on the session, the kind, the reader's language and clock, and for a
notice listing changes on what the reader's last mail showed; its invitation only on the session,
its method and the language. An overdue or change notice depends on its commitment or change, the
language and the clock. So a letter is written once per such key and addressed to each reader
(meetings.mail.Letter.to), which gives each reader the very bytes a mail written for them alone
has."""

import json

from django.utils import translation

from meetings.choices import RECORD_KINDS, ReminderKind
from meetings.mail import Invitation, Letter, invitation_method, reminder_letter, session_invitation, session_shown
from meetings.models import AgendaItem, Reminder, Session
from meetings.records.mail import record_letter


class Letters:
    """The letters of one session as read for a chunk: `session` with its committee, `agenda` with
    the presenters, both read once and used for every row."""

    def __init__(self, *, session: Session, agenda: list[AgendaItem]) -> None:
        self.session = session
        self.agenda = agenda
        self.shown = session_shown(session=session, agenda=agenda)
        self._written: dict[tuple, Letter] = {}
        self._invitations: dict[tuple[str, str], Invitation] = {}

    def _invitation(self, kind: str, language: str) -> Invitation:
        key = (invitation_method(kind), language)
        if key not in self._invitations:
            with translation.override(language):
                self._invitations[key] = session_invitation(session=self.session, kind=kind)
        return self._invitations[key]

    def _write(self, row: Reminder, before: dict | None) -> Letter:
        language, zone = row.person.preferred_language, row.person.timezone
        if row.kind in RECORD_KINDS:
            overdue = row.kind == ReminderKind.OVERDUE
            return record_letter(
                kind=row.kind,
                session=self.session,
                language=language,
                zone=zone,
                commitment=row.commitment if overdue else None,
                change=None if overdue else row.change,
            )
        return reminder_letter(
            session=self.session,
            agenda=self.agenda,
            kind=row.kind,
            language=language,
            zone=zone,
            before=before,
            invitation=self._invitation(row.kind, language),
        )

    def letter(self, row: Reminder, *, before: dict | None) -> Letter:
        """The letter for `row`, whose person's last mail about the session showed `before`."""
        person = row.person
        # What else the text depends on: the commitment or change, or the changes it lists.
        about = (row.commitment_id, row.change_id) if row.kind in RECORD_KINDS else json.dumps(before, sort_keys=True)
        key = (row.kind, person.preferred_language, person.timezone, about)
        if key not in self._written:
            self._written[key] = self._write(row, before)
        return self._written[key]
