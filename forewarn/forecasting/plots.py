"""The picture of one series' forecast for MLflow: recent history, the backtest's forecasts at
each origin, and the new forecast with its 80 % and 95 % bands. Built without pyplot."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from forewarn.forecasting.jobs import SeriesOutcome
from forewarn.forecasting.preparation import PreparedSeries
from forewarn.forecasting.selection import model_forecasts

SHOWN_HORIZONS = 6  # history shown: the backtest's span plus this many horizons before it


def forecast_figure(series: PreparedSeries, outcome: SeriesOutcome) -> Figure:
    """History, backtest forecasts (dashed, one per origin), forecast and bands."""
    forecast, backtest = outcome.forecast, outcome.backtest
    horizon = len(forecast.mean)
    first = max(0, backtest.ends[0] - SHOWN_HORIZONS * horizon)
    index = series.index[first:]
    figure = Figure(figsize=(11, 4))
    axis = figure.subplots()
    axis.plot(index, series.values[first:], color="#444444", linewidth=0.8, label="history")
    missing = ~series.observed[first:]
    if missing.any():
        axis.scatter(
            index[missing],
            series.values[first:][missing],
            s=4,
            color="#d62728",
            label="filled",
            zorder=3,
        )
    for end, past in zip(
        backtest.ends, model_forecasts(backtest, outcome.choice.members), strict=True
    ):
        span = series.index[end : end + horizon]
        axis.plot(span, past.mean[: len(span)], color="#ff7f0e", linestyle="--", linewidth=0.9)
        # matplotlib converts timestamps itself; its stubs ask for floats
        axis.axvline(series.index[end], color="#bbbbbb", linewidth=0.5)  # type: ignore[arg-type]
    (low95, high95), (low80, high80) = forecast.bounds[95], forecast.bounds[80]
    axis.fill_between(forecast.timestamps, low95, high95, color="#1f77b4", alpha=0.15, label="95 %")
    axis.fill_between(forecast.timestamps, low80, high80, color="#1f77b4", alpha=0.3, label="80 %")
    axis.plot(forecast.timestamps, forecast.mean, color="#1f77b4", label="forecast")
    axis.plot([], [], color="#ff7f0e", linestyle="--", label="backtest forecasts")
    held, naive = (outcome.held_out.get(k, np.nan) for k in ("selected", "seasonal_naive"))
    axis.set_title(
        f"{series.series_id}: {forecast.model} ({'+'.join(forecast.members)}), "
        f"held-out MASE {held:.2f}, seasonal naive {naive:.2f}",
        fontsize=9,
    )
    axis.legend(loc="upper left", fontsize=7, ncols=3)
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure
