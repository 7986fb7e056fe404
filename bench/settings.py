"""The production settings with the bench's URLs (the project's, plus the idiomatic DRF list it is
measured against)."""

from config.settings.production import *  # noqa: F403 - a settings override takes every production name

ROOT_URLCONF = "bench.urls"
