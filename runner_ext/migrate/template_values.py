"""A build request as the runner-ext template's inputs (component) or variables (classic)."""

from __future__ import annotations

from typing import Any

from runner_ext.ci_inputs import input_variable
from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.migrate.decision import BuildRequest
from runner_ext.migrate.emit import block_text


def input_values(request: BuildRequest) -> dict[str, Any]:
    """The inputs whose value differs from the template's default, by input name."""
    values: dict[str, Any] = {}
    if request.dockerfile != "Dockerfile":
        values["dockerfile"] = request.dockerfile
    if request.context:
        values["context"] = f"$CI_PROJECT_DIR/{request.context}"
    if "destinations" not in request.runtime_inputs:
        values["destinations"] = block_text("\n".join(request.destinations))
    if request.build_args and "build_args" not in request.runtime_inputs:
        values["build_args"] = block_text("\n".join(request.build_args))
    if request.target and "target" not in request.runtime_inputs:
        values["target"] = request.target
    if request.labels and "labels" not in request.runtime_inputs:
        values["labels"] = block_text("\n".join(request.labels))
    if request.platform:
        values["platform"] = request.platform
    if not request.cache:
        values["cache"] = False
    if request.cache_repo:
        values["cache_repo"] = request.cache_repo
    return values


def component_entry(job_name: str, request: BuildRequest, *, config: OrgConfig,
                    engine: Engine) -> dict[str, Any]:
    """The ``include:`` entry of one migrated job (component mode)."""
    inputs: dict[str, Any] = {"job_name": job_name}
    if engine != config.build.engine:
        inputs["engine"] = engine
    inputs.update(input_values(request))
    return {"component": f"{config.include.component}/build@{config.include.version}",
            "inputs": inputs}


def classic_entry(config: OrgConfig) -> dict[str, Any]:
    """The ``include:`` entry of the classic templates (once per pipeline)."""
    return {"project": config.include.project, "ref": config.include.ref,
            "file": config.include.file}


def classic_variables(request: BuildRequest) -> dict[str, Any]:
    """The ``RUNNER_EXT_*`` variables of one migrated job (classic mode)."""
    variables: dict[str, Any] = {}
    for name, value in input_values(request).items():
        variables[input_variable(name)] = "false" if value is False else value
    return variables


def template_job(config: OrgConfig, engine: Engine) -> str:
    """The hidden job a classic-mode job extends (the config's default engine, or one)."""
    base = config.include.job_template
    return base if engine == config.build.engine else f"{base}-{engine}"


def component_hidden_job(engine: Engine) -> str:
    """The hidden job the component's build job extends, for jobs that keep an ``extends:``."""
    return f".runner-ext-build-{engine}"
