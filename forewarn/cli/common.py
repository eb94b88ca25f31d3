"""What every CLI command shares: the console, settings, and clear exits."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from forewarn.settings import Settings, get_settings
from forewarn.stack import client_environment, find_running_stack

# Tables are wide: do not squeeze them to 80 columns when the output is a pipe or a log file.
console = Console(width=None if sys.stdout.isatty() else 160)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `message` in red and exit with `code`."""
    console.print(f"[red]error:[/red] {message}")
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


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """`k=v` pairs; values are JSON when they parse as JSON (numbers, booleans, null), else text."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            fail(f"--param {pair!r} must look like key=value")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params
