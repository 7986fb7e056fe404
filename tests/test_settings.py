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


PRINT_PERIMETER = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'], s.SESSION_IDLE_SECONDS, "
    "s.SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT, s.LOGIN_FAILURE_LIMIT_PER_ADDRESS, "
    "s.AXES_COOLOFF_TIME.total_seconds(), s.ADMIN_REQUIRE_2FA, s.OTP_TOTP_ISSUER]))"
)


def test_perimeter_defaults(tmp_path):
    result = _run(PRINT_PERIMETER, tmp_path)
    assert json.loads(result.stdout) == [0, 0, 1800, 28800, 5, 30, 900.0, False, "Committee tracker"]


def test_perimeter_comes_from_the_environment(tmp_path):
    result = _run(
        PRINT_PERIMETER,
        tmp_path,
        TRUSTED_PROXY_COUNT="2",
        SESSION_IDLE_SECONDS="600",
        SESSION_COOKIE_AGE="3600",
        LOGIN_FAILURE_LIMIT="3",
        LOGIN_FAILURE_LIMIT_PER_ADDRESS="20",
        LOGIN_LOCKOUT_MINUTES="60",
        ADMIN_REQUIRE_2FA="true",
        OTP_TOTP_ISSUER="Comité binacional",
    )
    assert json.loads(result.stdout) == [2, 2, 600, 3600, 3, 20, 3600.0, True, "Comité binacional"]


def test_production_requires_the_second_factor_whatever_the_environment(tmp_path):
    result = _run(
        PRINT_PERIMETER,
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 50,
        ADMIN_REQUIRE_2FA="false",
    )
    assert json.loads(result.stdout)[7] is True
    # Start-up is quiet: no banner from django-axes.
    assert result.stderr == ""
