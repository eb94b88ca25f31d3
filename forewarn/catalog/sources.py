"""Read dataset sources: a local file or folder, or an `s3://` URI; CSV, Parquet or JSON Lines."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from forewarn.settings import Settings
from forewarn.storage import list_uri, read_uri

SUFFIXES = (".csv", ".csv.gz", ".parquet", ".jsonl", ".jsonl.gz", ".ndjson")


@dataclass(frozen=True)
class SourceFile:
    """One file of a source: where it came from and what it holds."""

    location: str
    frame: pd.DataFrame


def read_source(source: str, settings: Settings) -> list[SourceFile]:
    """Every data file under `source`, parsed. Raises ValueError if there is none."""
    if source.startswith("s3://"):
        listed = list_uri(source, settings)
        uris = [source] if source in listed else [u for u in listed if u.endswith(SUFFIXES)]
        files = [SourceFile(u, parse(u, read_uri(u, settings))) for u in uris]
    else:
        path = Path(source).expanduser()
        if not path.exists():
            raise ValueError(f"source {source!r} does not exist")
        paths = (
            sorted(p for p in path.rglob("*") if p.name.endswith(SUFFIXES))
            if path.is_dir()
            else [path]
        )
        files = [SourceFile(str(p), parse(p.name, p.read_bytes())) for p in paths]
    if not files:
        raise ValueError(f"source {source!r} holds no {', '.join(SUFFIXES)} file")
    return files


def parse(name: str, data: bytes) -> pd.DataFrame:
    """Parse bytes by the file name's suffix; errors name the file."""
    buffer = io.BytesIO(data)
    compression: Literal["gzip"] | None = "gzip" if name.endswith(".gz") else None
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(buffer)
        if name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
            return pd.read_json(
                buffer, lines=True, compression=compression, dtype=False, precise_float=True
            )
        if name.endswith((".csv", ".csv.gz")):
            # Only an empty field is missing: "NA" may well be a region or a system id.
            return pd.read_csv(
                buffer, compression=compression, keep_default_na=False, na_values=[""]
            )
    except (ValueError, OSError) as error:
        raise ValueError(f"{name}: cannot be parsed: {error}") from error
    raise ValueError(f"{name}: unsupported format; use one of {', '.join(SUFFIXES)}")
