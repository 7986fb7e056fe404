"""Every admin page a secretariat opens renders, on the demo data."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False)
def test_every_admin_page_renders(admin_client):
    call_command("seed_demo", verbosity=0)
    call_command("create_api_token", "admin", verbosity=0)
    assert admin_client.get("/admin/").status_code == 200
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert admin_client.get(base).status_code == 200, base
        assert admin_client.get(base, {"q": "a"}).status_code == 200, base
        if model_admin.has_add_permission(_request()):
            assert admin_client.get(f"{base}add/").status_code == 200, base
        first = model.objects.order_by("pk").first()
        if first is not None:
            assert admin_client.get(f"{base}{first.pk}/change/").status_code == 200, base
            assert admin_client.get(f"{base}{first.pk}/history/").status_code == 200, base


def _request():
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="admin")
    return request
