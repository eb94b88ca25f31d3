"""`forewarn datasets ls|show|generate`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from forewarn.cli.common import console, fail
from forewarn.settings import get_settings

if TYPE_CHECKING:
    from forewarn.catalog import Catalog

app = typer.Typer(help="Datasets: list, inspect, generate telemetry.", no_args_is_help=True)


def _catalog() -> Catalog:
    """The dataset catalog on the configured object store (imports pandas: only when used)."""
    from forewarn.catalog import Catalog
    from forewarn.storage import open_store

    return Catalog(open_store(get_settings()))


@app.command("ls")
def list_datasets() -> None:
    """Every dataset with its newest version."""
    catalog = _catalog()
    table = Table("name", "versions", "newest", "kind", "rows", "created", "source")
    for name in catalog.names():
        versions = catalog.versions(name)
        newest = versions[-1]
        table.add_row(
            name,
            str(len(versions)),
            newest.version,
            newest.kind,
            f"{newest.rows:,}",
            newest.created_at[:19],
            newest.source,
        )
    console.print(table)


@app.command("show")
def show_dataset(
    name: str, version: Annotated[str | None, typer.Option(help="Default: newest.")] = None
) -> None:
    """A version's manifest: schema, statistics, gaps and duplicates, source and licence."""
    from forewarn.catalog import DatasetNotFound

    try:
        manifest = _catalog().manifest(name, version)
    except DatasetNotFound as error:
        fail(str(error))
    console.print_json(json.dumps(asdict(manifest), default=str))


@app.command("generate")
def generate(
    out: Annotated[Path, typer.Option(help="Parquet file to write.")],
    systems: Annotated[int, typer.Option(min=1)] = 12,
    days: Annotated[int, typer.Option(min=1)] = 21,
    seed: int = 7,
) -> None:
    """Simulate labelled fleet telemetry (deterministic for a seed) into a Parquet file."""
    from forewarn.simulator import simulate

    with console.status(f"simulating {systems} systems x {days} days..."):
        frame = simulate(systems=systems, days=days, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False, compression="zstd")
    console.print(f"wrote {len(frame):,} rows to {out}")
