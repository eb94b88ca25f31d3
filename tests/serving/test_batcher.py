"""The micro-batcher: concurrent requests answered together, each with its own answer or error."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from forewarn.families import TrainingResult
from forewarn.schemas.predictions import BottleneckRequest
from serving.batcher import MicroBatcher
from serving.model_cache import LoadedModel
from serving.predictors import BOTTLENECK, Responder
from support import bottleneck_body


class CountingResponder(Responder):
    """The bottleneck responder, counting how many batches it answered."""

    calls: list[int]

    def respond_many(self, loaded: LoadedModel, bodies: list[Any]) -> list[dict[str, Any]]:
        self.calls.append(len(bodies))
        return super().respond_many(loaded, bodies)


@pytest.fixture
def loaded(trained: dict[str, TrainingResult]) -> LoadedModel:
    """The trained bottleneck model, as the model cache serves it."""
    return LoadedModel("bottleneck", "1", trained["bottleneck"].model, time.time(), 0)


def request(cpu: float) -> BottleneckRequest:
    body = bottleneck_body()
    body["features"]["cpu_utilization"] = [cpu, cpu + 1, cpu + 2]
    return BottleneckRequest.model_validate(body)


def test_concurrent_requests_share_batches_and_get_their_own_answers(loaded: LoadedModel) -> None:
    responder = CountingResponder(BOTTLENECK.family, BOTTLENECK.query, BOTTLENECK.answer)
    object.__setattr__(responder, "calls", [])
    bodies = [request(float(cpu)) for cpu in range(10, 90, 4)]

    async def ask_all() -> list[dict[str, Any]]:
        batcher = MicroBatcher(max_batch=8)
        return await asyncio.gather(*(batcher.submit(responder, loaded, b) for b in bodies))

    answers = asyncio.run(ask_all())

    assert answers == [BOTTLENECK.respond(loaded, body) for body in bodies]
    assert sum(responder.calls) == len(bodies) and len(responder.calls) < len(bodies)
    assert max(responder.calls) <= 8


def test_a_request_that_cannot_be_answered_fails_alone(loaded: LoadedModel) -> None:
    broken = request(50.0)
    broken.features.cpu_utilization = [float("nan")]  # past validation, as a bug would be
    good = request(50.0)

    async def ask() -> list[Any]:
        batcher = MicroBatcher()
        return await asyncio.gather(
            batcher.submit(BOTTLENECK, loaded, good),
            batcher.submit(BOTTLENECK, loaded, broken),
            return_exceptions=True,
        )

    answered, failed = asyncio.run(ask())

    assert answered == BOTTLENECK.respond(loaded, good)
    assert isinstance(failed, ValueError) and "cpu_utilization" in str(failed)
