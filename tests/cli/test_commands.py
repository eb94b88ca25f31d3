"""CLI commands that need no running stack: datasets, argument errors, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forewarn.catalog import Catalog
from forewarn.cli import app
from forewarn.settings import get_settings
from forewarn.simulator import simulate
from forewarn.storage import open_store

runner = CliRunner()


def test_generate_writes_deterministic_telemetry(tmp_path: Path) -> None:
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out in (first, second):
        result = runner.invoke(
            app,
            [
                "datasets",
                "generate",
                "--out",
                str(out),
                "--systems",
                "2",
                "--days",
                "1",
                "--seed",
                "5",
            ],
        )
        assert result.exit_code == 0, result.output
    frame = pd.read_parquet(first)
    assert len(frame) == 2 * 1440 and "wrote 2,880 rows" in result.output
    pd.testing.assert_frame_equal(frame, pd.read_parquet(second))


def test_datasets_ls_and_show_read_the_catalog() -> None:
    catalog = Catalog(open_store(get_settings()))
    manifest, _ = catalog.add(
        simulate(systems=1, days=1, seed=2),
        "cli-telemetry",
        "telemetry",
        source="test",
        licence="MIT",
    )

    listing = runner.invoke(app, ["datasets", "ls"])
    shown = runner.invoke(app, ["datasets", "show", "cli-telemetry"])

    assert listing.exit_code == 0 and "cli-telemetry" in listing.output
    assert manifest.version in listing.output
    assert shown.exit_code == 0 and manifest.sha256 in shown.output


def test_show_unknown_dataset_fails_clearly() -> None:
    result = runner.invoke(app, ["datasets", "show", "no-such-data"])
    assert result.exit_code == 1
    assert "no-such-data" in result.output and "no version" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["models", "ls"], "stack is not running"),
        (["models", "promote", "bottleneck", "1", "--alias", "boss"], "alias must be one of"),
    ],
)
def test_bad_requests_fail_with_a_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert message in result.output


def test_status_without_a_stack_says_how_to_start_it() -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1 and "forewarn up" in result.output
