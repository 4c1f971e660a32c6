"""The long-lived namespaced objects ``cluster apply`` keeps in step with the config.

The build pods' NetworkPolicy (shared by every build of the engine, the same object
``render pod`` writes beside each pod) and, when ``[warmer].images`` is set, the warmer whose
volume the engine's build pods mount (``render warmer --engine ENGINE``): Kaniko's cache or
Buildah's image store, each a PVC, Job, CronJob and NetworkPolicy (and a ConfigMap of
registries.conf and the org CA, when needed); BuildKit has none. Per-build objects (pods
and their ConfigMaps) are not here: ``runner-ext build`` and the runner create those.
"""

from __future__ import annotations

from runner_ext.config.model import OrgConfig
from runner_ext.engines import Engine
from runner_ext.kube.labels import WARMER_COMPONENTS, labels
from runner_ext.kube.warm_store import mounted_store
from runner_ext.kube.warmer import render_warmer
from runner_ext.render.environment import environment

# (kind, app.kubernetes.io/component) of every object this module can render: what a prune
# may delete. Build pods, Jobs and ConfigMaps (component "build") are not among them.
PRUNABLE = (
    ("NetworkPolicy", "build"),
    *((kind, component) for component in WARMER_COMPONENTS.values() for kind in (
        "NetworkPolicy", "PersistentVolumeClaim", "ConfigMap", "Job", "CronJob")),
)


def build_network_policy(config: OrgConfig, engine: Engine) -> str:
    """The NetworkPolicy admitting no ingress to the engine's build pods."""
    macro = environment().get_template("kubernetes/_network-policy.yml.j2").module
    text: str = macro.no_ingress(  # type: ignore[attr-defined]
        f"runner-ext-build-{engine}-no-ingress", config.kubernetes, labels("build", engine))
    return text.strip() + "\n"


def namespace_objects(config: OrgConfig, engine: Engine, ca_pem: str | None = None
                      ) -> dict[str, str]:
    """Manifests keyed by file name, as ``render`` would write them (``ca_pem``: the org
    CA's PEM, which the warmer needs when ``registry.ca_file`` is set)."""
    files = {f"runner-ext-build-{engine}-no-ingress.yaml": build_network_policy(config, engine)}
    if mounted_store(config, engine):  # [warmer].images set, and the engine has a warmer
        files.update(render_warmer(config, {}, engine, ca_pem).files)
    return files
