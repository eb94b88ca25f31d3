"""Fixtures of the dataset catalog tests: a small fleet export, settings, catalogs, S3 sources.

Plain helpers (writing frames as files, comparing them, snapshots of a store) are in `support`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forewarn.catalog import Catalog
from forewarn.settings import Settings
from forewarn.simulator import simulate
from forewarn.storage import ObjectStore, open_store
from support import TELEMETRY_COLUMNS, write_frame


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    """Five days of three simulated systems."""
    return simulate(systems=3, days=5, seed=1)


@pytest.fixture
def telemetry(sim: pd.DataFrame) -> pd.DataFrame:
    """20 minutes of two systems, interleaved by time as a fleet export would be."""
    rows = sim[sim["system_id"].isin(["sys-00", "sys-01"])].groupby("system_id").head(20)
    rows = rows.sort_values(["timestamp", "system_id"], kind="stable")
    return rows[TELEMETRY_COLUMNS].reset_index(drop=True)


@pytest.fixture
def rounded(telemetry: pd.DataFrame) -> pd.DataFrame:
    """Values every text format writes exactly (JSON keeps 10 decimals)."""
    return telemetry.round({c: 6 for c in TELEMETRY_COLUMNS[2:]})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings of a private home (local sources need no server)."""
    return Settings(home=tmp_path / "home")


@pytest.fixture
def catalog(store: ObjectStore) -> Catalog:
    """A catalog on each object store (local folder, S3)."""
    return Catalog(store)


@pytest.fixture
def s3_source(s3_settings: Settings, rounded: pd.DataFrame, tmp_path: Path) -> str:
    """`s3://<bucket>/raw/` holding a CSV, a Parquet file and a note."""
    store = open_store(s3_settings)
    store.put_bytes("raw/b.csv", write_frame(rounded.iloc[12:], tmp_path / "b.csv").read_bytes())
    store.put_bytes(
        "raw/a.parquet", write_frame(rounded.iloc[:12], tmp_path / "a.parquet").read_bytes()
    )
    store.put_bytes("raw/notes.txt", b"not data")
    return f"s3://{s3_settings.s3_bucket}/raw/"
