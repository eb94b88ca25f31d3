"""Session-wide test environment: a private Forewarn home, no stray settings, quiet OpenMP.

Set before anything reads settings: every test process gets its own home folder, so tests never
touch a developer's `.forewarn/` or a running stack.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

for name in [n for n in os.environ if n.startswith(("FOREWARN_", "MLFLOW_", "PREFECT_"))]:
    del os.environ[name]
SESSION_HOME = Path(tempfile.mkdtemp(prefix="forewarn-tests-"))
os.environ |= {
    "FOREWARN_HOME": str(SESSION_HOME),
    "PREFECT_HOME": str(SESSION_HOME / "prefect"),
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "OMP_WAIT_POLICY": "PASSIVE",  # XGBoost's OpenMP threads must not spin beside the servers
}
