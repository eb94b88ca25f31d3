"""Check a raw frame against its kind and return it with canonical types.

Every rule failure raises `DatasetValidationError` naming the source file, the column, the rule and
a sample of offending rows; nothing is ever dropped or repaired silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forewarn.catalog.kinds import Column, DatasetKind

SAMPLE_ROWS = 5


class DatasetValidationError(ValueError):
    """A dataset broke a rule of its kind. Carries what, where and a sample."""

    def __init__(self, source: str, column: str, rule: str, rows: pd.DataFrame) -> None:
        self.source, self.column, self.rule = source, column, rule
        self.row_count = len(rows)
        self.sample = _sample(rows)
        super().__init__(
            f"{source}: column {column!r} breaks rule '{rule}' in {self.row_count} row(s); "
            f"first offending rows: {self.sample}"
        )


def _sample(rows: pd.DataFrame) -> list[dict[str, Any]]:
    head = rows.head(SAMPLE_ROWS)
    return [
        {"row": int(str(index)), **{str(k): _plain(v) for k, v in row.items()}}
        for index, row in head.iterrows()
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def validate(frame: pd.DataFrame, kind: DatasetKind, source: str) -> pd.DataFrame:
    """Validate `frame` (read from `source`) against `kind`; return it with canonical dtypes."""
    missing = [c.name for c in kind.columns if c.required and c.name not in frame.columns]
    if missing:
        header = pd.DataFrame([{"columns_found": ", ".join(map(str, frame.columns))}])
        raise DatasetValidationError(source, missing[0], "required column is missing", header)
    out = frame.copy()
    for column in kind.columns:
        if column.name in out.columns:
            out[column.name] = _coerce(frame, column, source)
            _check_range(frame, out[column.name], column, source)
    _check_monotonic(frame, out, kind, source)
    return out


def _coerce(frame: pd.DataFrame, column: Column, source: str) -> pd.Series:
    raw = frame[column.name]
    converted = _convert(raw, column)
    absent = raw.isna() | raw.astype(str).str.strip().eq("")
    unparseable = converted.isna() & ~absent
    if unparseable.any():
        raise DatasetValidationError(
            source, column.name, f"values must be of type {column.type}", frame[unparseable]
        )
    if not column.nullable and absent.any():
        raise DatasetValidationError(source, column.name, "values must not be empty", frame[absent])
    return converted


def _convert(raw: pd.Series, column: Column) -> pd.Series:
    if column.type == "timestamp":
        # One resolution whatever the reader produced, so equal content hashes equally.
        return pd.to_datetime(raw, utc=True, errors="coerce", format="mixed").dt.as_unit("ns")
    if column.type == "str":
        return raw.where(raw.isna(), raw.astype(str))
    if column.type == "bool":
        text = raw.astype(str).str.strip().str.lower()
        mapping = {"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False}
        return text.map(mapping).astype("boolean")
    numbers = pd.to_numeric(raw, errors="coerce").astype("float64")
    if column.type == "int":
        integral = numbers.isna() | (numbers == np.round(numbers))
        return numbers.where(integral).astype("Int64")
    return numbers


def _check_range(frame: pd.DataFrame, values: pd.Series, column: Column, source: str) -> None:
    if column.min is None and column.max is None:
        return
    low = -np.inf if column.min is None else column.min
    high = np.inf if column.max is None else column.max
    outside = values.notna() & ((values < low) | (values > high))
    if outside.any():
        rule = f"{low:g} <= {column.name} <= {high:g}"
        raise DatasetValidationError(source, column.name, rule, frame[outside.to_numpy(bool)])


def _check_monotonic(
    frame: pd.DataFrame, out: pd.DataFrame, kind: DatasetKind, source: str
) -> None:
    times = out[kind.time_column]
    previous = times.groupby(out[kind.series_key], sort=False).shift()
    backwards = (times < previous).to_numpy(bool)
    if backwards.any():
        rule = f"timestamps must not go backwards within a {kind.series_key}"
        raise DatasetValidationError(source, kind.time_column, rule, frame[backwards])
