"""API keys: who may call the service, with which scopes and rate-limit tier.

Core, not serving: the CLI creates, lists and revokes keys without loading the web service, and
the API verifies them. Keys are stored hashed in a JSON file that both processes share.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCOPES = ("predict", "models:read", "models:write", "datasets", "training", "admin")
TIERS = ("basic", "premium", "enterprise")
_KEY_FORMAT = re.compile(r"fw_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: who, what it may do, and its rate-limit tier."""

    subject: str
    scopes: frozenset[str]
    tier: str
    key_id: str | None

    def allows(self, scope: str) -> bool:
        """Whether this caller holds `scope` (admin holds every scope)."""
        return scope in self.scopes or "admin" in self.scopes


@dataclass(frozen=True)
class KeyRecord:
    """What the store shows about a key: never the key, nor its hash."""

    key_id: str
    name: str
    scopes: frozenset[str]
    tier: str
    created_at: str


def _digest(key: str) -> str:
    """SHA-256 of a key, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def _checked_grant(name: str, scopes: Iterable[str], tier: str) -> frozenset[str]:
    """The scopes as a set, or ValueError naming what is wrong."""
    granted = frozenset(scopes)
    if not name.strip():
        raise ValueError("a key needs a name")
    if not granted:
        raise ValueError(f"a key needs at least one scope: {', '.join(SCOPES)}")
    for scope in sorted(granted):
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}; expected any of {', '.join(SCOPES)}")
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")
    return granted


def _record(key_id: str, entry: dict[str, Any]) -> KeyRecord:
    """A stored entry as a record."""
    return KeyRecord(
        key_id, entry["name"], frozenset(entry["scopes"]), entry["tier"], entry["created_at"]
    )


class KeyStore:
    """API keys `fw_<key_id>_<secret>` in a 0600 JSON file holding only their SHA-256.

    The file is cached and reloaded when it changes, so keys made by the CLI work at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._entries: dict[str, dict[str, Any]] = {}

    def create(
        self, name: str, scopes: Iterable[str], tier: str = "basic"
    ) -> tuple[str, KeyRecord]:
        """A new key, returned in plain this once; only its hash is stored."""
        granted = _checked_grant(name, scopes, tier)
        key_id = secrets.token_hex(6)
        key = f"fw_{key_id}_{secrets.token_urlsafe(32)}"
        entry = {
            "name": name,
            "scopes": sorted(granted),
            "tier": tier,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": _digest(key),
        }
        with self._editing() as entries:
            entries[key_id] = entry
        return key, _record(key_id, entry)

    def verify(self, key: str) -> Principal | None:
        """The key's principal, or None when it is malformed, unknown, revoked or wrong."""
        match = _KEY_FORMAT.fullmatch(key)
        if match is None:
            return None
        key_id = match.group(1)
        entry = self._current().get(key_id)
        if entry is None or not hmac.compare_digest(entry["sha256"], _digest(key)):
            return None
        return Principal(entry["name"], frozenset(entry["scopes"]), entry["tier"], key_id)

    def list(self) -> list[KeyRecord]:
        """Every key's record, oldest first."""
        records = [_record(key_id, entry) for key_id, entry in self._current().items()]
        return sorted(records, key=lambda record: (record.created_at, record.key_id))

    def revoke(self, key_id: str) -> None:
        """Delete a key; KeyError when there is none with this id."""
        with self._editing() as entries:
            if key_id not in entries:
                raise KeyError(key_id)
            del entries[key_id]

    def _current(self) -> dict[str, dict[str, Any]]:
        """The entries, read again only when the file changed (one stat per call)."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (status.st_mtime_ns, status.st_ino, status.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._entries, self._stamp = self._read(), stamp
            return self._entries

    def _read(self) -> dict[str, dict[str, Any]]:
        """The entries on disk (none when there is no file)."""
        try:
            entries: dict[str, dict[str, Any]] = json.loads(self.path.read_text())["keys"]
        except FileNotFoundError:
            return {}
        return entries

    @contextmanager
    def _editing(self) -> Iterator[dict[str, dict[str, Any]]]:
        """Read, change and atomically rewrite the file, locked against other processes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with self._lock, open(lock_path, "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            entries = self._read()
            yield entries
            self._write(entries)

    def _write(self, entries: dict[str, dict[str, Any]]) -> None:
        """Write to a 0600 temporary file beside the store, then rename it over the store."""
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".keys-")
        try:
            with os.fdopen(descriptor, "w") as file:
                json.dump({"version": 1, "keys": entries}, file, indent=2, sort_keys=True)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
