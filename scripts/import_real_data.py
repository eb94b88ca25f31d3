"""Build the ``real-incidents`` dataset from the public NAB and Microsoft monitoring data.

Run once by a developer (not at run time) whenever the selection or the rules below change::

    .venv/bin/python scripts/import_real_data.py [--source /work/shared/data]

Reads (read-only) the source checkouts under ``--source``:

* ``nab/`` -- numenta/NAB @ ea702d75cc22: every CSV (``timestamp,value``) in ``realAWSCloudwatch/``
  and ``realKnownCause/``; incident windows from ``labels/combined_windows.json``.
* ``ms-cloud-monitoring/`` -- microsoft/cloud-monitoring-dataset @ 6a07a53c2fac: every CSV
  (``TimeStamp,Value,Label``) in the operational-metric folders listed in ``MS_FOLDERS``.

Writes ``datasets/real-incidents/real_incidents.csv.gz`` with the columns ``series_id``,
``timestamp`` (ISO 8601, ``Z``), ``value`` (float) and ``in_incident`` (0/1), sorted by
``series_id`` then ``timestamp``, and ``datasets/real-incidents/incident_windows.csv`` (one row
per window). Rows are kept exactly as in the source: nothing is resampled, filled or dropped, so
gaps and duplicate timestamps survive; they are reported on stdout for the README.

Incident windows:

* NAB: the windows of ``combined_windows.json``, inclusive at both ends.
* Microsoft: each run of consecutive rows labelled 1 is a window from its first to its last
  timestamp; runs separated by at most ``MS_MERGE_GAP_ROWS`` unlabelled rows are one window (the
  rows in between become ``in_incident = 1``), so a one-hour hole in a labelled incident does not
  count as a new incident start or as time outside incidents.
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "datasets" / "real-incidents"
OUT_CSV = OUT_DIR / "real_incidents.csv.gz"
OUT_WINDOWS = OUT_DIR / "incident_windows.csv"
DEFAULT_SOURCE = Path("/work/shared/data")

NAB_FOLDERS = ("realAWSCloudwatch", "realKnownCause")
MS_FOLDERS = (
    "data-ingress-rate",
    "middle-tier-api-dependency-latency",
    "mongodb-application-rps",
    "service-unavailable",
)
MS_MERGE_GAP_ROWS = 2
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Window:
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass
class Series:
    series_id: str
    source_path: str  # path inside the source repository
    frame: pd.DataFrame  # columns: timestamp (UTC), value; rows in source order
    windows: list[Window]


def _utc(values: pd.Series) -> pd.Series:
    """Parse timestamps; zone-less ones (all of NAB) are taken as UTC, without shifting."""
    return pd.to_datetime(values, utc=True)


def load_nab(nab_dir: Path) -> list[Series]:
    all_windows: dict[str, list[list[str]]] = json.loads(
        (nab_dir / "labels" / "combined_windows.json").read_text()
    )
    series: list[Series] = []
    for folder in NAB_FOLDERS:
        for csv_path in sorted((nab_dir / folder).glob("*.csv")):
            key = f"{folder}/{csv_path.name}"
            if key not in all_windows:
                raise KeyError(f"{key} has no entry in combined_windows.json")
            raw = pd.read_csv(csv_path)
            frame = pd.DataFrame(
                {"timestamp": _utc(raw["timestamp"]), "value": raw["value"].astype(float)}
            )
            windows = [
                Window(pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC"))
                for start, end in all_windows[key]
            ]
            series.append(Series(f"nab/{folder}/{csv_path.stem}", key, frame, windows))
    listed = {k for k in all_windows if k.split("/")[0] in NAB_FOLDERS}
    missing = sorted(listed - {s.source_path for s in series})
    if missing:
        print(f"note: labelled in combined_windows.json but absent from the source: {missing}")
    return series


def label_runs_to_windows(timestamps: pd.Series, labels: pd.Series) -> list[Window]:
    """Turn runs of label 1 (merging runs at most MS_MERGE_GAP_ROWS rows apart) into windows."""
    positions = [i for i, label in enumerate(labels.tolist()) if label == 1]
    runs: list[tuple[int, int]] = []
    for pos in positions:
        if runs and pos - runs[-1][1] - 1 <= MS_MERGE_GAP_ROWS:
            runs[-1] = (runs[-1][0], pos)
        else:
            runs.append((pos, pos))
    return [Window(timestamps.iloc[first], timestamps.iloc[last]) for first, last in runs]


def load_ms(ms_dir: Path) -> list[Series]:
    series: list[Series] = []
    for folder in MS_FOLDERS:
        for csv_path in sorted((ms_dir / folder).glob("*.csv")):
            raw = pd.read_csv(csv_path)
            if not set(raw["Label"].unique()) <= {0, 1}:
                raise ValueError(f"{csv_path}: labels other than 0/1")
            timestamps = _utc(raw["TimeStamp"])
            frame = pd.DataFrame({"timestamp": timestamps, "value": raw["Value"].astype(float)})
            windows = label_runs_to_windows(timestamps, raw["Label"])
            series.append(
                Series(f"ms/{folder}/{csv_path.stem}", f"{folder}/{csv_path.name}", frame, windows)
            )
    return series


def in_incident(timestamps: pd.Series, windows: list[Window]) -> pd.Series:
    flag = pd.Series(False, index=timestamps.index)
    for window in windows:
        flag |= (timestamps >= window.start) & (timestamps <= window.end)
    return flag.astype(int)


def describe(s: Series, flags: pd.Series) -> dict[str, object]:
    """Sampling step and irregularities of one series, for the README and the reply."""
    diffs = s.frame["timestamp"].diff().dropna()
    step = diffs[diffs > pd.Timedelta(0)].mode().iloc[0]
    gaps = diffs[diffs > step]
    short = diffs[(diffs > pd.Timedelta(0)) & (diffs < step)]
    return {
        "series_id": s.series_id,
        "step_min": step.total_seconds() / 60,
        "rows": len(s.frame),
        "windows": len(s.windows),
        "windows_without_rows": sum(
            not in_incident(s.frame["timestamp"], [w]).any() for w in s.windows
        ),
        "incident_frac": round(float(flags.mean()), 4),
        "gaps": len(gaps),
        "max_gap": str(gaps.max()) if len(gaps) else "",
        "short_steps": len(short),
        "dup_ts": int(s.frame["timestamp"].duplicated().sum()),
        "first": s.frame["timestamp"].iloc[0].strftime(TIMESTAMP_FORMAT),
        "last": s.frame["timestamp"].iloc[-1].strftime(TIMESTAMP_FORMAT),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    source: Path = args.source

    all_series = load_nab(source / "nab") + load_ms(source / "ms-cloud-monitoring")
    frames: list[pd.DataFrame] = []
    window_rows: list[dict[str, object]] = []
    summary: list[dict[str, object]] = []
    for s in all_series:
        flags = in_incident(s.frame["timestamp"], s.windows)
        frames.append(s.frame.assign(series_id=s.series_id, in_incident=flags))
        summary.append(describe(s, flags))
        window_rows += [
            {
                "series_id": s.series_id,
                "window_start": w.start.strftime(TIMESTAMP_FORMAT),
                "window_end": w.end.strftime(TIMESTAMP_FORMAT),
            }
            for w in s.windows
        ]

    data = pd.concat(frames, ignore_index=True)
    # Stable sort: rows sharing a timestamp keep their source order.
    data = data.sort_values(["series_id", "timestamp"], kind="mergesort")
    data["timestamp"] = data["timestamp"].dt.strftime(TIMESTAMP_FORMAT)
    data = data[["series_id", "timestamp", "value", "in_incident"]]

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the gzip bytes identical from one run to the next.
    data.to_csv(OUT_CSV, index=False, compression={"method": "gzip", "mtime": 0})
    windows = pd.DataFrame(window_rows, columns=["series_id", "window_start", "window_end"])
    windows.sort_values(["series_id", "window_start"]).to_csv(OUT_WINDOWS, index=False)
    shutil.copyfile(source / "nab" / "LICENSE.txt", OUT_DIR / "LICENSE-NAB.txt")
    shutil.copyfile(
        source / "ms-cloud-monitoring" / "LICENSE",
        OUT_DIR / "LICENSE-microsoft-cloud-monitoring.txt",
    )

    table = pd.DataFrame(summary).sort_values("series_id")
    print(table.to_string(index=False))
    print(
        f"\n{len(all_series)} series, {len(data)} rows, {len(windows)} windows, "
        f"{data['in_incident'].mean():.4f} of rows in incident -> {OUT_CSV.relative_to(REPO_ROOT)}"
        f" ({OUT_CSV.stat().st_size / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
