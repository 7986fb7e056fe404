"""What /healthz reports: whether the database and the broker answer.

The broker is asked through Celery's current app, which is the project's: `config` creates it
when the settings are loaded, and Celery's Django fix-up makes it every thread's default."""

from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import connections


def database_status() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def broker_status() -> str:
    transport_options = current_app.conf.broker_transport_options or {}
    with current_app.connection_for_write() as connection:
        if connection.transport_cls == "filesystem":
            # The filesystem transport never fails to "connect"; what matters is the folder.
            folder = Path(transport_options["data_folder_out"])
            probe = folder / ".healthz"
            probe.write_text("ok")
            probe.unlink()
        else:
            connection.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
            _ = connection.default_channel  # opening a channel talks to the server (Redis: PING)
    return "ok"
