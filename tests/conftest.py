import pytest
from django.core.cache import cache
from django.db import connection


@pytest.fixture(autouse=True)
def _plain_static_and_fast_hashing(settings):
    # The manifest needs `collectstatic`, which tests of pages do not run; hashing speed is not under test.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test's database starts again from the same schedule version; cached bodies must not carry over.
    cache.clear()
    yield
    cache.clear()


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="an exclusion constraint only PostgreSQL holds; CI runs the suite on PostgreSQL too",
)
