"""`forewarn keys create|ls|revoke`: API keys, stored hashed; a new key is shown once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from forewarn.api_keys import SCOPES, TIERS, KeyStore
from forewarn.cli.common import console, fail
from forewarn.settings import get_settings

app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


def _store() -> KeyStore:
    return KeyStore(get_settings().api_keys_path)


@app.command("create")
def create(
    name: str,
    scopes: Annotated[
        list[str], typer.Option("--scopes", "-s", help=f"Any of: {', '.join(SCOPES)}.")
    ],
    tier: Annotated[str, typer.Option(help=f"{', '.join(TIERS)}.")] = "basic",
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    try:
        key, record = _store().create(name, scopes, tier=tier)
    except ValueError as error:
        fail(str(error))
    console.print(f"key id {record.key_id} ({', '.join(sorted(record.scopes))}; {tier})")
    console.print(key, soft_wrap=True)


@app.command("ls")
def list_keys() -> None:
    """Every key's id, name, scopes and tier (never the key)."""
    table = Table("key id", "name", "scopes", "tier", "created")
    for record in _store().list():
        table.add_row(
            record.key_id,
            record.name,
            ", ".join(sorted(record.scopes)),
            record.tier,
            str(record.created_at),
        )
    console.print(table)


@app.command("revoke")
def revoke(key_id: str) -> None:
    """Revoke a key: requests with it get 401 from then on."""
    try:
        _store().revoke(key_id)
    except (KeyError, ValueError) as error:
        fail(f"no key {key_id!r}: {error}")
    console.print(f"revoked {key_id}")
