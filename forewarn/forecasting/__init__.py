"""Workload forecasting, the core: prepare metric series, backtest candidates from rolling
origins, choose each series' model, forecast with calibrated intervals. No Prefect, no FastAPI.

Typical use (the `forecast-workload` flow does this with one task per series)::

    from forewarn.forecasting.jobs import forecast_series

    prepared = prepare_frame(frame)  # timestamp, series_id, value
    outcome = forecast_series(prepared.series[0], BacktestPlan(24), ["auto_ets"], SelectionRule())
    outcome.forecast.to_frame()  # timestamp, mean, lower_80 ... upper_95
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
    chosen_forecast,
    forecast_chosen,
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
    "add_candidate",
    "calibrate",
    "capacity_warning",
    "chosen_forecast",
    "coverage",
    "default_horizon",
    "detect_seasons",
    "exceedance",
    "forecast_chosen",
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
