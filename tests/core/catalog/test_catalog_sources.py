"""Sources: every file format, folders and S3 prefixes read back, and errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forewarn.catalog import DatasetValidationError
from forewarn.catalog.ingest import read_validated
from forewarn.catalog.kinds import TELEMETRY
from forewarn.catalog.sources import read_source
from forewarn.catalog.validation import validate
from forewarn.settings import Settings
from forewarn.storage import open_store
from support import same_values, write_frame

# --- local files and folders ---


@pytest.mark.parametrize(
    "name",
    ["fleet.csv", "fleet.csv.gz", "fleet.parquet", "fleet.jsonl", "fleet.jsonl.gz", "fleet.ndjson"],
)
def test_each_file_format_reads_back(
    tmp_path: Path, settings: Settings, rounded: pd.DataFrame, name: str
) -> None:
    path = write_frame(rounded, tmp_path / name)
    files = read_source(str(path), settings)
    assert [f.location for f in files] == [str(path)]
    exact = ".csv" in name or ".parquet" in name
    same_values(validate(files[0].frame, TELEMETRY, files[0].location), rounded, exact)
    same_values(read_validated(str(path), "telemetry", settings), rounded, exact)


def test_folder_reads_every_data_file_sorted(
    tmp_path: Path, settings: Settings, rounded: pd.DataFrame
) -> None:
    folder = tmp_path / "export"
    parts = [rounded.iloc[:10], rounded.iloc[10:25], rounded.iloc[25:]]
    write_frame(parts[1], folder / "b.csv")
    write_frame(parts[0], folder / "a.parquet")
    write_frame(parts[2], folder / "sub" / "c.jsonl")
    write_frame(rounded, folder / "README.md")
    files = read_source(str(folder), settings)
    assert [f.location for f in files] == [
        str(folder / "a.parquet"),
        str(folder / "b.csv"),
        str(folder / "sub" / "c.jsonl"),
    ]
    assert [len(f.frame) for f in files] == [10, 15, len(rounded) - 25]
    same_values(read_validated(str(folder), "telemetry", settings), rounded, exact=False)
    exact = read_validated(str(folder), "telemetry", settings).iloc[:25]
    same_values(exact, rounded.iloc[:25])


def test_folder_errors_name_the_bad_file(
    tmp_path: Path, settings: Settings, rounded: pd.DataFrame
) -> None:
    folder = tmp_path / "export"
    write_frame(rounded.iloc[:10], folder / "a.csv")
    bad = rounded.iloc[10:].reset_index(drop=True)
    bad.loc[2, "cpu_utilization"] = 120.0
    bad_path = write_frame(bad, folder / "b.csv")
    with pytest.raises(DatasetValidationError) as caught:
        read_validated(str(folder), "telemetry", settings)
    assert caught.value.source == str(bad_path)
    assert str(caught.value).startswith(f"{bad_path}: column 'cpu_utilization'")
    assert caught.value.sample[0]["row"] == 2


def test_missing_path(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        read_source(str(tmp_path / "nowhere.csv"), settings)


def test_unsupported_suffix(tmp_path: Path, settings: Settings, rounded: pd.DataFrame) -> None:
    path = write_frame(rounded, tmp_path / "fleet.xlsx")
    with pytest.raises(ValueError, match=r"fleet\.xlsx: unsupported format"):
        read_source(str(path), settings)


def test_empty_folder(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no data here")
    with pytest.raises(ValueError, match=r"holds no \.csv"):
        read_source(str(tmp_path / "empty"), settings)


def test_corrupt_file_names_the_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet")
    with pytest.raises(ValueError, match=r"broken\.parquet: cannot be parsed"):
        read_source(str(path), settings)


# --- S3 ---


def test_s3_prefix_source(s3_source: str, s3_settings: Settings, rounded: pd.DataFrame) -> None:
    files = read_source(s3_source, s3_settings)
    assert [f.location for f in files] == [s3_source + "a.parquet", s3_source + "b.csv"]
    same_values(read_validated(s3_source, "telemetry", s3_settings), rounded)
    single = read_source(s3_source + "a.parquet", s3_settings)
    assert [f.location for f in single] == [s3_source + "a.parquet"]


def test_s3_errors_name_the_object(
    s3_source: str, s3_settings: Settings, rounded: pd.DataFrame, tmp_path: Path
) -> None:
    bad = rounded.iloc[12:].reset_index(drop=True).astype({"disk_io": object})
    bad.loc[0, "disk_io"] = "unknown"
    open_store(s3_settings).put_bytes(
        "raw/b.csv", write_frame(bad, tmp_path / "bad.csv").read_bytes()
    )
    with pytest.raises(DatasetValidationError) as caught:
        read_validated(s3_source, "telemetry", s3_settings)
    assert caught.value.source == s3_source + "b.csv"
    assert (caught.value.column, caught.value.rule) == ("disk_io", "values must be of type float")


def test_s3_empty_prefix_is_refused(s3_source: str, s3_settings: Settings) -> None:
    with pytest.raises(ValueError, match="nothing"):
        read_source(s3_source.replace("/raw/", "/nothing/"), s3_settings)
    with pytest.raises(ValueError, match=r"notes\.txt: unsupported format"):
        read_source(s3_source + "notes.txt", s3_settings)


def test_s3_missing_file_is_a_value_error(s3_source: str, s3_settings: Settings) -> None:
    with pytest.raises(ValueError, match=r"missing\.csv"):
        read_source(s3_source + "missing.csv", s3_settings)


def test_s3_single_file_reads_only_that_file(
    s3_source: str, s3_settings: Settings, rounded: pd.DataFrame, tmp_path: Path
) -> None:
    open_store(s3_settings).put_bytes(
        "raw/b.csv.gz", write_frame(rounded.iloc[:3], tmp_path / "old.csv.gz").read_bytes()
    )
    files = read_source(s3_source + "b.csv", s3_settings)
    assert [f.location for f in files] == [s3_source + "b.csv"]
