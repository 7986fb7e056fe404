import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

# The two-committee world of the access tests, as a fixture for every test module.
pytest_plugins = ["tests.world"]


@pytest.fixture(autouse=True)
def _plain_static_and_fast_hashing(settings):
    # The manifest needs `collectstatic`, which tests of pages do not run; hashing speed is not under test.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _forget() -> None:
    from tests.api import cached_bodies_forget
    from tracker.api.throttling import throttle_forget

    cached_bodies_forget()
    throttle_forget()


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test's database starts again from the same schedule version; cached bodies (shared and
    # this process's) and request counts must not carry over.
    _forget()
    yield
    _forget()


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (an exclusion constraint, or its backends to end); CI runs the suite on PostgreSQL too",
)


@pytest.fixture
def production_settings(settings, monkeypatch):
    """The values config.settings.production changes from the base settings, applied to this test.

    Requests must then be made over HTTPS (the test client's `secure=True`), or they are redirected.
    """
    monkeypatch.setenv("SECRET_KEY", "production-settings-under-test-" + "x" * 40)
    import config.settings.base as base
    import config.settings.production as production

    for name in dir(production):
        if name.isupper() and getattr(production, name) != getattr(base, name, object()):
            setattr(settings, name, getattr(production, name))
    return settings


@pytest.fixture(autouse=True)
def _default_language():
    """Each request activates its reader's language in the test's thread: start every test from
    the default, as a fresh server thread would."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
