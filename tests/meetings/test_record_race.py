"""Two approvals racing with an edit, on PostgreSQL with real concurrent transactions: the record
ends approved for the text both delegations read, or back in draft; never approved for a text one
side did not see."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from meetings.models import Record, RecordApproval, RecordVersion
from meetings.records.content import content_digest, record_content
from meetings.records.services import record_approve, record_save
from tests.conftest import postgresql_only
from tests.meetings.records_helpers import HELD_AT, access_of, held_session, proposed

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


# Head starts (edit, approvals) in seconds, so that every order occurs: at once, the approvals
# well ahead (approved), the edit well ahead (back to draft), and near-ties.
HEAD_STARTS = [(0, 0), (0.5, 0), (0, 0.5), (0.01, 0), (0, 0.01), (0.02, 0.02)]


def _race(world, record: Record, *, edit_after: float, approve_after: float) -> dict[str, str]:
    accesses = {role: access_of(world, role) for role in ("own", "other")}
    barrier = threading.Barrier(3)
    outcome: dict[str, str] = {}

    def approve(role: str) -> None:
        try:
            barrier.wait()
            time.sleep(approve_after)
            record_approve(
                record=Record.objects.get(pk=record.pk),
                revision=record.revision,
                access=accesses[role],
                user=world.users[role],
            )
            outcome[role] = "approved"
        except ValidationError as exc:
            outcome[role] = "refused: " + "; ".join(exc.messages)
        finally:
            connection.close()

    def edit() -> None:
        try:
            stored = Record.objects.get(pk=record.pk)
            stored.closing_remarks = "Texto que una delegación no vio."
            barrier.wait()
            time.sleep(edit_after)
            record_save(
                record=stored, access=accesses["own"], user=world.users["own"], reason="Cambio de último minuto"
            )
            outcome["edit"] = "saved"
        except ValidationError as exc:
            outcome["edit"] = "refused: " + "; ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(role,)) for role in ("own", "other")]
    threads.append(threading.Thread(target=edit))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def test_two_approvals_racing_with_an_edit_never_approve_an_unseen_text(world):
    seen = set()
    for round_, (edit_after, approve_after) in enumerate(HEAD_STARTS * 2):
        record = proposed(world, held_session(world, number=10 + round_, starts_at=HELD_AT + timedelta(days=round_)))
        read = content_digest(record_content(record))
        outcome = _race(world, record, edit_after=edit_after, approve_after=approve_after)
        record.refresh_from_db()
        live = RecordApproval.objects.filter(record=record, voided_at__isnull=True)
        if record.state == "approved":
            version = RecordVersion.objects.get(record=record)
            assert version.digest == read  # the text both read
            assert version.content["closing_remarks"] == "Se levanta la sesión."
            assert sorted(live.values_list("delegation", "digest")) == [("CL", read), ("PE", read)]
            assert outcome["edit"].startswith("refused")
        else:
            assert (record.state, record.closing_remarks) == ("draft", "Texto que una delegación no vio.")
            assert not live.exists()
            assert not RecordVersion.objects.filter(record=record).exists()
            assert outcome["edit"] == "saved"
        seen.add(record.state)
    assert seen == {"approved", "draft"}
