"""Flow `ingest-dataset` through a real Prefect harness."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.ingest_dataset import ingest_dataset
from forewarn.catalog import DatasetValidationError
from forewarn.settings import Settings
from forewarn.simulator import simulate
from tasks.datasets import catalog


@pytest.fixture
def telemetry_folder(tmp_path: Path) -> Path:
    frame = simulate(systems=2, days=1, seed=11)
    for system_id, rows in frame.groupby("system_id"):
        rows.to_csv(tmp_path / f"{system_id}.csv", index=False)
    return tmp_path


def test_ingests_a_folder_once(stack: Settings, telemetry_folder: Path) -> None:
    first = ingest_dataset(
        source=str(telemetry_folder), name="flow-telemetry", kind="telemetry", licence="MIT"
    )
    again = ingest_dataset(
        source=str(telemetry_folder), name="flow-telemetry", kind="telemetry", licence="MIT"
    )

    assert first["created"] and not again["created"]
    assert again["version"] == first["version"]
    assert first["rows"] == 2 * 1440
    assert [m.version for m in catalog().versions("flow-telemetry")] == [first["version"]]


def test_bad_input_fails_naming_file_column_rule_and_writes_nothing(
    stack: Settings, telemetry_folder: Path
) -> None:
    broken = pd.read_csv(telemetry_folder / "sys-01.csv")
    broken.loc[5:7, "memory_usage"] = 140.0
    broken.to_csv(telemetry_folder / "sys-01.csv", index=False)
    before = catalog().store.list("datasets/")

    with pytest.raises(DatasetValidationError) as failure:
        ingest_dataset(source=str(telemetry_folder), name="broken-telemetry", kind="telemetry")

    message = str(failure.value)
    assert "sys-01.csv" in message and "memory_usage" in message
    assert "0 <= memory_usage <= 100" in message and "'row': 5" in message
    assert catalog().store.list("datasets/") == before
