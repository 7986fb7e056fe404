"""`make bench`: the tracker measured on PostgreSQL and Redis against the floor of each job, in one table.

What it measures, each beside a baseline that does only the unavoidable part of the job:

- API (production settings, gunicorn -w 2, wrk -t1 -c4): the idiomatic DRF list, our session
  list (200 sessions × 5 agenda items) cold and warm (also with gzip accepted) and its 304, the
  token .ics feed of 2,000 sessions cold and warm, and a personal calendar address warm and 304,
  each against a bare WSGI app serving the same bytes (or `ok` for a 304). Bare and ours run in
  turns; the table shows the median of each side's runs.
- Reminders: N reminders due at once, found by the scanner every REMINDER_SCAN_SECONDS and sent
  by a real Celery worker (2 processes) to a local SMTP server, against the same messages sent
  over one SMTP connection; tasks per 100 mails, queries per mail, lateness.
- The claim: `reminders_claim(limit=500)` with a million sent rows in the table and without.

Run it with `make bench` (starts PostgreSQL and Redis if they are down, installs wrk), or
`.venv/bin/python -m bench [--quick] [--only api,reminders,claim] [--seconds S] [--rounds R]
[--reminders N] [--claim-rows N] [--claim-tries N]`. It uses the PostgreSQL databases
tracker_bench, tracker_bench_mail and tracker_bench_claim (dropped and made again; the server from
BENCH_POSTGRES, by default postgres://postgres@127.0.0.1:5432), Redis database 13 (emptied;
BENCH_REDIS_URL), ports 18100-18111 and var/bench/work/ (logs, bodies, mail), and writes the
table to var/bench/last.txt. The project's other settings come from the environment as usual
(e.g. REMINDER_CHUNK=100 to try another chunk size). Full run: about 10 minutes on 2 cores;
--quick: about 2 to 3.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis

from bench import databases
from bench.api import api_bench
from bench.claim import claim_bench
from bench.processes import PROJECT, BenchError, terminate_on_sigterm
from bench.reminders import PEOPLE, reminders_bench
from bench.table import Section, table_text, table_write

PARTS = ("api", "reminders", "claim")
FULL = {"seconds": 3, "rounds": 3, "reminders": 10_000, "claim_rows": 1_000_000, "claim_tries": 30}
QUICK = {"seconds": 2, "rounds": 1, "reminders": 1_000, "claim_rows": 100_000, "claim_tries": 10}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs and smaller data (about 2 minutes)")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: api, reminders, claim")
    parser.add_argument("--seconds", type=int, help="seconds of each API load run (3; quick: 2)")
    parser.add_argument("--rounds", type=int, help="API runs per side and measure (3; quick: 1)")
    parser.add_argument("--reminders", type=int, help="reminders due at once, a multiple of 200 (10,000; quick: 1,000)")
    parser.add_argument("--claim-rows", type=int, help="sent rows beside the due ones (1,000,000; quick: 100,000)")
    parser.add_argument("--claim-tries", type=int, help="claims timed on each table (30; quick: 10)")
    args = parser.parse_args()
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.parts = [part.strip() for part in args.only.split(",") if part.strip()]
    if unknown := set(args.parts) - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.reminders < 1 or (args.reminders > PEOPLE and args.reminders % PEOPLE):
        parser.error(f"--reminders: a multiple of {PEOPLE} (each member is reminded of every session)")
    return args


def _heading(args: argparse.Namespace, seconds: float) -> str:
    commit = subprocess.run(  # noqa: S603 - reads the checked-out commit
        [shutil.which("git") or "git", "rev-parse", "--short", "HEAD"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    changed = subprocess.run(  # noqa: S603
        [shutil.which("git") or "git", "status", "--porcelain", "--untracked-files=no"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    mode = "make bench --quick" if args.quick else "make bench"
    return (
        f"{mode} at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}"
        f"{' with local changes' if changed else ''}, {os.cpu_count()} cores, took {seconds / 60:.1f} min"
    )


@contextmanager
def _step(name: str):
    print(f"{name} ...", flush=True)
    began = time.monotonic()
    yield
    print(f"{name}: {time.monotonic() - began:.0f} s", flush=True)


def _parts(args: argparse.Namespace, work: Path) -> list[Section]:
    sections = []
    databases.redis_flush()
    copies = [name for part, name in (("reminders", databases.MAIL), ("claim", databases.CLAIM)) if part in args.parts]
    with _step("Making the databases"):
        databases.databases_create(work=work, copies=copies)
    if "api" in args.parts:
        with _step("API"):
            sections.append(api_bench(work=work, seconds=args.seconds, rounds=args.rounds))
    if "reminders" in args.parts:
        with _step(f"Reminders ({args.reminders:,})"):
            sections.append(reminders_bench(work=work, count=args.reminders))
    if "claim" in args.parts:
        with _step(f"The claim ({args.claim_rows:,} sent rows)"):
            sections.append(claim_bench(work=work, rows=args.claim_rows, tries=args.claim_tries))
    return sections


def main() -> None:
    args = _arguments()
    terminate_on_sigterm()
    work = PROJECT / "var" / "bench" / "work"
    began = time.monotonic()
    try:
        with databases.bench_lock():
            shutil.rmtree(work, ignore_errors=True)
            (work / "var").mkdir(parents=True)
            try:
                sections = _parts(args, work)
            finally:
                with suppress(redis.RedisError):
                    databases.redis_flush()
    except (BenchError, redis.RedisError, psycopg.OperationalError) as exc:
        sys.exit(f"\nbench failed: {exc}\n(logs in {work})")
    text = table_text(sections, heading=_heading(args, time.monotonic() - began))
    print("\n" + text, end="")
    table_write(text, PROJECT / "var" / "bench" / "last.txt")


if __name__ == "__main__":
    main()
