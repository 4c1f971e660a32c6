"""A build request as the runner-ext template's inputs (component) or variables (classic)."""

from __future__ import annotations

from typing import Any

from runner_ext.ci_inputs import input_variable
from runner_ext.config.model import PROMOTE_JOB, OrgConfig, engine_job_name
from runner_ext.engines import Engine
from runner_ext.migrate.analyse.decision import BuildRequest
from runner_ext.migrate.rewrite.emit import block_text
from runner_ext.planner.promote import FROM_VARIABLE, TO_VARIABLE

# The promote component's inputs and the job variables they set (templates/ci/).
PROMOTE_INPUTS = {"from": FROM_VARIABLE, "to": TO_VARIABLE}


def promote_values(request: BuildRequest) -> dict[str, Any]:
    """A promotion's inputs: the source and, unless computed at run time, the destinations."""
    values: dict[str, Any] = {"from": request.promote_from}
    if "destinations" not in request.runtime_inputs:
        values["to"] = block_text("\n".join(request.destinations))
    return values


def input_values(request: BuildRequest) -> dict[str, Any]:
    """The inputs whose value differs from the template's default, by input name."""
    if request.promote_from:
        return promote_values(request)
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
    if not request.push:
        values["push"] = False
    return values


def component_entry(job_name: str, request: BuildRequest, *, config: OrgConfig,
                    engine: Engine) -> dict[str, Any]:
    """The ``include:`` entry of one migrated job (component mode)."""
    inputs: dict[str, Any] = {"job_name": job_name}
    if request.promote_from:
        inputs.update(promote_values(request))
        return {"component": f"{config.include.component}/promote@{config.include.version}",
                "inputs": inputs}
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
        variable = PROMOTE_INPUTS[name] if request.promote_from else input_variable(name)
        variables[variable] = "false" if value is False else value
    return variables


def template_job(config: OrgConfig, engine: Engine, request: BuildRequest | None = None
                 ) -> str:
    """The hidden job a classic-mode job extends: the promote job for a promotion, else the
    config's ``include.job_template`` for its default engine or the engine's own job (both
    defined by ``render ci``)."""
    if request is not None and request.promote_from:
        return PROMOTE_JOB
    return config.include.job_template if engine == config.build.engine \
        else engine_job_name(engine)


def component_hidden_job(engine: Engine, request: BuildRequest | None = None) -> str:
    """The hidden job the component's job extends, for jobs that keep an ``extends:``."""
    if request is not None and request.promote_from:
        return PROMOTE_JOB
    return engine_job_name(engine)
