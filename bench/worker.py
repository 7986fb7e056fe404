"""The project's Celery worker (`celery -A config worker`), counting as it works: every database
query of every process, and per task name the tasks run and the queries they made, written to
BENCH_COUNTS_DIR/<pid>.json after each task. The application is not touched: the count is a
wrapper put on each database connection as it opens.

    BENCH_COUNTS_DIR=dir python -m bench.worker --concurrency 2
"""

import json
import os
import sys
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from celery.signals import task_postrun, task_prerun
from django.db.backends.signals import connection_created

from config import celery_app

COUNTS_DIR = Path(os.environ["BENCH_COUNTS_DIR"])
_queries = 0
_tasks: Counter = Counter()
_task_queries: Counter = Counter()
_started: dict[str, int] = {}
_wrapped: set[int] = set()
# The wrappers stay on for the life of the process: the stack is never closed.
_wrappers = ExitStack()


def _count(execute, sql, params, many, context):
    global _queries
    _queries += 1
    return execute(sql, params, many, context)


def _wrap(sender, connection, **kwargs) -> None:
    # A connection object opens again after CONN_MAX_AGE: wrapped once, it keeps its wrapper.
    if id(connection) not in _wrapped:
        _wrapped.add(id(connection))
        _wrappers.enter_context(connection.execute_wrapper(_count))


def _task_began(task_id=None, **kwargs) -> None:
    _started[task_id] = _queries


def _task_ended(task_id=None, task=None, **kwargs) -> None:
    _tasks[task.name] += 1
    _task_queries[task.name] += _queries - _started.pop(task_id, _queries)
    counts = {"queries": _queries, "tasks": dict(_tasks), "task_queries": dict(_task_queries)}
    path = COUNTS_DIR / f"{os.getpid()}.json"
    path.with_suffix(".tmp").write_text(json.dumps(counts))
    path.with_suffix(".tmp").replace(path)


connection_created.connect(_wrap, weak=False)
task_prerun.connect(_task_began, weak=False)
task_postrun.connect(_task_ended, weak=False)

if __name__ == "__main__":
    COUNTS_DIR.mkdir(parents=True, exist_ok=True)
    celery_app.worker_main(["worker", "--loglevel", "INFO", *sys.argv[1:]])
