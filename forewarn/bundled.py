"""The datasets that ship with the project (`datasets/bundled.json`): the bootstrap ingests them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from forewarn.catalog.kinds import KindName, get_kind
from forewarn.settings import Settings


@dataclass(frozen=True)
class BundledDataset:
    """A dataset in the repository, ready to ingest."""

    name: str
    kind: KindName
    path: Path
    licence: str
    description: str


def bundled_datasets(settings: Settings) -> list[BundledDataset]:
    """Every bundled dataset, with its path made absolute (an unknown kind is a ValueError)."""
    folder = settings.datasets_dir
    entries = json.loads((folder / "bundled.json").read_text())
    for entry in entries:
        get_kind(entry["kind"])
    return [BundledDataset(**(entry | {"path": folder / entry["path"]})) for entry in entries]


def bundled_dataset(settings: Settings, name: str) -> BundledDataset:
    """The bundled dataset called `name`."""
    found = {d.name: d for d in bundled_datasets(settings)}
    if name not in found:
        raise LookupError(f"no bundled dataset {name!r}; bundled: {sorted(found)}")
    return found[name]
