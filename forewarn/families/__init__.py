"""Model families: one module per family; training and serving both use them."""

from forewarn.families.base import Evaluation, Family, Gate, TrainingResult
from forewarn.families.bottleneck import BottleneckFamily
from forewarn.families.failure import FailureFamily
from forewarn.families.incident import IncidentFamily
from forewarn.families.model import EventModel

FAMILIES: dict[str, Family] = {
    family.name: family for family in (BottleneckFamily(), FailureFamily(), IncidentFamily())
}


def get_family(name: str) -> Family:
    """The family called `name`, or a ValueError listing the known ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: {sorted(FAMILIES)}") from None


__all__ = ["FAMILIES", "Evaluation", "EventModel", "Family", "Gate", "TrainingResult", "get_family"]
