"""What the MLflow UI says about a registered model and each of its versions (Markdown).

Every word about a family comes from the family object: what it predicts (its module's
docstring), how (its class docstring), its dataset and its gate. Nothing is restated by hand.
"""

from __future__ import annotations

import inspect
import sys
from typing import Protocol

from forewarn.catalog import Manifest
from forewarn.families import Gate
from forewarn.tracking.aliases import CHALLENGER, CHAMPION


class Described(Protocol):
    """What a description is made of: any family, event or workload."""

    @property
    def name(self) -> str: ...
    @property
    def dataset(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def gate(self) -> Gate: ...


def model_description(family: Described) -> str:
    """What the family predicts, from which data, and the gate each version must pass."""
    gate = family.gate
    facts = [
        f"**Data**: catalog dataset `{family.dataset}` (kind `{family.kind}`); each version "
        "names the exact dataset version it was trained on.",
        f"**Gate**: {gate_rule(gate)} Each version carries the decision in its `gate.*` tags.",
        f"**Serving**: the API serves the `{CHAMPION}` alias.",
    ]
    return "\n\n".join([*_paragraphs(family), "\n".join(f"- {fact}" for fact in facts)])


def gate_rule(gate: Gate) -> str:
    """The gate in words."""
    return (
        f"a version becomes `{CHAMPION}` when its held-out `{gate.metric}` is "
        f"{gate.requirement} and no more than {gate.tolerance:g} worse than the {CHAMPION}'s "
        f"on the same data; one that clears only the threshold becomes `{CHALLENGER}`; any "
        "other is rejected."
    )


def version_description(
    family: Described, metrics: dict[str, float], dataset: Manifest | None
) -> str:
    """The data one version was trained on and its held-out score against the gate."""
    metric = family.gate.metric
    score, baseline = metrics.get(metric), metrics.get(f"baseline_{metric}")
    lines = []
    if dataset is not None:
        lines.append(
            f"Trained on `{dataset.name}@{dataset.version}` ({dataset.rows:,} rows, "
            f"sha256 `{dataset.sha256}`)."
        )
    if score is not None:
        versus = "" if baseline is None else f" (baseline {baseline:.3f})"
        lines.append(
            f"Held-out `{metric}` {score:.3f}{versus}; the gate asks for {family.gate.requirement}."
        )
    return "\n\n".join(lines)


def _paragraphs(family: Described) -> list[str]:
    """The first paragraph of the family module's docstring, then the class docstring."""
    module = inspect.getdoc(sys.modules[type(family).__module__]) or ""
    docs = [module.split("\n\n", 1)[0], inspect.getdoc(family) or ""]
    return [" ".join(doc.split()) for doc in docs if doc]
