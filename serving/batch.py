"""Batch predictions: each item validated and answered on its own, so one bad item never fails
the others; its error has the same code, message and details a single request would get."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from forewarn.schemas.predictions import BatchItem, ItemError
from serving.errors import APIError, validation_details
from serving.prediction_service import PredictionService
from serving.predictors import Responder


def answer_batch(
    service: PredictionService,
    kind: type[BaseModel],
    items: list[dict[str, Any]],
    request_id: str,
    responder: Responder,
) -> list[BatchItem]:
    """One result or error per item, in order; item i is answered as request `<id>-i`. The
    valid items are forecast together."""
    adapter = TypeAdapter(kind)
    results: dict[int, BatchItem] = {}
    valid: dict[int, BaseModel] = {}
    for index, raw in enumerate(items):
        try:
            valid[index] = adapter.validate_python(raw)
        except PydanticValidationError as error:
            details = validation_details(error.errors())
            results[index] = _failed(index, "validation_error", "Invalid request", details)
    answers = service.serve_many(
        list(valid.values()), [f"{request_id}-{index}" for index in valid], responder
    )
    for index, answer in zip(valid, answers, strict=True):
        results[index] = _answered(index, answer)
    return [results[index] for index in range(len(items))]


def _answered(index: int, answer: dict[str, Any] | Exception) -> BatchItem:
    if isinstance(answer, APIError):
        return _failed(index, answer.code, answer.message, answer.details)
    if isinstance(answer, Exception):
        raise answer
    return BatchItem(index=index, status="ok", result=answer)


def _failed(index: int, code: str, message: str, details: Any) -> BatchItem:
    return BatchItem(
        index=index, status="error", error=ItemError(code=code, message=message, details=details)
    )
