"""`forewarn models ls|show|promote`: the MLflow registry from the terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from forewarn.cli.common import console, fail, require_stack

if TYPE_CHECKING:
    from forewarn.tracking import Registry

app = typer.Typer(help="Registered models: list, inspect, promote.", no_args_is_help=True)

VERSION_COLUMNS = ("version", "aliases", "gate", "reason", "dataset", "created (UTC)")


@app.command("ls")
def list_models() -> None:
    """Every registered model with its newest version and its aliases."""
    from forewarn.tracking import ALIASES, Registry

    registry = Registry(require_stack())
    table = Table("model", "versions", "newest", *ALIASES)
    for name in registry.model_names():
        versions = registry.versions(name)
        aliases = registry.aliases(name)
        table.add_row(
            name,
            str(len(versions)),
            versions[0].version,
            *(f"v{aliases[a]}" if a in aliases else "-" for a in ALIASES),
        )
    console.print(table)


@app.command("show")
def show_model(name: str) -> None:
    """Versions of a model: aliases, the gate's decision, the dataset they saw."""
    from mlflow.exceptions import MlflowException

    from forewarn.tracking import Registry

    registry = Registry(require_stack())
    try:
        rows = version_rows(registry, name)
    except MlflowException as error:
        fail(error.message)
    if not rows:
        fail(f"model {name!r} has no registered version")
    table = Table(*VERSION_COLUMNS)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def version_rows(registry: Registry, name: str) -> list[tuple[str, ...]]:
    """One row of VERSION_COLUMNS per version, newest first.

    Aliases come from the registered model (MLflow 3 searches return versions without them);
    the dataset tags from the training run (a version carries only the gate's tags)."""
    versions = registry.versions(name)
    if not versions:  # and no registered model to read aliases from
        return []
    by_version: dict[str, list[str]] = {}
    for alias, number in sorted(registry.aliases(name).items()):
        by_version.setdefault(number, []).append(alias)
    rows: list[tuple[str, ...]] = []
    for version in versions:
        tags = _run_tags(registry, version.tags.get("run_id") or version.run_id) | version.tags
        dataset = f"{tags.get('dataset.name', '?')}@{tags.get('dataset.version', '?')}"
        rows.append(
            (
                version.version,
                ", ".join(by_version.get(version.version, [])) or "-",
                tags.get("gate.outcome", "-"),
                tags.get("gate.reason", "-"),
                dataset,
                utc_minutes(version.creation_timestamp),
            )
        )
    return rows


def _run_tags(registry: Registry, run_id: str | None) -> dict[str, str]:
    """The tags of a version's training run; none when it has no run or the run is gone."""
    from mlflow.exceptions import MlflowException

    if not run_id:
        return {}
    try:
        return registry.run_tags(run_id)
    except MlflowException:
        return {}


def utc_minutes(epoch_ms: int | None) -> str:
    """MLflow's epoch milliseconds as `YYYY-MM-DD HH:MM` in UTC."""
    if epoch_ms is None:
        return "-"
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


@app.command("promote")
def promote(
    name: str,
    version: str,
    alias: Annotated[str, typer.Option(help="champion or challenger.")] = "champion",
) -> None:
    """Move an alias to a version by hand (the gate is for automatic promotion)."""
    from mlflow.exceptions import MlflowException

    from forewarn.tracking import ALIASES, Registry

    if alias not in ALIASES:
        fail(f"alias must be one of {ALIASES}, not {alias!r}")
    registry = Registry(require_stack())
    try:
        registry.set_alias(name, alias, version)
    except MlflowException as error:
        fail(f"cannot move {alias} of {name} to version {version}: {error.message}")
    registry.tag_version(name, version, {"promoted_by": "forewarn models promote"})
    console.print(f"{name}@{alias} -> version {version}")
