"""Where an uploaded spreadsheet waits between its trial run and its confirmation.

The confirmation form names the file it confirms. Names are random (32 hex digits) and nothing
else is taken, so a forged confirmation can make the server read or delete no other file. The
file is kept in the cache when every web process shares it (Redis), else in `VAR_DIR/imports/`,
which the embedded default's processes share."""

import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from import_export.tmp_storages import BaseStorage

_NAME = re.compile(r"[0-9a-f]{32}")
_CACHE_PREFIX = "import-file:"
_LIFETIME = 24 * 3600  # seconds a trial run may wait for its confirmation


def _cache_is_shared() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


class ImportFileStorage(BaseStorage):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        if self.name is not None and not _NAME.fullmatch(str(self.name)):
            raise SuspiciousOperation("An import confirmation named a file that is not an uploaded one.")

    def _path(self) -> Path:
        folder = Path(settings.VAR_DIR) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / self.name

    def save(self, data: bytes) -> None:
        self.name = self.name or secrets.token_hex(16)
        if _cache_is_shared():
            cache.set(_CACHE_PREFIX + self.name, data, _LIFETIME)
            return
        path = self._path()
        for old in path.parent.iterdir():  # trial runs never confirmed, as the cache would forget them
            if old.stat().st_mtime < time.time() - _LIFETIME:
                old.unlink(missing_ok=True)
        path.write_bytes(data)

    def read(self) -> bytes | str:
        if _cache_is_shared():
            data = cache.get(_CACHE_PREFIX + self.name)
        else:
            path = self._path()
            data = path.read_bytes() if path.exists() else None
        if data is None:
            raise SuspiciousOperation("An import confirmation named a file that is gone or never was.")
        return data if "b" in self.read_mode else data.decode(self.encoding or "utf-8-sig")

    def remove(self) -> None:
        if _cache_is_shared():
            cache.delete(_CACHE_PREFIX + self.name)
        else:
            self._path().unlink(missing_ok=True)
