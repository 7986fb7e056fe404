"""The bench's own PostgreSQL databases (`tracker_bench*`), made afresh on every run, and its
Redis database, emptied."""

from contextlib import contextmanager

import psycopg
import redis
from psycopg import sql

from bench.processes import PYTHON, REDIS_URL, BenchError, database_url, environment, run

API = "tracker_bench"
MAIL = "tracker_bench_mail"
CLAIM = "tracker_bench_claim"


def _admin() -> psycopg.Connection:
    return psycopg.connect(database_url("postgres"), autocommit=True)


@contextmanager
def bench_lock():
    """Held for a whole run: a second bench on the same server would drop this one's databases."""
    with _admin() as connection:
        if not connection.execute("SELECT pg_try_advisory_lock(hashtext('tracker_bench'))").fetchone()[0]:
            raise BenchError("another bench is running on this PostgreSQL server")
        yield


def databases_drop(*names: str) -> None:
    with _admin() as connection:
        for name in names:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def databases_create(*, work, copies: list[str]) -> None:
    """tracker_bench migrated, and `copies` made from it (as migrated, before any data)."""
    databases_drop(API, *copies)
    with _admin() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(API)))
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=environment(database=API, work=work))
    with _admin() as connection:
        for name in copies:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(API))
            )


def redis_flush(*, asynchronous: bool = False) -> None:
    """Empty the bench's Redis database (the cache and the broker's queues)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb(asynchronous=asynchronous)
    finally:
        client.close()
