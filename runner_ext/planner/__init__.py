"""The build planner: one engine-neutral :class:`BuildSpec` → each engine's plan."""

from __future__ import annotations

from dataclasses import replace

from runner_ext.planner.engines import PLANNERS
from runner_ext.planner.plan import BuildPlan, DigestOutput, PlanFile, Step
from runner_ext.planner.spec import BuildahOptions, BuildSpec, KanikoOptions, RegistryOptions
from runner_ext.planner.validate import run_time_checks, validate


def plan(spec: BuildSpec, engine: str) -> BuildPlan:
    """Validate ``spec`` and return ``engine``'s plan for it."""
    validate(spec, engine)
    return replace(PLANNERS[engine](spec), checks=run_time_checks(spec))


__all__ = [
    "BuildPlan", "BuildSpec", "BuildahOptions", "DigestOutput", "KanikoOptions", "PlanFile",
    "RegistryOptions", "Step", "plan",
]
