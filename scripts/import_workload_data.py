"""Build the ``workload-series`` dataset: real metric series for workload forecasting.

Run once by a developer (not at run time) whenever the selection below changes::

    .venv/bin/python scripts/import_workload_data.py [--source /work/shared/data]

Reads (read-only) the source checkouts under ``--source``:

* ``nab/`` -- numenta/NAB @ ea702d75cc22: CSVs (``timestamp,value``) of ``realAWSCloudwatch/``
  and ``realTraffic/`` listed in ``NAB_FILES``.
* ``ms-cloud-monitoring/`` -- microsoft/cloud-monitoring-dataset @ 6a07a53c2fac: CSVs
  (``TimeStamp,Value,Label``) listed in ``MS_FILES`` (the label is not used here).
* ``prophet-examples/`` -- facebook/prophet @ 181f44798, ``examples/``: CSVs (``ds,y``, or
  ``ds`` and one column per location) listed in ``PROPHET_FILES``.

Writes ``datasets/workload-series/workload_series.csv.gz`` with the columns ``timestamp``
(ISO 8601, ``Z``), ``series_id`` and ``value`` (float), sorted by ``series_id`` then
``timestamp`` (stable: rows sharing a timestamp keep their source order), and
``datasets/workload-series/series.csv`` (one row per series: source path and sampling facts).
Values and timestamps are the source's, row for row: gaps, duplicate timestamps and irregular
steps are kept for ingestion to handle (and report). Only the order changes.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "datasets" / "workload-series"
OUT_CSV = OUT_DIR / "workload_series.csv.gz"
OUT_SERIES = OUT_DIR / "series.csv"
DEFAULT_SOURCE = Path("/work/shared/data")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

NAB_FILES = (
    "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv",
    "realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv",
    "realAWSCloudwatch/ec2_network_in_257a54.csv",
    "realAWSCloudwatch/elb_request_count_8c0756.csv",
    "realAWSCloudwatch/grok_asg_anomaly.csv",
    "realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv",
    "realTraffic/occupancy_6005.csv",
    "realTraffic/speed_6005.csv",
)
MS_FILES = (
    "middle-tier-api-dependency-latency/outbound-01.csv",
    "middle-tier-api-dependency-latency/outbound-02.csv",
    "middle-tier-api-dependency-latency/outbound-03.csv",
    "middle-tier-api-dependency-latency/outbound-04.csv",
    "middle-tier-api-dependency-latency/outbound-05.csv",
    "middle-tier-api-dependency-latency/outbound-06.csv",
    "consumer-purchase-rate/purchase-02.csv",
    "consumer-purchase-rate/purchase-03.csv",
    "application-crash-rate-2/app2-01.csv",
    "data-ingress-rate/ingress-03.csv",
    "data-ingress-rate/ingress-04.csv",
    "mongodb-application-rps/mongo-01.csv",
)
PROPHET_FILES = (
    "example_wp_log_R.csv",
    "example_pedestrians_covid.csv",
    "example_pedestrians_multivariate.csv",
    "example_yosemite_temps.csv",
)
LICENCES = {
    "nab/LICENSE.txt": "LICENSE-NAB.txt",
    "ms-cloud-monitoring/LICENSE": "LICENSE-microsoft-cloud-monitoring.txt",
    "prophet-examples/LICENSE": "LICENSE-prophet.txt",
}


def _series(series_id: str, source_path: str, times: pd.Series, values: pd.Series) -> pd.DataFrame:
    """One source series in the dataset's columns; zone-less timestamps are taken as UTC."""
    return pd.DataFrame(
        {
            "timestamp": pd.to_datetime(times, utc=True, format="mixed"),
            "series_id": series_id,
            "value": pd.to_numeric(values).astype(float),
            "source_path": source_path,
        }
    )


def load(source: Path) -> list[pd.DataFrame]:
    """Every selected series, rows in source order."""
    frames = []
    for path in NAB_FILES:
        raw = pd.read_csv(source / "nab" / path)
        frames.append(_series(f"nab/{path[:-4]}", f"data/{path}", raw["timestamp"], raw["value"]))
    for path in MS_FILES:
        raw = pd.read_csv(source / "ms-cloud-monitoring" / path)
        frames.append(_series(f"ms/{path[:-4]}", path, raw["TimeStamp"], raw["Value"]))
    for name in PROPHET_FILES:
        raw = pd.read_csv(source / "prophet-examples" / name)
        for column in [c for c in raw.columns if c != "ds"]:
            suffix = "" if column == "y" else f"/{column}"
            frames.append(
                _series(f"prophet/{name[:-4]}{suffix}", f"examples/{name}", raw["ds"], raw[column])
            )
    return frames


def describe(frame: pd.DataFrame) -> dict[str, object]:
    """Sampling facts of one series, as in the source (before any preparation)."""
    times = frame["timestamp"]
    diffs = times.sort_values().diff().dropna()
    return {
        "series_id": frame["series_id"].iloc[0],
        "source_path": frame["source_path"].iloc[0],
        "rows": len(frame),
        "first": times.min().strftime(TIMESTAMP_FORMAT),
        "last": times.max().strftime(TIMESTAMP_FORMAT),
        "median_step_s": int(diffs.median().total_seconds()),
        "unsorted_rows": int((times.diff() < pd.Timedelta(0)).sum()),
        "duplicate_timestamps": int(times.duplicated().sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    source: Path = parser.parse_args().source

    frames = load(source)
    summary = pd.DataFrame([describe(f) for f in frames]).sort_values("series_id")
    data = pd.concat(frames, ignore_index=True).sort_values(
        ["series_id", "timestamp"], kind="mergesort"
    )
    data["timestamp"] = data["timestamp"].dt.strftime(TIMESTAMP_FORMAT)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the gzip bytes identical from one run to the next.
    data[["timestamp", "series_id", "value"]].to_csv(
        OUT_CSV, index=False, compression={"method": "gzip", "mtime": 0}
    )
    summary.to_csv(OUT_SERIES, index=False)
    for path, name in LICENCES.items():
        shutil.copyfile(source / path, OUT_DIR / name)
    print(summary.drop(columns="source_path").to_string(index=False))
    print(
        f"\n{len(summary)} series, {len(data)} rows -> {OUT_CSV.relative_to(REPO_ROOT)}"
        f" ({OUT_CSV.stat().st_size / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
