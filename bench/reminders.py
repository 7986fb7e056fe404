"""Reminders due at once, sent by the project's Celery worker, against the same messages sent over
one SMTP connection (the work is done in `bench.reminder_run`, a process of its own); the rows of
the table."""

import json
from pathlib import Path

from bench import databases
from bench.processes import PYTHON, environment, run
from bench.table import Row, Section, at_most

# Members of the bench committee: each has a reminder for every session.
PEOPLE = 200
SEND_TASK = "meetings.send_reminders"
SCAN_TASK = "meetings.scan_due_reminders"


def reminders_bench(*, work: Path, count: int) -> Section:
    out = work / "reminders.json"
    command = [PYTHON, "-m", "bench.reminder_run", "--count", str(count), "--work", str(work), "--out", str(out)]
    run(command, env=environment(database=databases.MAIL, work=work), timeout=1800, quiet=False)
    result = json.loads(out.read_text())
    ours, bare = result["ours"], result["bare"]
    counts = ours["counts"]
    sends = counts["tasks"].get(SEND_TASK, 0)
    send_queries = counts["task_queries"].get(SEND_TASK, 0)
    ratio = ours["drain"] / bare["drain"]
    target, met = at_most(ratio, 1.5)
    late_limit = ours["scan_seconds"] + 5
    sessions = count // min(PEOPLE, count)
    title = (
        f"Reminders: {count:,} due at once ({sessions} sessions × {min(PEOPLE, count)} members, es/en, Lima/Santiago), "
        f"one Celery worker of 2 processes, the scan asked every {ours['scan_seconds']} s, "
        f"REMINDER_CHUNK {ours['chunk']}; each mail checked received once (distinct Message-IDs) and its row sent"
    )
    rows = [
        Row(
            "drain: first → last mail received",
            f"{ours['drain']:.1f} s",
            f"one SMTP connection {bare['drain']:.1f} s",
            ratio,
            target,
            met,
        ),
        Row("total: rows due → last mail received", f"{ours['total']:.1f} s"),
        Row(
            "lateness, due → received, p50 / p99",
            f"{ours['late_p50']:.1f} / {ours['late_p99']:.1f} s",
            target=f"p99 ≤ {late_limit} s",
            met=ours["late_p99"] <= late_limit,
        ),
        Row(
            "send tasks per 100 mails",
            f"{100 * sends / count:.1f}",
            f"{sends:,} send tasks, {counts['tasks'].get(SCAN_TASK, 0)} scans",
        ),
        Row(
            "queries per mail (send tasks / whole worker)",
            f"{send_queries / count:.2f} / {counts['queries'] / count:.2f}",
            f"{counts['queries']:,} queries in all",
        ),
    ]
    return Section(title, rows)
