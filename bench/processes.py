"""The processes a bench run starts (servers, workers, the seeding steps): each in its own process
group, so that stopping it stops everything it started, and every one stopped when the run ends,
fails or is interrupted."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# One random key for the whole run: every process must sign and read alike.
SECRET_KEY = secrets.token_urlsafe(50)


class BenchError(Exception):
    """A check failed: the numbers would not mean what the table says."""


def database_url(name: str) -> str:
    return f"{POSTGRES}/{name}"


def environment(*, database: str, work: Path, settings: str = "config.settings.production", **extra: str) -> dict:
    """The environment of a project process under the given settings: nothing inherited that
    could point it at another database, broker or mail server."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE", "SITE_URL", "PORT")
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": settings,
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url(database),
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        # The bench asks far more often than a client may: the throttle would answer 429.
        "API_RATE": "100000000/minute",
        "VAR_DIR": str(work / "var"),
        "PYTHONPATH": str(PROJECT),
        **extra,
    }


def run(command: list[str], *, env: dict | None = None, timeout: float = 600, quiet: bool = True) -> str:
    """Run a step to its end and return what it printed (`quiet`: kept, and shown if it fails;
    otherwise it prints as it goes). Interrupted, the step is asked to stop and given time to
    stop what it started."""
    output = subprocess.PIPE if quiet else None
    process = subprocess.Popen(  # noqa: S603 - the bench's own fixed commands
        command, cwd=PROJECT, env=env, stdout=output, stderr=output, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:  # a timeout, Ctrl-C, SIGTERM: the step must not outlive the bench
        stop(process, grace=60)
        raise
    if process.returncode != 0:
        shown = f":\n{stdout}\n{stderr}" if quiet else " (its output is above)"
        raise BenchError(f"{' '.join(command[1:4])} ... failed ({process.returncode}){shown}")
    return stdout or ""


def stop(process: subprocess.Popen, *, grace: float = 20) -> None:
    """SIGTERM to the process's group, then SIGKILL to what is left after `grace` seconds."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    # The leader may have gone while members of its group live on.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def started(command: list[str], *, env: dict | None, log: Path, grace: float = 20):
    """A long-running process (its output in `log`), stopped with its whole group on leaving."""
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - the bench's own fixed commands
            command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        stop(process, grace=grace)


def port_wait(port: int, *, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Wait until something accepts connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{log.name}: the process ended ({process.returncode}):\n{log_tail(log)}")
        with socket.socket() as sock, suppress(OSError):
            sock.settimeout(0.5)
            sock.connect(("127.0.0.1", port))
            return
        time.sleep(0.1)
    raise BenchError(f"nothing answered on port {port} within {timeout:.0f} s:\n{log_tail(log)}")


def port_free(port: int) -> None:
    with socket.socket() as sock:
        # As the servers bind: connections of an earlier run waiting to close do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise BenchError(f"port {port} is taken (another bench still running?): {exc}") from exc


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def terminate_on_sigterm() -> None:
    """Make SIGTERM unwind the stack, so `finally` blocks stop what this process started."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _cpu_ticks(group: int) -> int:
    """CPU time (in clock ticks) used so far by the live processes of a process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:  # pgrp, then utime and stime at 12 and 13
                total += int(fields[11]) + int(fields[12])
    return total


def idle_wait(process: subprocess.Popen, *, quiet_for: float = 0.2, timeout: float = 60) -> None:
    """Wait until the process's group has stopped working: a server still building answers for a
    client that has gone would take the CPU from the next run."""
    deadline = time.monotonic() + timeout
    before = _cpu_ticks(process.pid)
    while time.monotonic() < deadline:
        time.sleep(quiet_for)
        now = _cpu_ticks(process.pid)
        if now - before <= 1:
            return
        before = now
