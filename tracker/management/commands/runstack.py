"""Run the web server, a Celery worker and Celery beat together until Ctrl-C or SIGTERM."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

GRACE_SECONDS = 15


def web_command(*, host: str, port: int) -> list[str]:
    """gunicorn serving config.wsgi, its access log on stdout with calendar secrets masked."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"{host}:{port}",
        "--workers",
        "2",
        "--access-logfile",
        "-",
        "--logger-class",
        "tracker.logs.GunicornLogger",
    ]


def site_url(*, host: str, port: int) -> str:
    """The address people reach the web process at, for links in mail: a wildcard bind address
    (all interfaces) is reached on this machine as 127.0.0.1."""
    reachable = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - compared, not bound
    return f"http://[{reachable}]:{port}" if ":" in reachable else f"http://{reachable}:{port}"


def children_environment(*, host: str, port: int, environ: dict[str, str]) -> dict[str, str]:
    """The environment of web, worker and beat: the same PORT, and the same SITE_URL (the one set,
    else the address the web process serves on), so links in mail from the worker point at it."""
    return {**environ, "PORT": str(port), "SITE_URL": environ.get("SITE_URL") or site_url(host=host, port=port)}


class Command(BaseCommand):
    help = "Start gunicorn (config.wsgi), a Celery worker and Celery beat; stop all of them on SIGINT/SIGTERM."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, host: str, port: int, **options) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"PORT must be between 1 and 65535, not {port}.")
        python = sys.executable
        commands = {
            "web": web_command(host=host, port=port),
            "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        environment = children_environment(host=host, port=port, environ=dict(os.environ))
        children = {
            name: subprocess.Popen(command, cwd=settings.BASE_DIR, env=environment)
            for name, command in commands.items()
        }
        self.stdout.write(
            f"Web on http://{host}:{port}/ (admin at /admin/), worker and beat started "
            f"(pids {', '.join(f'{name} {child.pid}' for name, child in children.items())}). Ctrl-C stops all."
        )
        self.stdout.flush()
        failed = None
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = f"{name} exited with code {child.returncode}"
                    stopping = True
                    break
            time.sleep(0.2)
        self._stop_all(children)
        if failed:
            raise CommandError(f"Stopped everything because {failed}.")
        self.stdout.write("Stopped web, worker and beat.")

    def _stop_all(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {GRACE_SECONDS}s; killing it.")
                child.kill()
                child.wait()
