"""Settings come from the environment: embedded defaults with nothing set, real services with URLs."""

import json
import os
import subprocess
import sys

from config.settings.base import BASE_DIR

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL, "
    "s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND, s.DEBUG]))"
)


def _run(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY"}}
    clean.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.base", **env})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def test_embedded_defaults_need_nothing(tmp_path):
    result = _run(PRINT_SETTINGS, tmp_path)
    assert json.loads(result.stdout) == [
        "django.db.backends.sqlite3",
        str(tmp_path / "tracker.sqlite3"),
        "filesystem://",
        "django.core.cache.backends.locmem.LocMemCache",
        "tracker.mail.EmlFileBackend",
        False,
    ]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_urls_switch_to_real_services(tmp_path):
    result = _run(
        PRINT_SETTINGS,
        tmp_path,
        DATABASE_URL="postgres://tracker@db.example:5432/tracker",
        REDIS_URL="redis://cache.example:6379/0",
        EMAIL_URL="smtp://relay.example:25",
    )
    assert json.loads(result.stdout) == [
        "django.db.backends.postgresql",
        "tracker",
        "redis://cache.example:6379/0",
        "django.core.cache.backends.redis.RedisCache",
        "django.core.mail.backends.smtp.EmailBackend",
        False,
    ]


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 20 + "-Z9x!q" * 10,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "System check identified no issues (0 silenced).\n",
        "",
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _run("import django; django.setup()", tmp_path, DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("Set the SECRET_KEY environment variable")
