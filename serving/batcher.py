"""Micro-batching: concurrent single predictions are answered together, one booster call per
batch. Nothing waits on a timer: the first request starts at once, and those that arrive while a
batch computes form the next one, so batches grow only under load.

Batches are computed on the event loop itself, not in a worker thread: on a few cores the GIL
hand-offs between loop and thread cost more than the overlap gains (`benchmarks/serving.py`
compares). A batch holds the loop for a few milliseconds; requests arriving meanwhile wait in
the socket buffers and join the next batch."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any, NamedTuple

from serving.model_cache import LoadedModel
from serving.predictors import Responder

MAX_BATCH = 64


class Job(NamedTuple):
    """One request waiting for its answer."""

    responder: Responder  # how to answer
    loaded: LoadedModel  # with which model
    body: Any  # the validated request


class MicroBatcher:
    """Queues requests from the event loop; one drain task answers them in batches."""

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._pending: list[tuple[Job, asyncio.Future[dict[str, Any]]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, responder: Responder, loaded: LoadedModel, body: Any) -> dict[str, Any]:
        """The answer to `body`, computed with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._pending.append((Job(responder, loaded, body), future))
        if self._draining is None:
            self._draining = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                await asyncio.sleep(0)  # requests already read join before the batch closes
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                results = answer_all([job for job, _ in batch])
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._draining = None


def answer_all(batch: list[Job]) -> list[dict[str, Any] | Exception]:
    """Answers in batch order; requests for the same model are forecast together, and a group
    that fails is retried one by one so that one bad request fails alone."""
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for index, job in enumerate(batch):
        groups[(id(job.loaded), job.responder.family)].append(index)
    results: list[dict[str, Any] | Exception] = [RuntimeError("unanswered")] * len(batch)
    for indices in groups.values():
        responder, loaded = batch[indices[0]].responder, batch[indices[0]].loaded
        answers: list[dict[str, Any] | Exception]
        try:
            answers = list(responder.respond_many(loaded, [batch[i].body for i in indices]))
        except Exception:
            answers = [_alone(responder, loaded, batch[i].body) for i in indices]
        for i, answer in zip(indices, answers, strict=True):
            results[i] = answer
    return results


def _alone(responder: Responder, loaded: LoadedModel, body: Any) -> dict[str, Any] | Exception:
    try:
        return responder.respond(loaded, body)
    except Exception as error:  # handed to that request's future
        return error
