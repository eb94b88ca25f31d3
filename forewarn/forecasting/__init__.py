"""Workload forecasting, the core: prepare metric series, backtest candidates from rolling
origins, choose each series' model, forecast with calibrated intervals. No Prefect, no FastAPI.

Typical use::

    prepared = prepare_frame(frame)                       # timestamp, series_id, value
    run = forecast_workload(prepared.series, horizon=24)  # backtest + select + forecast
    run.forecasts["cpu"].to_frame()                       # mean, lower_80 ... upper_95
"""

from forewarn.forecasting.backtest import (
    BacktestPlan,
    SeriesBacktest,
    add_candidate,
    history_at,
    run_backtest,
    start_backtest,
)
from forewarn.forecasting.candidates import (
    BASELINE,
    LEVELS,
    Candidate,
    Forecast,
    History,
    make_candidates,
)
from forewarn.forecasting.capacity import CapacityWarning, capacity_warning, exceedance
from forewarn.forecasting.intervals import IntervalCalibration, calibrate
from forewarn.forecasting.metrics import coverage, mase, mase_scale
from forewarn.forecasting.pipeline import (
    SeriesForecast,
    WorkloadRun,
    forecast_chosen,
    forecast_workload,
)
from forewarn.forecasting.preparation import (
    PreparationReport,
    PreparationRules,
    PreparedFrame,
    PreparedSeries,
    prepare_frame,
    prepare_series,
)
from forewarn.forecasting.selection import (
    ENSEMBLE,
    Choice,
    SelectionRule,
    model_forecasts,
    select,
)
from forewarn.forecasting.steps import default_horizon, detect_seasons, infer_step

__all__ = [
    "BASELINE",
    "ENSEMBLE",
    "LEVELS",
    "BacktestPlan",
    "Candidate",
    "CapacityWarning",
    "Choice",
    "Forecast",
    "History",
    "IntervalCalibration",
    "PreparationReport",
    "PreparationRules",
    "PreparedFrame",
    "PreparedSeries",
    "SelectionRule",
    "SeriesBacktest",
    "SeriesForecast",
    "WorkloadRun",
    "add_candidate",
    "calibrate",
    "capacity_warning",
    "coverage",
    "default_horizon",
    "detect_seasons",
    "exceedance",
    "forecast_chosen",
    "forecast_workload",
    "history_at",
    "infer_step",
    "make_candidates",
    "mase",
    "mase_scale",
    "model_forecasts",
    "prepare_frame",
    "prepare_series",
    "run_backtest",
    "select",
    "start_backtest",
]
