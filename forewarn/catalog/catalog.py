"""The dataset catalog: immutable, content-addressed dataset versions in the object store.

Layout: `datasets/<name>/<version>/data.parquet`, then `.../manifest.json` written last. A version
is visible only once its manifest exists, so a write that dies half-way leaves nothing listed.
The version id is the start of the sha256 of the canonical content: ingesting identical content
again returns the existing version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from forewarn.catalog.kinds import DatasetKind, get_kind
from forewarn.catalog.profiling import column_statistics, series_preparation, time_quality
from forewarn.storage import ObjectNotFound, ObjectStore

PREFIX = "datasets"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class DatasetNotFound(LookupError):
    """No dataset (or version) by that name."""


@dataclass(frozen=True)
class Manifest:
    """Everything known about one dataset version."""

    name: str
    version: str
    sha256: str
    kind: str
    rows: int
    schema: dict[str, str]
    statistics: dict[str, Any]
    quality: dict[str, Any]
    source: str
    licence: str
    created_at: str
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tags(self) -> dict[str, str]:
        """What a training run records about the data it saw."""
        return {
            "dataset.name": self.name,
            "dataset.version": self.version,
            "dataset.sha256": self.sha256,
        }


def canonical(frame: pd.DataFrame, kind: DatasetKind) -> pd.DataFrame:
    """Kind columns first, extras sorted; rows by (series, time, then every other column, so
    rows sharing a timestamp have one order whatever the input's); a fresh index."""
    known = [c.name for c in kind.columns if c.name in frame.columns]
    extras = sorted(c for c in frame.columns if c not in known)
    keys = [kind.series_key, kind.time_column]
    columns = keys + [c for c in known + extras if c not in keys]
    ordered = frame[known + extras].sort_values(columns, kind="stable")
    return ordered.reset_index(drop=True)


def content_hash(frame: pd.DataFrame) -> str:
    """sha256 of the column names, dtypes and row hashes: stable across file formats."""
    digest = hashlib.sha256()
    for name, dtype in frame.dtypes.items():
        digest.update(f"{name}:{dtype};".encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


class Catalog:
    """Datasets stored in an object store."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def add(
        self,
        frame: pd.DataFrame,
        name: str,
        kind: str,
        source: str,
        licence: str,
        description: str = "",
    ) -> tuple[Manifest, bool]:
        """Store a validated frame as a version of `name`; return it and whether it is new.

        Identical content (same canonical hash) returns the existing version unchanged.
        """
        if not NAME_PATTERN.fullmatch(name):
            raise ValueError(f"dataset name {name!r} must match {NAME_PATTERN.pattern}")
        dataset_kind = get_kind(kind)
        data = canonical(frame, dataset_kind)
        sha = content_hash(data)
        version = sha[:12]
        existing = self._manifest_or_none(name, version)
        if existing is not None:
            return existing, False
        manifest = Manifest(
            name=name,
            version=version,
            sha256=sha,
            kind=kind,
            rows=len(data),
            schema={str(k): str(v) for k, v in data.dtypes.items()},
            statistics=column_statistics(data),
            quality=time_quality(data, dataset_kind) | series_preparation(data, dataset_kind),
            source=source,
            licence=licence,
            description=description,
            created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        )
        self.store.put_parquet(self._key(name, version, "data.parquet"), data)
        self.store.put_json(self._key(name, version, "manifest.json"), asdict(manifest))
        return manifest, True

    def names(self) -> list[str]:
        """Names of the datasets that have at least one complete version."""
        keys = self.store.list(f"{PREFIX}/")
        return sorted({k.split("/")[1] for k in keys if k.endswith("/manifest.json")})

    def versions(self, name: str) -> list[Manifest]:
        """The complete versions of `name`, oldest first."""
        keys = [k for k in self.store.list(f"{PREFIX}/{name}/") if k.endswith("/manifest.json")]
        manifests = [Manifest(**self.store.get_json(k)) for k in keys]
        return sorted(manifests, key=lambda m: m.created_at)

    def manifest(self, name: str, version: str | None = None) -> Manifest:
        """One version's manifest (the newest when `version` is None)."""
        if version is None:
            versions = self.versions(name)
            if not versions:
                raise DatasetNotFound(f"dataset {name!r} has no version; known: {self.names()}")
            return versions[-1]
        found = self._manifest_or_none(name, version)
        if found is None:
            raise DatasetNotFound(f"dataset {name!r} has no version {version!r}")
        return found

    def load(self, name: str, version: str | None = None) -> tuple[pd.DataFrame, Manifest]:
        """The data and manifest of one version (the newest when `version` is None)."""
        manifest = self.manifest(name, version)
        frame = self.store.get_parquet(self._key(name, manifest.version, "data.parquet"))
        return frame, manifest

    def delete(self, name: str, version: str) -> None:
        """Remove a version: the manifest first, so it is never listed half-deleted."""
        self.manifest(name, version)
        self.store.delete(self._key(name, version, "manifest.json"))
        self.store.delete(self._key(name, version, "data.parquet"))

    def _manifest_or_none(self, name: str, version: str) -> Manifest | None:
        try:
            return Manifest(**self.store.get_json(self._key(name, version, "manifest.json")))
        except ObjectNotFound:
            return None

    def data_uri(self, name: str, version: str) -> str:
        """Where a version's data lies (`file://...` or `s3://...`): its lineage for MLflow."""
        return self.store.uri(self._key(name, version, "data.parquet"))

    @staticmethod
    def _key(name: str, version: str, leaf: str) -> str:
        return f"{PREFIX}/{name}/{version}/{leaf}"
