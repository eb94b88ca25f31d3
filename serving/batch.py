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


def answer_batch(service: PredictionService, kind: type[BaseModel],
                 items: list[dict[str, Any]], request_id: str,
                 responder: Responder) -> list[BatchItem]:
    """One result or error per item, in order; item i is answered as request `<id>-i`."""
    adapter = TypeAdapter(kind)
    results = []
    for index, raw in enumerate(items):
        try:
            body = adapter.validate_python(raw)
            answer = service.serve(body, f"{request_id}-{index}", responder)
            results.append(BatchItem(index=index, status="ok", result=answer))
        except PydanticValidationError as error:
            details = validation_details(error.errors())
            results.append(_failed(index, "validation_error", "Invalid request", details))
        except APIError as error:
            results.append(_failed(index, error.code, error.message, error.details))
        except ValueError as error:
            results.append(_failed(index, "invalid_input", str(error), None))
    return results


def _failed(index: int, code: str, message: str, details: Any) -> BatchItem:
    return BatchItem(index=index, status="error",
                     error=ItemError(code=code, message=message, details=details))
