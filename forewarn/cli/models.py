"""`forewarn models ls|show|promote`: the MLflow registry from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer
from mlflow.exceptions import MlflowException
from rich.table import Table

from forewarn.cli.common import console, fail, require_stack
from forewarn.tracking import ALIASES, Registry

app = typer.Typer(help="Registered models: list, inspect, promote.", no_args_is_help=True)


@app.command("ls")
def list_models() -> None:
    """Every registered model with its newest version and its aliases."""
    registry = Registry(require_stack())
    table = Table("model", "versions", "newest", *ALIASES)
    for name in registry.model_names():
        versions = registry.versions(name)
        aliases = [registry.alias_version(name, a) for a in ALIASES]
        table.add_row(name, str(len(versions)), versions[0].version,
                      *(f"v{a.version}" if a else "-" for a in aliases))
    console.print(table)


@app.command("show")
def show_model(name: str) -> None:
    """Versions of a model: aliases, the gate's decision, the dataset they saw."""
    registry = Registry(require_stack())
    try:
        versions = registry.versions(name)
    except MlflowException as error:
        fail(str(error))
    if not versions:
        fail(f"model {name!r} has no registered version")
    table = Table("version", "aliases", "gate", "reason", "dataset", "created")
    for version in versions:
        tags = version.tags
        table.add_row(version.version, ", ".join(version.aliases) or "-",
                      tags.get("gate.outcome", "-"), tags.get("gate.reason", "-"),
                      f"{tags.get('dataset.name', '?')}@{tags.get('dataset.version', '?')}",
                      str(version.creation_timestamp))
    console.print(table)


@app.command("promote")
def promote(name: str, version: str,
            alias: Annotated[str, typer.Option(help="champion or challenger.")] = "champion"
            ) -> None:
    """Move an alias to a version by hand (the gate is for automatic promotion)."""
    if alias not in ALIASES:
        fail(f"alias must be one of {ALIASES}, not {alias!r}")
    registry = Registry(require_stack())
    try:
        registry.set_alias(name, alias, version)
    except MlflowException as error:
        fail(f"cannot move {alias} of {name} to version {version}: {error.message}")
    registry.tag_version(name, version, {"promoted_by": "forewarn models promote"})
    console.print(f"{name}@{alias} -> version {version}")
