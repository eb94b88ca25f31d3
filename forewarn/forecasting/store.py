"""Published workload forecasts in the object store: what the scheduled flow writes and the API
reads back.

Each run's forecasts are one Parquet file under a folder of its own (`run=<run id>`), written
before the `latest.json` pointer that names it: a reader sees the previous run or the whole new
one, never half of one, and a run that dies before publishing leaves the pointer where it was.
Next to the forecasts, `choices.json` keeps each series' choice (members and calibration), so
that a later run can refit the chosen models without backtesting again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from forewarn.forecasting.selection import Choice
from forewarn.storage import ObjectNotFound, ObjectStore

PREFIX = "forecasts/workload"
LATEST = f"{PREFIX}/latest.json"
COLUMNS = (
    "timestamp",
    "series_id",
    "model",
    "mean",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
)


@dataclass(frozen=True)
class SeriesSummary:
    """What a run chose for one series, and how well it did in the backtest."""

    model: str
    members: list[str]
    backtest_mase: float
    step_seconds: float


@dataclass(frozen=True)
class StoredChoice:
    """A series' choice as a run stored it, with the step and horizon it was made for."""

    choice: Choice
    step_seconds: float
    horizon: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "choice": self.choice.as_dict(),
            "step_seconds": self.step_seconds,
            "horizon": self.horizon,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredChoice:
        return cls(Choice.from_dict(data["choice"]), data["step_seconds"], data["horizon"])


@dataclass(frozen=True)
class PublishedRun:
    """The pointer to a run's forecasts: where they lie, when and from what they were made."""

    run_id: str
    created_at: str  # ISO 8601, UTC
    dataset: str
    dataset_version: str
    forecasts_key: str
    model_version: str | None = None
    series: dict[str, SeriesSummary] = field(default_factory=dict)
    choices_key: str | None = None  # each series' StoredChoice (None: runs before they were kept)

    def age_seconds(self, now: datetime | None = None) -> float:
        """Seconds since the run published its forecasts."""
        created = datetime.fromisoformat(self.created_at)
        return ((now or datetime.now(UTC)) - created).total_seconds()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PublishedRun:
        series = {key: SeriesSummary(**value) for key, value in data.get("series", {}).items()}
        return cls(**(data | {"series": series}))


def publish(
    store: ObjectStore,
    run_id: str,
    forecasts: pd.DataFrame,
    dataset: tuple[str, str],
    series: dict[str, SeriesSummary],
    model_version: str | None = None,
    *,
    choices: dict[str, StoredChoice] | None = None,
) -> PublishedRun:
    """Write a run's forecasts (one row per series and step ahead) and its `choices`, then
    point `latest` at them. ValueError when columns are missing, before anything is written."""
    missing = [column for column in COLUMNS if column not in forecasts.columns]
    if missing:
        raise ValueError(f"forecasts lack the column(s) {missing}; expected {list(COLUMNS)}")
    key = f"{PREFIX}/run={run_id}/forecasts.parquet"
    store.put_parquet(key, forecasts.loc[:, list(COLUMNS)].reset_index(drop=True))
    choices_key = f"{PREFIX}/run={run_id}/choices.json" if choices else None
    if choices_key and choices:
        store.put_json(choices_key, {i: c.as_dict() for i, c in choices.items()})
    published = PublishedRun(
        run_id=run_id,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        dataset=dataset[0],
        dataset_version=dataset[1],
        forecasts_key=key,
        model_version=model_version,
        series=series,
        choices_key=choices_key,
    )
    store.put_json(LATEST, asdict(published))
    return published


def latest(store: ObjectStore) -> PublishedRun | None:
    """The newest published run, or None before the first."""
    try:
        return PublishedRun.from_dict(store.get_json(LATEST))
    except ObjectNotFound:
        return None


def stored_choices(store: ObjectStore, run: PublishedRun) -> dict[str, StoredChoice]:
    """The choices a published run kept, by series id (none for runs that kept none)."""
    if run.choices_key is None:
        return {}
    data = store.get_json(run.choices_key)
    return {series_id: StoredChoice.from_dict(value) for series_id, value in data.items()}


def series_forecast(store: ObjectStore, run: PublishedRun, series_id: str) -> pd.DataFrame:
    """One series' rows of a published run, in time order (KeyError when it has none)."""
    if series_id not in run.series:
        raise KeyError(series_id)
    frame = store.get_parquet(run.forecasts_key)
    rows = frame[frame["series_id"] == series_id].sort_values("timestamp")
    return rows.reset_index(drop=True)
