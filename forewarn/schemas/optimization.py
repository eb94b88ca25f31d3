"""Bodies of POST /predict/resource-optimization (after the intelligence-layer seed)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from forewarn.schemas.predictions import BottleneckFeatures

Resource = Literal["cpu_cores", "memory_gb", "gpu_count", "storage_gb"]
Fraction = Annotated[float, Field(ge=0, le=1)]
Units = Annotated[float, Field(ge=0, le=1e7)]


class WorkloadForecast(BaseModel):
    predicted_load: list[Fraction] = Field(
        min_length=1,
        max_length=1000,
        description="Forecast utilisation of the system per period (fractions of capacity).",
    )
    peak_hours: list[str] = Field(default_factory=list, description="Informational.")
    agent_distribution: dict[str, float] = Field(default_factory=dict, description="Informational.")


class Objectives(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minimize_cost: float = Field(default=0.3, ge=0, le=1)
    maximize_performance: float = Field(default=0.4, ge=0, le=1)
    maintain_reliability: float = Field(default=0.3, ge=0, le=1)


class Constraints(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_cost_increase: float = Field(default=0.15, ge=-0.9, le=10)
    min_performance_level: float = Field(default=0.95, ge=0, le=1)
    availability_requirement: float = Field(
        default=0.999, ge=0, le=1, description="Recorded; availability is not modelled."
    )


class OptimizationRequest(BaseModel):
    system_id: str = Field(min_length=1, max_length=200)
    current_allocation: dict[Resource, Units] = Field(min_length=1)
    current_utilization: dict[Resource, Fraction] = Field(
        default_factory=dict,
        description="Utilisation now per resource; when given, peaks "
        "scale it by max(predicted_load) / predicted_load[0], else every resource peaks at "
        "max(predicted_load).",
    )
    workload_forecast: WorkloadForecast | None = Field(
        default=None, description="Without it, today's utilisation is taken as the peak."
    )
    objectives: Objectives = Field(default_factory=Objectives)
    constraints: Constraints = Field(default_factory=Constraints)
    unit_costs: dict[Resource, Annotated[float, Field(ge=0, le=1e6)]] = Field(
        default_factory=dict, description="Relative price per unit; defaults apply otherwise."
    )
    features: BottleneckFeatures | None = Field(
        default=None, description="Recent metrics: the bottleneck champion's risk is reported."
    )


class PlanStep(BaseModel):
    step: int
    action: str
    details: str
    cost_impact: float = Field(description="Change in cost, as a fraction of today's cost.")
    expected_impact: float = Field(
        description="Change in modelled performance if only this step is applied."
    )


class Outcomes(BaseModel):
    cost_change: float
    performance_improvement: float
    reliability_impact: float


class Optimization(BaseModel):
    recommended_allocation: dict[str, float]
    scaling_strategy: Literal["vertical", "none"]
    implementation_plan: list[PlanStep]
    expected_outcomes: Outcomes
    feasible: bool = Field(description="Whether the constraints could all be met.")


class Alternative(BaseModel):
    name: str
    allocation: dict[str, float]
    cost_change: float
    performance_impact: float
    trade_offs: str


class BottleneckRisk(BaseModel):
    probability: float
    predicted_resource: str | None
    model_version: str


class OptimizationResponse(BaseModel):
    request_id: str
    system_id: str
    optimization: Optimization
    alternatives: list[Alternative]
    bottleneck_risk: BottleneckRisk | None
    assumptions: list[str] = Field(description="What the request left open and was assumed.")

    @property
    def recommendations(self) -> list[PlanStep]:
        """The plan's steps (the seed SDK's name)."""
        return self.optimization.implementation_plan
