import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_creates_admin_with_given_password(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "secretariat")
    monkeypatch.setenv("ADMIN_PASSWORD", "a long chosen password")
    assert _run() == "Created admin login “secretariat” with the password from ADMIN_PASSWORD.\n"
    user = get_user_model().objects.get()
    assert (user.username, user.is_staff, user.is_superuser) == ("secretariat", True, True)
    assert user.check_password("a long chosen password")


def test_generated_password_is_printed_once(monkeypatch):
    monkeypatch.delenv("ADMIN_USERNAME", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    first = _run()
    password = re.search(r"with password: (\S+)\n", first).group(1)
    assert len(password) >= 20
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert _run() == "Admin login “admin” exists; left unchanged.\n"
    assert get_user_model().objects.get(username="admin").check_password(password)


def test_unprintable_username_is_refused(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "ad\tmin")
    with pytest.raises(CommandError, match="ADMIN_USERNAME must be printable"):
        _run()
    assert get_user_model().objects.count() == 0
