"""``render ci``: the GitLab CI component and classic include, from the org config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner_ext.ci_inputs import INPUTS, input_defaults
from runner_ext.config.model import PROMOTE_JOB, OrgConfig, engine_job_name
from runner_ext.engines import ENGINES, SUMMARIES, Engine
from runner_ext.planner import plan
from runner_ext.planner.from_config import ENTRYPOINT, WORK_DIRS, registry_options, template_spec
from runner_ext.planner.promote import FROM_VARIABLE, FUNCTION, TO_VARIABLE, promote_shell
from runner_ext.planner.shell import plan_to_shell
from runner_ext.render.environment import render

AUTH_VARIABLE = "RUNNER_EXT_REGISTRY_AUTH"

# Paths of the files `render ci` writes, relative to --out.
COMPONENT = "templates/build/template.yml"
COMPONENT_README = "templates/build/README.md"
PROMOTE_COMPONENT = "templates/promote/template.yml"
CLASSIC = "classic/build.yml"
CATALOG_README = "README.md"


@dataclass(frozen=True)
class EngineJob:
    """What one engine's hidden job needs."""

    name: str
    summary: str
    executor: str
    variables: list[tuple[str, str]]
    plan_shell: str

    @property
    def job(self) -> str:
        """The hidden job's name."""
        return engine_job_name(self.name)


@dataclass(frozen=True)
class PromoteJob:
    """What the promote job needs: the shim executor image (it has skopeo) and the copy."""

    executor: str
    variables: list[tuple[str, str]]
    shell: str
    job: str = PROMOTE_JOB
    function: str = FUNCTION
    from_variable: str = FROM_VARIABLE
    to_variable: str = TO_VARIABLE


def _variable_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _registries_variable(config: OrgConfig) -> list[tuple[str, str]]:
    """Map the org's variable for extra registries onto the one the entrypoint reads."""
    name = config.build.registries_variable
    return [] if name == AUTH_VARIABLE else [(AUTH_VARIABLE, f"${name}")]


def engine_job(config: OrgConfig, engine: Engine) -> EngineJob:
    """The hidden job of one engine: its image, default variables and plan."""
    defaults = input_defaults(config)
    variables = [
        ("RUNNER_EXT_ENGINE", engine),
        ("RUNNER_EXT_ENTRYPOINT", ENTRYPOINT),
        ("RUNNER_EXT_WORK_DIR", WORK_DIRS[engine]),
        *[(i.variable, _variable_value(defaults[i.name])) for i in INPUTS if i.variable],
        ("RUNNER_EXT_DIGEST_FILE", "${RUNNER_EXT_WORK_DIR}/image-digest"),
        ("RUNNER_EXT_DOTENV", "runner-ext.env"),
        *_registries_variable(config),
    ]
    shell = plan_to_shell(plan(template_spec(config, engine), engine))
    return EngineJob(engine, SUMMARIES[engine], config.image_for(engine).executor, variables,
                     shell.rstrip("\n"))


def promote_job(config: OrgConfig) -> PromoteJob:
    """The promote job: shim executor, empty promotion variables, the planner's copy."""
    # The shim runs like Buildah (UID 1000): its work directory holds the auth file.
    work_dir = WORK_DIRS["buildah"]
    variables = [
        (FROM_VARIABLE, ""), (TO_VARIABLE, ""),
        ("RUNNER_EXT_ENTRYPOINT", ENTRYPOINT),
        ("RUNNER_EXT_WORK_DIR", work_dir),
        *_registries_variable(config),
    ]
    return PromoteJob(config.engines.shim.executor, variables,
                      promote_shell(registry_options(config)).rstrip("\n"))


def _context(config: OrgConfig) -> dict[str, Any]:
    defaults = input_defaults(config)
    return {
        "engines": [engine_job(config, e) for e in ENGINES],
        "default_engine": config.build.engine,
        "default_job": engine_job_name(config.build.engine),
        "promote": promote_job(config),
        "runner_tags": list(config.runner.tags),
        "include": config.include,
        "inputs": [{"name": i.name, "type": i.type, "description": i.description,
                    "options": list(i.options), "variable": i.variable,
                    "default": defaults[i.name]} for i in INPUTS],
    }


def render_ci(config: OrgConfig) -> dict[str, str]:
    """Every CI file, keyed by its path under the output directory."""
    context = _context(config)
    return {
        COMPONENT: render("ci/component.yml.j2", context),
        COMPONENT_README: render("ci/component-README.md.j2", context),
        PROMOTE_COMPONENT: render("ci/promote-component.yml.j2", context),
        CLASSIC: render("ci/classic.yml.j2", context),
        CATALOG_README: render("ci/catalog-README.md.j2", context),
    }
