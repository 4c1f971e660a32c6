"""``render runner``: GitLab Runner's Kubernetes executor config for one engine.

Two files: ``config.toml`` (a registration template: ``[[runners]]`` and
``[runners.kubernetes]`` without URL or token) and ``values.yaml`` for the
``gitlab-runner`` Helm chart, which embeds the same TOML as ``runners.config`` and reads
the runner token from a Secret (``runners.secret``). Both are built as data and written by
their emitters (:mod:`runner_ext.kube.runner_config`). Security contexts come from the same
engine profiles as standalone build pods, and are checked the same way.
"""

from __future__ import annotations

import json
from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.errors import Category, Problem, RunnerExtError
from runner_ext.kube.assess import assess
from runner_ext.kube.pod import Rendered
from runner_ext.kube.profiles import EngineProfile, engine_profile
from runner_ext.kube.pss import Level
from runner_ext.kube.runner_config import config_toml, helm_values
from runner_ext.kube.warm_store import mounted_store
from runner_ext.planner.references import expected, matches
from runner_ext.render.environment import render
from runner_ext.variables import references, substitute

CONFIG = "config.toml"
VALUES = "values.yaml"


def _problems(config: OrgConfig, engine: Engine) -> list[Problem]:
    """Settings the runner config cannot do without, all reported at once."""
    problems = []
    if not config.runner.gitlab_url:
        problems.append(Problem("the GitLab URL is not set", key="runner.gitlab_url",
                                hint="set runner.gitlab_url, e.g. 'https://gitlab.example.com'"))
    registry = config.runner.ci_registry
    if registry and not matches("host", registry):
        problems.append(Problem(f"not {expected('host').split(':')[0]}", key="runner.ci_registry",
                                value=repr(registry), hint=f"write {expected('host')}"))
    image = config.image_for(engine).executor
    for name in references(image):
        if name == "CI_REGISTRY" and config.runner.ci_registry:
            continue
        problems.append(Problem(
            f"the executor image refers to ${name}, which allowed_images cannot match",
            key=f"engines.{engine}.executor", value=repr(image),
            hint="set runner.ci_registry to your $CI_REGISTRY host (host[:port])"
            if name == "CI_REGISTRY" else "write the image reference without variables"))
    return problems


def executor_image(config: OrgConfig, engine: Engine) -> str:
    """The engine's executor image with ``$CI_REGISTRY`` resolved (allowed_images needs it)."""
    image = config.image_for(engine).executor
    return substitute(image, {name: config.runner.ci_registry for name in references(image)})


def _tolerations(config: OrgConfig) -> list[tuple[str, str]]:
    """``node_tolerations`` entries: ``"key=value" = "Effect"`` (``"key"`` for Exists)."""
    return [(t.key if t.operator == "Exists" else f"{t.key}={t.value}", t.effect)
            for t in config.kubernetes.tolerations]


def _pod_spec_patches(profile: EngineProfile) -> list[dict[str, str]]:
    if profile.host_users:
        return []
    patch = json.dumps([{"op": "add", "path": "/hostUsers", "value": False}])
    return [{"name": "user-namespace", "type": "json", "patch": patch}]


def _context(config: OrgConfig, engine: Engine, profile: EngineProfile) -> dict[str, Any]:
    r = config.runner
    return {
        "engine": engine, "summary": profile.summary, "name": f"runner-ext-{engine}",
        "k": config.kubernetes, "profile": profile, "image": executor_image(config, engine),
        "gitlab_url": config.runner.gitlab_url, "token_secret": r.token_secret,
        "concurrent": r.concurrent, "poll_timeout": r.poll_timeout, "tags": r.tags,
        "tolerations": _tolerations(config), "pod_spec": _pod_spec_patches(profile),
        "cache": mounted_store(config, engine),
    }


def render_runner(config: OrgConfig, engine: Engine) -> Rendered:
    """config.toml and values.yaml, after checking the engine's pods against the namespace."""
    problems = _problems(config, engine)
    if problems:
        raise RunnerExtError(Category.CONFIG, problems)
    profile = engine_profile(config, engine)
    context = _context(config, engine, profile)
    level = assess(render("kubernetes/profile-pod.yml.j2", context), f"{engine} job pod",
                   what=f"{engine} runner jobs", claimed=profile.claimed,
                   enforce=Level(config.kubernetes.enforce),
                   namespace=config.kubernetes.namespace, reasons=profile.reasons)
    context["level"] = level.value
    toml = config_toml(context)
    values = helm_values(context, toml)
    return Rendered({CONFIG: toml, VALUES: values}, level)
