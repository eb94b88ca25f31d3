"""Where a run came from: the code's git commit."""

from __future__ import annotations

import subprocess
from functools import lru_cache

from forewarn.settings import PROJECT_ROOT


@lru_cache
def git_commit() -> str:
    """The commit the project is checked out at, with `-dirty` for local changes."""
    try:
        commit = _git("rev-parse", "HEAD")
        return commit + ("-dirty" if _git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()
