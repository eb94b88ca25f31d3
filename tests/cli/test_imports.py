"""The CLI starts fast: importing it loads no web service, orchestrator or tracking client."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("fastapi", "jwt", "prefect", "mlflow", "pandas", "serving")


def test_importing_the_cli_loads_no_heavy_package() -> None:
    probe = f"import sys, forewarn.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert loaded == []
