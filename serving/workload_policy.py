"""The `workload` champion's policy, held for on-the-fly forecasts: read through the registry
once per version, swapped when the alias moves (polled), never replaced by a version that fails
to load. Not an `EventModel`, so it has its own small holder beside `ModelCache`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from forewarn.families.workload import WORKLOAD
from forewarn.forecasting.policy import WorkloadPolicy
from forewarn.tracking import CHAMPION, Registry
from serving.errors import APIError
from serving.metrics import Metrics

log = logging.getLogger(__name__)
NO_CHAMPION = "no version holds the champion alias"


@dataclass(frozen=True)
class LoadedPolicy:
    """A policy ready to forecast, and the version it came from."""

    version: str
    policy: WorkloadPolicy
    loaded_at: float


class PolicyHolder:
    """The served policy. Reads are lock-free; checks and loads are serialised."""

    name = WORKLOAD.name

    def __init__(
        self,
        load: Callable[[str], WorkloadPolicy],
        champion_version: Callable[[], str | None],
        metrics: Metrics,
    ) -> None:
        self._load, self._champion_version, self.metrics = load, champion_version, metrics
        self._loaded: LoadedPolicy | None = None
        self._error: str | None = None
        self._checked = False
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @classmethod
    def from_registry(cls, registry: Registry, metrics: Metrics) -> PolicyHolder:
        def champion() -> str | None:
            found = registry.alias_version(WORKLOAD.name, CHAMPION)
            return found.version if found else None

        return cls(registry.workload_policy, champion, metrics)

    def current(self) -> LoadedPolicy:
        """The served policy (the registry is asked at once if it never was): 404 when no
        version is champion, 503 while the champion cannot be loaded. Blocking."""
        if not self._checked:
            self.sync()
        loaded = self._loaded
        if loaded is not None:
            return loaded
        if self._error == NO_CHAMPION:
            raise APIError(
                404,
                "model_not_found",
                f"model {self.name!r} has no champion: no workload forecasting model has been "
                "trained yet (run the forecast-workload flow)",
                {"model": self.name},
            )
        reason = self._error or "it has not been loaded yet"
        raise APIError(503, "model_not_ready", f"model {self.name!r} is not ready: {reason}")

    def sync(self) -> None:
        """Serve the current champion, loading it if it changed; on any failure keep serving
        what is loaded and record why."""
        with self._lock:
            try:
                version = self._champion_version()
            except Exception as error:  # registry unreachable: keep serving what we have
                self._error = f"registry unreachable: {error}"
            else:
                if version is None:
                    self._error = NO_CHAMPION
                elif self._loaded is None or self._loaded.version != version:
                    self._deploy(version)
                else:
                    self._error = None
            self._checked = True  # only now: `current` waits for a check under way

    def _deploy(self, version: str) -> None:
        try:
            policy = self._load(version)
        except Exception as error:
            self._error = f"version {version} failed to load: {error}"
            self.metrics.model_loads.labels(self.name, "failed").inc()
            log.exception("loading %s v%s failed; keeping what serves now", self.name, version)
            return
        self._loaded = LoadedPolicy(version, policy, time.time())  # one reference swap
        self._error = None
        self.metrics.model_loads.labels(self.name, "loaded").inc()

    def start(self, poll_seconds: float) -> None:
        """Check the champion in the background, then follow alias moves."""

        def follow() -> None:
            self.sync()
            while not self._stop.wait(poll_seconds):
                self.sync()

        threading.Thread(target=follow, name="workload-policy", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def status(self) -> tuple[str | None, str | None]:
        """The served version and the last problem (None when there is none)."""
        loaded = self._loaded
        return (loaded.version if loaded else None), self._error
