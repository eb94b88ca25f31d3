"""Models served in-process: each family's `champion`, loaded once, swapped atomically when its
alias moves (polled, or at once on request), never replaced by a version that fails to load."""

from __future__ import annotations

import contextlib
import gc
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from forewarn.families import EventModel
from forewarn.tracking import CHAMPION, Registry
from serving.errors import APIError
from serving.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to predict, and where it came from."""

    name: str
    version: str
    model: EventModel
    loaded_at: float
    size_bytes: int


@dataclass
class CacheStatus:
    """What /health reports about the cache."""

    ready: bool
    models: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    canaries: dict[str, dict[str, float | str]] = field(default_factory=dict)


class ModelCache:
    """Family name -> the loaded champion. Reads are lock-free; loads are serialised."""

    def __init__(
        self,
        families: list[str],
        load: Callable[[str, str], EventModel],
        champion_version: Callable[[str], str | None],
        metrics: Metrics,
    ) -> None:
        self.families = families
        self._load_model, self._champion_version = load, champion_version
        self.metrics = metrics
        self._models: dict[str, LoadedModel] = {}
        self._canaries: dict[str, tuple[LoadedModel, float]] = {}  # name -> (model, share)
        self._errors: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @classmethod
    def from_registry(cls, registry: Registry, families: list[str], metrics: Metrics) -> ModelCache:
        def champion(name: str) -> str | None:
            found = registry.alias_version(name, CHAMPION)
            return found.version if found else None

        return cls(families, registry.load, champion, metrics)

    def get(self, name: str) -> LoadedModel:
        """The model answering this request for `name` (the canary for its share of traffic);
        503 until one is loaded."""
        canary = self._canaries.get(name)
        if canary is not None and random.random() < canary[1]:
            return canary[0]
        loaded = self._models.get(name)
        if loaded is None:
            reason = self._errors.get(name, "it has not been loaded yet")
            raise APIError(503, "model_not_ready", f"model {name!r} is not ready: {reason}")
        return loaded

    def sync(self, name: str) -> None:
        """Serve the current champion of `name`, loading it if it changed."""
        with self._lock:
            try:
                version = self._champion_version(name)
            except Exception as error:  # registry unreachable: keep serving what we have
                self._errors[name] = f"registry unreachable: {error}"
                return
            if version is None:
                self._errors[name] = "no version holds the champion alias"
                return
            self.deploy(name, version)

    def deploy(self, name: str, version: str) -> LoadedModel:
        """Load `version` of `name` and swap it in; on failure the previous one keeps serving."""
        current = self._models.get(name)
        if current is not None and current.version == version:
            self._errors.pop(name, None)  # the alias is back on what serves: nothing is failing
            return current
        loaded = self._load(name, version)
        self._models[name] = loaded  # one reference swap: readers see the old or the new
        self._errors.pop(name, None)
        self._account(name, current, loaded)
        return loaded

    def deploy_canary(self, name: str, version: str, share: float) -> LoadedModel | None:
        """Serve `version` to `share` (0-1] of `name`'s requests beside the champion; a share
        of 0 removes the canary. A version that fails to load changes nothing."""
        current = self._canaries.get(name)
        if share <= 0:
            self._canaries.pop(name, None)
            self._account(name, current[0] if current else None, None)
            return None
        if current is not None and current[0].version == version:
            self._canaries[name] = (current[0], share)
            return current[0]
        loaded = self._load(name, version)
        self._canaries[name] = (loaded, share)
        self._account(name, current[0] if current else None, loaded)
        return loaded

    def _load(self, name: str, version: str) -> LoadedModel:
        try:
            model = self._load_model(name, version)
        except Exception as error:
            self._errors[name] = f"version {version} failed to load: {error}"
            self.metrics.model_loads.labels(name, "failed").inc()
            log.exception("loading %s v%s failed; keeping what serves now", name, version)
            raise APIError(502, "model_load_failed", self._errors[name]) from error
        self.metrics.model_loads.labels(name, "loaded").inc()
        return LoadedModel(name, version, model, time.time(), len(model.event.save_raw()))

    def _account(self, name: str, old: LoadedModel | None, new: LoadedModel | None) -> None:
        """Keep the memory gauge equal to what is loaded."""
        if old is not None:
            self.metrics.model_memory.remove(name, old.version)
        if new is not None:
            self.metrics.model_memory.labels(name, new.version).set(new.size_bytes)

    def unload(self, name: str) -> None:
        """Stop serving `name` (until the next sync)."""
        self._account(name, self._models.pop(name, None), None)
        canary = self._canaries.pop(name, None)
        self._account(name, canary[0] if canary else None, None)

    def sync_all(self) -> None:
        for name in self.families:
            with contextlib.suppress(APIError):  # recorded; the previous version keeps serving
                self.sync(name)

    def start(self, poll_seconds: float) -> None:
        """Load every champion in the background, then follow alias moves."""

        def follow() -> None:
            self.sync_all()
            gc.freeze()  # loaded models never need collecting: no long GC pauses under load
            while not self._stop.wait(poll_seconds):
                self.sync_all()

        threading.Thread(target=follow, name="model-cache", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def status(self) -> CacheStatus:
        models = {name: loaded.version for name, loaded in self._models.items()}
        ready = all(name in models for name in self.families)
        canaries: dict[str, dict[str, float | str]] = {
            name: {"version": loaded.version, "share": share}
            for name, (loaded, share) in self._canaries.items()
        }
        return CacheStatus(ready, models, dict(self._errors), canaries)
