"""What every CLI command shares: the console, settings, and clear exits.

Modules of `forewarn.cli` import only light things at the top (typer, rich, settings, the stack's
process helpers): `forewarn --help` must not load MLflow, Prefect or FastAPI. Commands import
what they need when they run."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from forewarn.settings import Settings, get_settings
from forewarn.stack import client_environment, find_running_stack

# Tables are wide: do not squeeze them to 80 columns when the output is a pipe or a log file.
console = Console(width=None if sys.stdout.isatty() else 160)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `message` in red on one line (never wrapped, brackets shown as typed), then exit."""
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def use_stack(settings: Settings | None = None) -> Settings:
    """Point Prefect and MLflow clients in this process at the configured stack."""
    settings = settings or get_settings()
    os.environ.update(client_environment(settings))
    return settings


def require_stack() -> Settings:
    """The settings of the running stack, or a clear exit telling how to start it."""
    settings = get_settings()
    if find_running_stack(settings) is None:
        fail("the Forewarn stack is not running; start it with `forewarn up` (or `make up`)")
    return use_stack(settings)
