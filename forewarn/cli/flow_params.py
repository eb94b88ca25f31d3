"""The flows `forewarn flow` runs, their typed parameters, and `-p key=value` coerced to them.

Plain functions that raise `ParameterError` (no console, no exit), so that tests check them
against the real flow objects without a Prefect server, and nothing bad is ever submitted.
"""

from __future__ import annotations

import inspect
import types
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import TypeAdapter, ValidationError

if TYPE_CHECKING:
    from prefect import Flow

    AnyFlow = Flow[..., Any]


class ParameterError(ValueError):
    """A `-p` value that the flow cannot take; the message is one line for the user."""


@dataclass(frozen=True)
class FlowParameter:
    """One parameter of a flow, as its signature declares it."""

    name: str
    annotation: Any
    default: Any = inspect.Parameter.empty

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty

    def describe(self) -> str:
        """`name: type = default`, as in the flow's signature (types resolved)."""
        text = f"{self.name}: {type_name(self.annotation)}"
        return text if self.required else f"{text} = {self.default!r}"


def all_flows() -> dict[str, AnyFlow]:
    """Every flow the CLI runs, by its Prefect name (which is also its deployment's name).

    The one registry of flows: names come from the flow objects. Imports Prefect and the flows,
    so call it inside a command, never at import time."""
    from flows import served_flows

    return {flow.name: flow for flow in served_flows()}


def flow_parameters(flow: AnyFlow) -> list[FlowParameter]:
    """The flow's parameters in order, with their annotations resolved to types."""
    hints = typing.get_type_hints(flow.fn)
    return [
        FlowParameter(p.name, hints.get(p.name, Any), p.default)
        for p in inspect.signature(flow.fn).parameters.values()
    ]


def summary(flow: AnyFlow) -> str:
    """The first paragraph of the flow's docstring, on one line."""
    first = inspect.cleandoc(flow.description or "").split("\n\n")[0]
    return " ".join(first.split())


def type_name(annotation: Any) -> str:
    """A type as a user reads it: `int`, `str | None`, `'bottleneck' | 'failure'`."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return " | ".join(repr(arg) for arg in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return "None"
    if origin is None and isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def coerce_params(flow: AnyFlow, pairs: list[str]) -> dict[str, Any]:
    """`key=value` pairs as the flow's typed parameters; ParameterError for a malformed pair,
    an unknown or missing parameter, or a value its type does not take."""
    declared = {p.name: p for p in flow_parameters(flow)}
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ParameterError(f"--param {pair!r} must look like key=value")
        if key not in declared:
            raise ParameterError(
                f"{flow.name} has no parameter {key!r}; it takes {', '.join(declared) or 'none'}"
            )
        values[key] = _coerce(flow.name, declared[key], raw)
    for parameter in declared.values():
        if parameter.required and parameter.name not in values:
            raise ParameterError(
                f"parameter {parameter.name!r} of {flow.name} is required; "
                f"add -p {parameter.name}=<{type_name(parameter.annotation)}>"
            )
    return values


def _coerce(flow_name: str, parameter: FlowParameter, raw: str) -> Any:
    """`raw` as the parameter's type: as JSON when the JSON value fits the type (numbers,
    booleans, `null`, lists), else as text, so that `2` stays "2" where a str is declared."""
    adapter: TypeAdapter[Any] = TypeAdapter(parameter.annotation)
    for validate in (adapter.validate_json, adapter.validate_python):
        try:
            return validate(raw)
        except ValidationError:
            continue
    raise ParameterError(
        f"parameter {parameter.name!r} of {flow_name} expects "
        f"{type_name(parameter.annotation)}; got {raw!r}"
    )
