"""Tables the CLI prints: held-out metrics of models beside their baselines."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    from forewarn.tracking import Registry

COLUMNS = (
    ("roc_auc", "ROC-AUC"),
    ("pr_auc", "PR-AUC"),
    ("f1", "F1"),
    ("windows_warned", "windows warned"),
    ("median_lead_minutes", "lead (min)"),
    ("false_alarms_per_day", "false alarms/day"),
    ("mase", "MASE"),
    ("coverage_80", "80% coverage"),
)


@dataclass(frozen=True)
class MetricsRow:
    """One model's held-out metrics and its baseline's."""

    family: str
    version: str
    status: str
    model: dict[str, float]
    baseline: dict[str, float]


def metrics_table(title: str, rows: Iterable[MetricsRow]) -> Table:
    """A table of model (baseline) pairs; warning columns appear only where they apply."""
    rows = list(rows)
    shown = [(k, label) for k, label in COLUMNS if any(k in row.model for row in rows)]
    table = Table(title=title, caption="model value, baseline in brackets, on held-out data")
    for header in ("family", "version", "status", *(label for _, label in shown)):
        table.add_column(header)
    for row in rows:
        cells = [_pair(row, key) for key, _ in shown]
        table.add_row(row.family, row.version, row.status, *cells)
    return table


def _pair(row: MetricsRow, key: str) -> str:
    if key not in row.model:
        return ""
    model, baseline = row.model[key], row.baseline.get(key, math.nan)
    return f"{model:.3f} [dim]({baseline:.3f})[/dim]"


def champion_rows(registry: Registry) -> list[MetricsRow]:
    """Each family's champion with the metrics its training run logged."""
    from forewarn.families import FAMILIES
    from forewarn.families.workload import WORKLOAD
    from forewarn.tracking import CHAMPION

    rows = []
    known = set(registry.model_names())
    for family in [*FAMILIES, WORKLOAD.name]:
        champion = registry.alias_version(family, CHAMPION) if family in known else None
        if champion is None:
            rows.append(MetricsRow(family, "-", "no champion", {}, {}))
            continue
        run_id = champion.tags.get("run_id") or champion.run_id
        logged = registry.run_metrics(run_id) if run_id else {}
        model = {k: v for k, v in logged.items() if not k.startswith("baseline_")}
        baseline = {
            k.removeprefix("baseline_"): v for k, v in logged.items() if k.startswith("baseline_")
        }
        rows.append(MetricsRow(family, champion.version, CHAMPION, model, baseline))
    return rows
