"""Links in mail reach the web process `make run` started: SITE_URL follows PORT unless it is set,
and runstack gives web, worker and beat the same one (the worker writes the mail)."""

import os
import subprocess
import sys

import pytest

from config.settings.base import BASE_DIR
from tracker.management.commands.runstack import children_environment


@pytest.mark.parametrize(
    ("host", "environ", "expected"),
    [
        ("127.0.0.1", {"PATH": "/bin"}, {"PATH": "/bin", "PORT": "8123", "SITE_URL": "http://127.0.0.1:8123"}),
        # bound to every interface: reached here on the loopback address
        ("0.0.0.0", {}, {"PORT": "8123", "SITE_URL": "http://127.0.0.1:8123"}),  # noqa: S104 - not bound
        ("::1", {}, {"PORT": "8123", "SITE_URL": "http://[::1]:8123"}),
        # one set by the operator (a proxy's public address) is kept
        (
            "127.0.0.1",
            {"SITE_URL": "https://committee.example"},
            {"PORT": "8123", "SITE_URL": "https://committee.example"},
        ),
        # the --port given wins over a PORT in the environment, for all three processes
        ("127.0.0.1", {"PORT": "9000"}, {"PORT": "8123", "SITE_URL": "http://127.0.0.1:8123"}),
    ],
)
def test_children_share_port_and_site_url(host, environ, expected):
    assert children_environment(host=host, port=8123, environ=environ) == expected


def _site_url(**environ: str) -> str:
    """SITE_URL as the settings read it in a fresh process with this environment."""
    env = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "PORT")}
    env.update(environ, DJANGO_SETTINGS_MODULE="config.settings.base")
    code = "from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_site_url_default_follows_port():
    assert [_site_url(), _site_url(PORT="8123"), _site_url(PORT="8123", SITE_URL="https://committee.example")] == [
        "http://127.0.0.1:8000",
        "http://127.0.0.1:8123",
        "https://committee.example",
    ]
