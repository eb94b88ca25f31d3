"""The gate between a trained version and the `champion` alias.

A candidate becomes champion when its held-out metric clears the family's absolute threshold and
is no worse than the current champion's, on the same evaluation rows, beyond a tolerance. One that
clears the threshold but not the comparison becomes `challenger`; one that fails the threshold is
rejected. A rejected or challenger candidate never touches the champion.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

from forewarn.families import Gate

Outcome = Literal["champion", "challenger", "rejected"]


@dataclass(frozen=True)
class Decision:
    """What the gate decided for a candidate version, and why."""

    outcome: Outcome
    reason: str
    metric: str
    candidate: float
    threshold: float
    champion: float | None

    def as_tags(self) -> dict[str, str]:
        """The decision as `gate.*` tags for the run and the model version."""
        return {f"gate.{key}": str(value) for key, value in asdict(self).items()}


def decide(gate: Gate, candidate: dict[str, float], champion: dict[str, float] | None) -> Decision:
    """Apply `gate` to the candidate's metrics and the champion's (None: there is none)."""
    score = candidate.get(gate.metric, float("nan"))
    best = None if champion is None else champion.get(gate.metric, float("nan"))

    def verdict(outcome: Outcome, reason: str) -> Decision:
        return Decision(outcome, reason, gate.metric, score, gate.threshold, best)

    if not math.isfinite(score) or not gate.clears(score):
        reason = f"{gate.metric} {score:.4f} misses the threshold ({gate.requirement})"
        return verdict("rejected", reason)
    if best is not None and math.isfinite(best) and gate.worse_than(score, best):
        reason = (
            f"{gate.metric} {score:.4f} is worse than the champion's {best:.4f} "
            f"beyond the tolerance {gate.tolerance:.4f}"
        )
        return verdict("challenger", reason)
    versus = "no champion yet" if best is None else f"champion has {best:.4f}"
    reason = f"{gate.metric} {score:.4f} clears {gate.requirement} ({versus})"
    return verdict("champion", reason)
