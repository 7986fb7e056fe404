"""What /healthz reports: whether the database and the broker answer."""

from pathlib import Path

from django.conf import settings
from django.db import connections

from config.celery import app


def database_status() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def broker_status() -> str:
    transport_options = app.conf.broker_transport_options or {}
    with app.connection_for_write() as connection:
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
