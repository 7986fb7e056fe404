import json
import threading

import pytest
from celery import current_app
from django.db import connections

from config.celery import app


@pytest.mark.django_db
def test_healthz_both_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_current_celery_app_is_the_projects_in_every_thread():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(current_app._get_current_object()))
    thread.start()
    thread.join()
    assert [current_app._get_current_object(), *seen] == [app, app]


@pytest.fixture
def unreachable_broker(tmp_path):
    saved = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    if app.conf.broker_url.startswith("filesystem"):
        missing = tmp_path / "no-such-folder"
        app.conf.broker_transport_options = {**saved[1], "data_folder_out": str(missing)}
    else:
        app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved


@pytest.mark.django_db
def test_healthz_broker_down_is_503(client, unreachable_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")


@pytest.mark.django_db
def test_healthz_database_down_is_503(client, tmp_path):
    original = connections["default"]
    unreachable = dict(original.settings_dict)
    if original.vendor == "postgresql":
        unreachable["PORT"] = "1"  # nothing listens on port 1
    else:
        unreachable["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
    connections["default"] = original.__class__(unreachable, alias="default")
    try:
        response = client.get("/healthz")
    finally:
        connections["default"].close()
        connections["default"] = original
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "error: OperationalError", "broker": "ok"}


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_answers_head(client):
    assert client.head("/healthz").status_code == 200
