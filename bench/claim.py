"""The scanner's claim (`reminders_claim(limit=500)`) on a table holding only the 500 due rows, then
on the same table with a million sent rows beside them: the claim must not slow down as the
history grows. Runs in its own database (tracker_bench_claim) under the base settings.

    python -m bench.claim --rows 1000000 --tries 30 --out result.json   (the parent: claim_bench)
"""

import argparse
import json
import os
import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench import databases
from bench.processes import PYTHON, environment, run
from bench.table import Row, Section, at_most

DUE = 500
PEOPLE = 1000


def claim_bench(*, work: Path, rows: int, tries: int) -> Section:
    out = work / "claim.json"
    env = environment(database=databases.CLAIM, work=work, settings="config.settings.base")
    command = [PYTHON, "-m", "bench.claim", "--rows", str(rows), "--tries", str(tries), "--out", str(out)]
    run(command, env=env, timeout=1800)
    result = json.loads(out.read_text())
    ratio = result["crowded_ms"] / result["alone_ms"]
    target, met = at_most(ratio, 2)
    title = (
        f"The claim, median of {tries} claims of {DUE} due rows (each reset between tries, not timed), "
        f"after VACUUM ANALYZE; rows seeded in {result['seed_seconds']:.0f} s"
    )
    row = Row(
        f"reminders_claim(limit={DUE}) beside {rows:,} sent rows",
        f"{result['crowded_ms']:.1f} ms",
        f"{DUE} rows alone {result['alone_ms']:.1f} ms",
        ratio,
        target,
        met,
    )
    return Section(title, [row])


# --- In the child process (Django set up) ------------------------------------------------------


def _people_and_sessions(rows: int):
    from datetime import UTC, datetime

    from django.utils import timezone

    from committees.models import Committee, Person
    from meetings.models import Session

    committee = Committee.objects.create(
        slug="bench-claim",
        name_es="Banco",
        name_en="Bench",
        country_a="CL",
        country_b="PE",
        default_timezone="America/Lima",
    )
    people = Person.objects.bulk_create(
        Person(full_name=f"Member {n}", country="CL", email=f"member{n}@example.org", timezone="America/Lima")
        for n in range(PEOPLE)
    )
    # The history: one session a week back from 2026, each reminded to every member once.
    first = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)
    held = -(-rows // PEOPLE)
    past = Session.objects.bulk_create(
        Session(
            committee=committee,
            number=n + 2,
            title=f"Session {n + 2}",
            starts_at=first - timedelta(weeks=n + 1),
            ends_at=first - timedelta(weeks=n + 1) + timedelta(hours=2),
            timezone="America/Lima",
            venue="Lima",
            host_country="PE",
            status="held",
        )
        for n in range(held)
    )
    soon = timezone.now().replace(microsecond=0) + timedelta(days=2)
    ahead = Session.objects.create(
        committee=committee,
        number=1,
        title="Session ahead",
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
        timezone="America/Lima",
        venue="Lima",
        host_country="PE",
    )
    return people, past, ahead


def _due_rows(people, ahead) -> list[int]:
    from django.utils import timezone

    from meetings.models import Reminder
    from meetings.reminders.planning import message_id_new

    now = timezone.now()
    due = Reminder.objects.bulk_create(
        Reminder(
            session=ahead,
            person=person,
            offset_minutes=60 + n,  # one row per (session, person, offset): spread over the people
            due_at=now - timedelta(minutes=1),
            next_attempt_at=now - timedelta(minutes=1),
            message_id=message_id_new(),
        )
        for n, person in enumerate(people[i % PEOPLE] for i in range(DUE))
    )
    return [row.pk for row in due]


def _sent_rows(rows: int) -> None:
    """`rows` sent reminders of the past sessions, in SQL: every other column as its field's default."""
    from django.db import connection

    from committees.models import Person
    from meetings.models import Reminder, Session

    known = {
        "created_at": "s.starts_at - interval '30 days'",
        "updated_at": "s.starts_at - interval '1 day'",
        "session_id": "s.id",
        "person_id": "p.id",
        "kind": "'reminder'",
        "offset_minutes": "1440",
        "due_at": "s.starts_at - interval '1 day'",
        "state": "'sent'",
        "attempts": "1",
        "next_attempt_at": "s.starts_at - interval '1 day'",
        "sent_at": "s.starts_at - interval '1 day' + interval '3 seconds'",
        "sent_sequence": "0",
        "message_id": "'<reminder.' || md5(i::text) || '@bench.example>'",
    }
    columns, values, parameters = [], [], []
    for model_field in Reminder._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(model_field.column))
        if model_field.column in known:
            values.append(known[model_field.column])
        else:
            values.append("%s")
            parameters.append(model_field.get_db_prep_save(model_field.get_default(), connection))
    sql = (
        f"WITH s AS (SELECT id, starts_at, row_number() OVER (ORDER BY id) - 1 AS n "  # noqa: S608 - names from the models
        f"FROM {Session._meta.db_table} WHERE status = 'held'), "
        f"p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM {Person._meta.db_table}) "
        f"INSERT INTO {Reminder._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM generate_series(0, %s - 1) AS i JOIN s ON s.n = i / %s JOIN p ON p.n = i %% %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*parameters, rows, PEOPLE, PEOPLE])


def _vacuum() -> None:
    from django.db import connection

    from meetings.models import Reminder

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Reminder._meta.db_table}")


def _timed_claims(due: list[int], tries: int) -> float:
    """Median milliseconds of `tries` claims, each of all the due rows; the rows are made due again
    between tries (not timed)."""
    from meetings.choices import ReminderState
    from meetings.models import Reminder
    from meetings.reminders import reminders_claim

    times = []
    for _try in range(tries + 1):
        began = time.perf_counter()
        ids, _token = reminders_claim(limit=DUE)
        elapsed = time.perf_counter() - began
        if sorted(ids) != sorted(due):
            raise SystemExit(f"the claim took {len(ids)} rows, not the {len(due)} due ones")
        Reminder.objects.filter(pk__in=due).update(
            state=ReminderState.PENDING, claimed_at=None, claim_token="", attempts=0
        )
        times.append(elapsed * 1000)
    return statistics.median(times[1:])  # the first warms the connection and the plan


def main() -> None:
    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--tries", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    people, _past, ahead = _people_and_sessions(args.rows)
    due = _due_rows(people, ahead)
    _vacuum()
    alone = _timed_claims(due, args.tries)
    began = time.monotonic()
    _sent_rows(args.rows)
    _vacuum()
    seeded = time.monotonic() - began
    crowded = _timed_claims(due, args.tries)
    args.out.write_text(json.dumps({"alone_ms": alone, "crowded_ms": crowded, "seed_seconds": seeded}))


if __name__ == "__main__":
    main()
