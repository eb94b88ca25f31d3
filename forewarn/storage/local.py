"""Objects as files in a local folder (the embedded stack's store)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from forewarn.storage.base import (
    ObjectNotFound,
    ObjectStore,
    StorageError,
    StorageUnavailable,
    check_key,
    check_prefix,
)


class LocalObjectStore(ObjectStore):
    """Objects as files under `root`; temp files live in the hidden `root/.tmp/`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()
        self._tmp_dir = self.root / ".tmp"

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            tmp = self._write_temp(data)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:
            raise StorageError(f"cannot write {key!r} in {self!r}: {exc}") from exc

    def _write_temp(self, data: bytes) -> str:
        """Write `data` to a new fsynced file in the hidden temp folder; return its path."""
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._tmp_dir, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o644)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            os.unlink(tmp)
            raise
        return tmp

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(key, self) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> list[str]:
        start = self.root / check_prefix(prefix).rpartition("/")[0]
        keys = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            folder = Path(dirpath).relative_to(self.root)
            for name in filenames:
                key = (folder / name).as_posix()
                if not name.startswith(".") and key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete(self, key: str) -> None:
        with contextlib.suppress(IsADirectoryError, NotADirectoryError):  # no object there
            self._path(key).unlink(missing_ok=True)

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        """Probe by creating (and removing) a temp file under the root."""
        try:
            self._tmp_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self._tmp_dir):
                pass
        except OSError as exc:
            raise StorageUnavailable(f"object store at {self.root} is unavailable: {exc}") from exc

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()
