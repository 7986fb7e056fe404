"""The reminder bench, in a process of its own under the production settings (DATABASE_URL the
bench's mail database, REDIS_URL its Redis database as broker): rows due at once, a real Celery
worker sending them to a local SMTP server, the scanner asked every REMINDER_SCAN_SECONDS (as
beat asks it; beat itself would also re-plan the sessions every 5 minutes, which the bench's
hand-made rows must not meet); then the same messages sent again over one SMTP connection.

    python -m bench.reminder_run --count 10000 --work DIR --out result.json   (see bench.reminders)
"""

import argparse
import json
import os
import smtplib
import statistics
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

from bench.processes import PYTHON, BenchError, port_free, port_wait, started, terminate_on_sigterm

OURS_SMTP, BARE_SMTP = 18110, 18111
# How long after the worker is up the rows fall due.
LEAD_SECONDS = 3


def _mailbox(stack: ExitStack, port: int, directory: Path, work: Path) -> Path:
    port_free(port)
    log = work / f"mailbox-{port}.log"
    process = stack.enter_context(
        started([PYTHON, "-m", "bench.mailbox", str(port), str(directory)], env=None, log=log)
    )
    port_wait(port, process=process, log=log)
    return directory


def _worker_up(process, log: Path, timeout: float = 90) -> None:
    from config import celery_app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the worker stopped ({process.returncode}); see {log}")
        if celery_app.control.ping(timeout=1.0):
            return
    raise BenchError(f"the worker did not answer within {timeout:.0f} s; see {log}")


@contextmanager
def _scanner(every: float):
    """Ask for a scan now and every `every` seconds, as beat does."""
    from meetings.tasks import scan_due_reminders

    stop = threading.Event()

    def scan() -> None:
        scan_due_reminders.delay()
        while not stop.wait(every):
            scan_due_reminders.delay()

    thread = threading.Thread(target=scan, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _drained(count: int, mailbox: Path, deadline: float) -> dict[str, int]:
    """Wait until no row is waiting or in flight; the states of the rows then."""
    from django.db.models import Count

    from bench.mailbox import received_count
    from meetings.choices import ReminderState
    from meetings.models import Reminder

    checked = 0.0
    while True:
        now = time.monotonic()
        if received_count(mailbox) >= count or now - checked >= 2:
            checked = now
            states = dict(Reminder.objects.values_list("state").annotate(n=Count("pk")))
            if not states.get(ReminderState.PENDING) and not states.get(ReminderState.SENDING):
                return states
        if now > deadline:
            raise BenchError(f"not done in time: rows {states}, {received_count(mailbox)} mails received")
        time.sleep(0.25)


def _counts(directory: Path) -> dict:
    total = {"queries": 0, "tasks": {}, "task_queries": {}}
    for path in directory.glob("*.json"):
        counts = json.loads(path.read_text())
        total["queries"] += counts["queries"]
        for key in ("tasks", "task_queries"):
            for name, value in counts[key].items():
                total[key][name] = total[key].get(name, 0) + value
    return total


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _ours(*, count: int, work: Path, placeholder: datetime, deadline_seconds: float) -> dict:
    from django.conf import settings

    from bench.mailbox import receipts
    from bench.reminder_data import reminders_due
    from meetings.models import Reminder

    inbox, counts = work / "mail-ours", work / "counts"
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{OURS_SMTP}", "BENCH_COUNTS_DIR": str(counts)}
    with ExitStack() as stack:
        _mailbox(stack, OURS_SMTP, inbox, work)
        log = work / "worker.log"
        command = [PYTHON, "-m", "bench.worker", "--concurrency", "2", "--hostname", "bench@%h"]
        worker = stack.enter_context(started(command, env=env, log=log, grace=30))
        _worker_up(worker, log)
        print(f"  worker up; {count:,} rows due in {LEAD_SECONDS} s", flush=True)
        with _scanner(settings.REMINDER_SCAN_SECONDS):
            due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD_SECONDS + 1)
            reminders_due(placeholder=placeholder, at=due)
            states = _drained(count, inbox, time.monotonic() + deadline_seconds)
    arrived = receipts(inbox)
    ids = [message_id for _arrived, message_id in arrived]
    expected = set(Reminder.objects.values_list("message_id", flat=True))
    if states != {"sent": count} or len(ids) != count or set(ids) != expected:
        raise BenchError(
            f"rows ended {states}; {len(ids)} mails received, {len(set(ids))} distinct Message-IDs, "
            f"{len(set(ids) - expected)} unknown, {len(expected - set(ids))} missing (expected {count} of each)"
        )
    times = [moment for moment, _id in arrived]
    late = [moment - due.timestamp() for moment in times]
    return {
        "drain": max(times) - min(times),
        "total": max(times) - due.timestamp(),
        "late_p50": statistics.median(late),
        "late_p99": _percentile(late, 0.99),
        "scan_seconds": settings.REMINDER_SCAN_SECONDS,
        "chunk": settings.REMINDER_CHUNK,
        "counts": _counts(counts),
    }


def _bare(*, count: int, work: Path) -> dict:
    """The same messages over one SMTP connection to the same kind of server."""
    from bench.mailbox import messages, receipts

    prebuilt = list(messages(work / "mail-ours"))
    with ExitStack() as stack:
        inbox = _mailbox(stack, BARE_SMTP, work / "mail-bare", work)
        began = time.time()
        with smtplib.SMTP("127.0.0.1", BARE_SMTP, timeout=30) as smtp:
            for sender, recipients, content in prebuilt:
                smtp.sendmail(sender, recipients, content)
        sent = time.time() - began
    times = [moment for moment, _id in receipts(inbox)]
    if len(times) != count:
        raise BenchError(f"the bare loop: {len(times)} mails received of {count}")
    return {"drain": max(times) - min(times), "client": sent}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--deadline", type=float, default=900, help="seconds the workers may take")
    args = parser.parse_args()
    terminate_on_sigterm()
    django.setup()
    from bench.reminder_data import reminders_seed

    try:
        placeholder = reminders_seed(count=args.count)
        ours = _ours(count=args.count, work=args.work, placeholder=placeholder, deadline_seconds=args.deadline)
        print(f"  sent: drained in {ours['drain']:.1f} s; now the bare loop", flush=True)
        bare = _bare(count=args.count, work=args.work)
    except BenchError as exc:
        raise SystemExit(f"reminders: {exc}") from exc
    args.out.write_text(json.dumps({"ours": ours, "bare": bare}))


if __name__ == "__main__":
    main()
