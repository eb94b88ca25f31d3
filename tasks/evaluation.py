"""Tasks that score registered versions and move aliases by the gate's decision."""

from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.artifacts import create_table_artifact

from forewarn.families import get_family
from forewarn.promotion import Decision
from forewarn.settings import get_settings
from forewarn.tracking import CHALLENGER, CHAMPION, Registry
from tasks.retry import IO_RETRIES


@task(name="score-version", **IO_RETRIES)
def score_version(family: str, version: str, frame: pd.DataFrame) -> dict[str, float]:
    """Held-out metrics of one registered version on `frame`'s evaluation rows."""
    model = Registry(get_settings()).load(family, version)
    return get_family(family).evaluate(model, frame).model


@task(name="apply-decision", **IO_RETRIES)
def apply_decision(family: str, version: str, decision: Decision) -> None:
    """Move `champion` or `challenger` as decided; tag the version and its training run."""
    registry = Registry(get_settings())
    if decision.outcome == CHAMPION:
        registry.set_alias(family, CHAMPION, version)
        if (
            challenger := registry.alias_version(family, CHALLENGER)
        ) and challenger.version == version:
            registry.delete_alias(family, CHALLENGER)
    elif decision.outcome == CHALLENGER:
        registry.set_alias(family, CHALLENGER, version)
    tags = decision.as_tags()
    registry.tag_version(family, version, tags)
    if run_id := registry.version(family, version).tags.get("run_id"):
        registry.tag_run(run_id, tags)


@task(name="publish-decision")
def publish_decision(
    family: str,
    version: str,
    champion: str | None,
    decision: Decision,
    candidate: dict[str, float],
    incumbent: dict[str, float] | None,
) -> None:
    """A table artifact in the Prefect UI: both versions' metrics side by side, and the call."""
    rows = [
        {
            "metric": name,
            f"candidate v{version}": round(value, 4),
            f"champion v{champion}": round(incumbent[name], 4) if incumbent else "-",
        }
        for name, value in sorted(candidate.items())
        if not name.endswith(tuple("0123456789"))
    ]
    create_table_artifact(
        table=rows,
        key=f"gate-{family}",
        description=f"**{family} v{version}: {decision.outcome}**. {decision.reason}",
    )
