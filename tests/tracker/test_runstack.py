"""`make run`'s last step, end to end: web, worker and beat on the embedded defaults, stopped
together by Ctrl-C or SIGTERM."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.settings.base import BASE_DIR
from tests.smtp import free_port

pytestmark = pytest.mark.slow


def _wait_for(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _processes_with(var_dir: Path) -> list[int]:
    """Processes started with this test's VAR_DIR in their environment (ours, not the test's)."""
    marker = f"VAR_DIR={var_dir}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0") and int(environ.parent.name) != os.getpid():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


class Stack:
    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL"}}
        self.env["VAR_DIR"] = str(var_dir)
        self.log = var_dir / "stack.log"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=self.env, check=True
        )
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runstack", "--port", str(self.port)],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def health(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return response.status, json.loads(response.read())
        except OSError:
            return None

    def pids(self) -> dict[str, int]:
        match = re.search(r"pids web (\d+), worker (\d+), beat (\d+)", self.output())
        return dict(zip(("web", "worker", "beat"), map(int, match.groups()), strict=True)) if match else {}

    def wait_ready(self) -> None:
        _wait_for(self.health, seconds=60, what="the web server")
        _wait_for(lambda: "ready." in self.output(), seconds=60, what="the worker")
        _wait_for(lambda: "beat: Starting" in self.output(), seconds=60, what="beat")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for pid in _processes_with(self.var_dir):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def stack(tmp_path):
    running = Stack(tmp_path)
    yield running
    running.stop()


def test_stack_serves_and_ctrl_c_stops_everything(stack):
    stack.wait_ready()
    assert stack.health() == (200, {"status": "ok", "database": "ok", "broker": "ok"})
    # The worker answers over the filesystem broker.
    ping = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "inspect", "ping", "--timeout", "10"],
        cwd=BASE_DIR,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "pong" in ping.stdout, ping.stdout + ping.stderr
    assert set(stack.pids()) == {"web", "worker", "beat"}

    os.killpg(stack.process.pid, signal.SIGINT)  # what Ctrl-C does to the terminal's foreground group
    assert stack.process.wait(timeout=60) == 0
    assert stack.output().rstrip().endswith("Stopped web, worker and beat.")
    _wait_for(lambda: not _processes_with(stack.var_dir), seconds=30, what="all processes to end")


def test_sigterm_to_the_supervisor_stops_everything(stack):
    stack.wait_ready()
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(timeout=60) == 0
    _wait_for(lambda: not _processes_with(stack.var_dir), seconds=30, what="all processes to end")


def test_a_dying_part_stops_the_rest_with_an_error(stack):
    stack.wait_ready()
    os.kill(stack.pids()["beat"], signal.SIGKILL)
    assert stack.process.wait(timeout=60) == 1
    assert "Stopped everything because beat exited with code -9." in stack.output()
    _wait_for(lambda: not _processes_with(stack.var_dir), seconds=30, what="all processes to end")
