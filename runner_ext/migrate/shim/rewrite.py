"""The shim rewrite: the job keeps its script; only what tied it to a daemon changes.

Splices on the original text (``spans``/``emit`` helpers, as the declarative rewrite):
``image:`` becomes the shim executor, Docker-in-Docker services go, the Docker client's
daemon variables go when no kept line uses them, ``tags:`` become the Kubernetes runner's.
Keys the job inherits (``default:``, ``extends:``) are overridden by keys of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner_ext.config.model import OrgConfig
from runner_ext.migrate.analyse.decision import RESHAPE, Refused
from runner_ext.migrate.analyse.facts import JobFacts, is_dind
from runner_ext.migrate.analyse.jobs import CiJob
from runner_ext.migrate.parse.merge_keys import merge_entries, merged
from runner_ext.migrate.parse.spans import (
    content_end,
    entry_span,
    item_span,
    line_end,
    line_start,
    value_span,
)
from runner_ext.migrate.parse.yamlnodes import Node
from runner_ext.migrate.rewrite.emit import block_text, dump_flow, dump_mapping, flow_list
from runner_ext.migrate.rewrite.rewrite import JobRewrite, check_readable
from runner_ext.migrate.shim.analysis import ShimAnalysis
from runner_ext.rules.base import Splice

# What the Docker client reads to find a daemon; the shim has none.
DAEMON_VARIABLES = ("DOCKER_HOST", "DOCKER_TLS_CERTDIR", "DOCKER_DRIVER", "DOCKER_TLS_VERIFY",
                    "DOCKER_CERT_PATH")


@dataclass
class ShimRewrite(JobRewrite):
    """A shim rewrite, and what the job's owners should check by hand."""

    attention: list[str] = field(default_factory=list)
    inserted: dict[str, Any] = field(default_factory=dict)


def shim_rewrite(job: CiJob, facts: JobFacts, analysis: ShimAnalysis, config: OrgConfig
                 ) -> ShimRewrite:
    """Splices that move the job onto the shim executor; :class:`Refused` when the YAML
    can't be edited in place."""
    node = job.node
    if node.kind != "map" or node.flow or not node.pairs:
        raise Refused("the job is written in flow style or as an alias", RESHAPE)
    check_readable(job)
    if merge_entries(node):
        merged(node, job.file.anchors)  # refuses a key above a merge key that brings it too
    result = ShimRewrite()
    executor = config.engines.shim.executor
    _replace(job, "image", executor, result)
    result.changes.append(f"image {facts.image} replaced by the runner-ext shim executor "
                          f"{executor}" if facts.image else
                          f"runs in the runner-ext shim executor {executor}")
    _services(job, facts, result)
    _variables(job, analysis, result)
    _package_installs(job, facts, analysis, result)
    tags = list(config.runner.tags)
    _replace(job, "tags", flow_list(tags), result)
    result.changes.append(f"runner tags {', '.join(facts.tags) or '(none)'} → {', '.join(tags)}")
    result.changes.append("script kept: docker runs podman through the shim's wrapper, which "
                          "adds the registry layer cache to every build")
    if analysis.runs:
        result.changes.append(
            "docker run executed once, in the foreground, with chroot isolation (Buildah "
            "runs the image like a Dockerfile RUN step; no daemon, no published ports): "
            + ", ".join(f"'{run}'" for run in dict.fromkeys(analysis.runs)))
    if analysis.bakes:
        result.changes.append(
            "docker buildx bake read by the shim's bake reader (python-hcl2); each target "
            "built like docker build, with the registry layer cache: "
            + ", ".join(dict.fromkeys(analysis.bakes)))
    for platform in dict.fromkeys(analysis.platforms):
        result.changes.append(f"--platform {platform} built into one manifest list and pushed "
                              "as one index to every tag")
        result.attention.append(
            f"the build for {platform} runs its RUN steps for the platforms other than the "
            "node's under QEMU: the build nodes need qemu-user-static's binfmt handlers "
            "registered (with the F flag), as the Docker host had them")
    if result.inserted:
        result.splices.append(_insert_top(job, result.inserted))
    return result


def _replace(job: CiJob, key: str, value: Any, result: ShimRewrite) -> None:
    key_node, node = job.node.key_node(key), job.node.get(key)
    if key_node is None or node is None:
        result.inserted[key] = value
        return
    start, end = value_span(job.file.text, key_node, node)
    result.splices.append(Splice(start, end, " " + dump_flow(value)))
    result.deleted.append((start, end))


def _services(job: CiJob, facts: JobFacts, result: ShimRewrite) -> None:
    dind = facts.dind_services()
    if not dind:
        return
    result.changes.extend(f"removed service {s}" for s in dind)
    key, node = job.node.key_node("services"), job.node.get("services")
    if key is None or node is None:
        result.inserted["services"] = flow_list([])
        return
    if node.kind != "seq":
        raise Refused("the job's services: are written in a form runner-ext can't edit", RESHAPE)
    doomed = [item for item in node.items if is_dind(_service_name(item))]
    if len(doomed) == len(node.items):
        _delete(job, entry_span(job.file.text, key, node), result)
    elif node.flow or len(doomed) < len(dind):
        raise Refused("the job's services: are written in a form runner-ext can't edit", RESHAPE)
    else:
        for item in doomed:
            _delete(job, item_span(job.file.text, item), result)


def _service_name(item: Node) -> str:
    if item.kind == "map":
        name = item.get("name")
        return str(name.value) if name is not None and name.kind == "scalar" else ""
    return str(item.value) if item.kind == "scalar" else ""


def _delete(job: CiJob, span: tuple[int, int] | None, result: ShimRewrite) -> None:
    if span is None:
        raise Refused("a key of the job shares its line with another", RESHAPE)
    result.splices.append(Splice(span[0], span[1], ""))
    result.deleted.append(span)


def _variables(job: CiJob, analysis: ShimAnalysis, result: ShimRewrite) -> None:
    key, node = job.node.key_node("variables"), job.node.get("variables")
    if key is None or node is None or node.kind != "map":
        return
    names = [k.value for k, _ in node.pairs]
    daemon = [n for n in names if n in DAEMON_VARIABLES]
    used = [n for n in daemon if n in analysis.used_variables]
    gone = [n for n in daemon if n not in used]
    result.attention.extend(f"kept variable {n}: a line of the script uses it, and the shim "
                            "has no Docker daemon" for n in used)
    if not gone:
        return
    if node.flow or "<<" in names:
        raise Refused("the job's variables: are written in a form runner-ext can't edit",
                      RESHAPE)
    if len(gone) == len(names):
        _delete(job, entry_span(job.file.text, key, node), result)
    else:
        for k, v in node.pairs:
            if k.value in gone:
                _delete(job, entry_span(job.file.text, k, v), result)
    result.changes.append(f"removed variables {', '.join(gone)}")


def _package_installs(job: CiJob, facts: JobFacts, analysis: ShimAnalysis,
                      result: ShimRewrite) -> None:
    """The before_script lines that only install the Docker client image's packages go;
    the job gets a before_script: of its own with the other lines, in order."""
    if not analysis.dropped and not analysis.dropped_lines:
        return
    before = facts.items[:facts.before_items]
    kept = [_without(line, analysis.dropped_lines.get(i, [])) for i, line in enumerate(before)
            if i not in analysis.dropped]
    key, node = job.node.key_node("before_script"), job.node.get("before_script")
    own = node is not None and node.kind == "seq" and not node.flow and len(node.items) == len(
        before) and all(item.kind == "scalar" and item.tag is None and item.anchor is None
                        for item in node.items) and not analysis.dropped_lines
    new = [block_text(line) for line in kept] or flow_list([])
    if key is not None and node is not None and not kept:
        _replace(job, "before_script", flow_list([]), result)
    elif key is not None and node is not None and own:
        for i in sorted(analysis.dropped):
            _delete(job, item_span(job.file.text, node.items[i]), result)
    elif key is not None and node is not None:
        text = job.file.text
        start, end = line_start(text, key.start), line_end(text, content_end(text, node))
        if text[start:key.start].strip():
            raise Refused("the job's before_script: shares its line with another key", RESHAPE)
        # full-line comments inside the old list move above the key
        comments = "".join(line for line in text[start:end].splitlines(keepends=True)
                           if line.lstrip().startswith("#"))
        result.splices.append(Splice(start, end, comments + dump_mapping(
            {"before_script": new}, key.col)))
        result.deleted.append((start, end))
    else:
        result.inserted["before_script"] = new
    dropped = [before[i].strip() for i in sorted(analysis.dropped)] + [
        line for i in sorted(analysis.dropped_lines) for line in analysis.dropped_lines[i]]
    result.changes.append(
        "dropped package installs for the Docker client image (the shim executor brings its "
        "own tools; every other line is checked against them): " + ", ".join(
            f"'{line}'" for line in dropped))


def _without(item: str, lines: list[str]) -> str:
    """A multi-line script item without the given lines (compared stripped)."""
    return "".join(line for line in item.splitlines(keepends=True)
                   if line.strip() not in lines)


def _insert_top(job: CiJob, data: dict[str, Any]) -> Splice:
    """The new keys go first, or right after the job's merge keys (``<<:``): GitLab's Ruby
    reader lets a merge key replace the keys above it, so ours must come below."""
    merges = merge_entries(job.node)
    if merges:
        key, value = merges[-1]
        span = entry_span(job.file.text, key, value)
        if span is None:
            raise Refused("the job's merge key (<<:) shares its line with another key",
                          RESHAPE)
        return Splice(span[1], span[1], dump_mapping(data, key.col))
    first_key, first_value = job.node.pairs[0]
    span = entry_span(job.file.text, first_key, first_value)
    at = span[0] if span else first_key.start
    return Splice(at, at, dump_mapping(data, first_key.col))
