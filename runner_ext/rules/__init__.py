"""The shared shape of a rule catalog (CI rules and Dockerfile rules both use it)."""

from runner_ext.rules.base import Finding, Fix, Rule, Severity

__all__ = ["Finding", "Fix", "Rule", "Severity"]
