"""``docker buildx bake`` read exactly, or refused with one line: the builds a bake invocation
means, for the shim executor's ``docker`` wrapper to run one by one.

One file, two uses: the shim image carries it (``executor/shim/bake.py``; the wrapper runs
``python3 bake.py ARGS…`` at job time), and ``runner_ext/migrate/shim/bake.py`` is a symbolic
link to it, the module migrate-project imports to decide whether a job that runs ``docker
buildx bake`` can go to the shim; so the decision and the run read the bake file the same
way. It imports nothing but
the standard library and the maintained HCL parser ``python-hcl2``.

Read: ``-f/--file`` (HCL or JSON bake files; ``docker-bake.hcl``/``.json`` and their
``.override`` files by default), target and group names (group ``default`` when none is
given), ``--push``, ``--load``, ``--set TARGET.KEY=VALUE``, ``--no-cache``, ``--pull``,
``--print``; ``variable`` blocks (``default``, overridden by the environment variable of the
same name), ``${NAME}`` in strings, ``group`` (nested), ``target`` with ``inherits``,
``context``, ``dockerfile``, ``tags``, ``args``, ``labels``, ``target``, ``platforms`` (several
only for a target that pushes: one manifest list, pushed as one index),
``output`` (registry, image or docker; on an output that pushes, ``compression=gzip|zstd`` and
``force-compression=false``, which the wrapper gives podman's push), ``cache-from``/``cache-to``
(the shim's registry cache replaces them), ``pull``, ``no-cache``, ``description``. Anything
else (HCL functions and operators, ``matrix``, ``contexts``, ``secret``, ``ssh``, ``attest``,
other outputs and output attributes, compose files as bake sources…) is refused with a line
naming it: the job keeps its runner rather than build something other than what bake would.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

# bake's lookup order when no -f is given (after the compose files), later ones overriding.
DEFAULT_FILES = ("docker-bake.json", "docker-bake.hcl", "docker-bake.override.json",
                 "docker-bake.override.hcl")
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
LIST_KEYS = ("tags", "platforms", "cache-from", "cache-to", "output", "inherits")
MAP_KEYS = ("args", "labels")
STRING_KEYS = ("context", "dockerfile", "target", "description")
BOOL_KEYS = ("pull", "no-cache")
TARGET_KEYS = frozenset(LIST_KEYS + MAP_KEYS + STRING_KEYS + BOOL_KEYS)
# `--set` keys, as buildx spells them (`platform`, not `platforms`).
SET_KEYS = frozenset({"context", "dockerfile", "target", "tags", "platform", "output",
                      "cache-from", "cache-to", "pull", "no-cache", "push"})
IGNORED_OPTIONS = frozenset({"--progress", "--builder"})
IGNORED_FLAGS = frozenset({"--debug"})
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_REFERENCE = re.compile(rf"\$\{{\s*({_NAME})\s*\}}")
_BARE = re.compile(rf"^{_NAME}$")
# Output attributes (BuildKit's image exporter) podman's push carries: KEY=VALUE as written.
# The wrapper's `--output` reading (executor/shim/docker) takes the same ones.
PUSH_ATTRIBUTES = frozenset({"compression=gzip", "compression=zstd", "force-compression=false"})
# Those it can't, and why (podman 4.3's push has --compression-format only).
OUTPUT_WHY = {
    "compression=uncompressed": "podman's push always compresses the layers it sends to a "
                                "registry",
    "compression-level": "podman's push has no compression level",
    "force-compression=true": "podman's push keeps a layer the registry already holds in "
                              "another compression",
}


class BakeRefused(Exception):
    """The invocation or its bake file uses something not read exactly; the message is one
    line naming it."""


@dataclass
class Build:
    """One target, resolved: what ``docker build`` gets."""

    name: str
    context: str = "."
    dockerfile: str = "Dockerfile"
    tags: list[str] = field(default_factory=list)
    args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    target: str = ""
    platform: str = ""
    push: bool = False
    pull: bool = False
    no_cache: bool = False
    # the pushing output's attributes the wrapper gives podman's push ("compression=zstd")
    push_attributes: list[str] = field(default_factory=list)

    def argv(self) -> list[str]:
        """The wrapper's build arguments: ``-f`` is relative to the context, as in bake."""
        dockerfile = self.dockerfile if os.path.isabs(self.dockerfile) or self.dockerfile == "-" \
            else os.path.join(self.context, self.dockerfile)
        words = ["--file", dockerfile]
        for tag in self.tags:
            words += ["--tag", tag]
        for key, value in self.args.items():
            words += ["--build-arg", f"{key}={value}"]
        for key, value in self.labels.items():
            words += ["--label", f"{key}={value}"]
        if self.target:
            words += ["--target", self.target]
        if self.platform:
            words += ["--platform", self.platform]
        if self.pull:
            words.append("--pull")
        if self.no_cache:
            words.append("--no-cache")
        if self.push and self.push_attributes:
            words += ["--output", ",".join(["type=registry", *self.push_attributes])]
        elif self.push:
            words.append("--push")
        return [*words, self.context]


@dataclass
class Invocation:
    """``docker buildx bake`` arguments (after ``bake``)."""

    files: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)
    push: bool = False
    load: bool = False
    print_only: bool = False
    no_cache: bool = False
    pull: bool = False


def parse_args(argv: list[str]) -> Invocation:
    """Read the words after ``bake``; refuse an option the shim does not carry."""
    found = Invocation()
    words = list(argv)
    while words:
        word = words.pop(0)
        name, has_value, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in ("-f", "--file", "--set") or name in IGNORED_OPTIONS:
            if not has_value:
                if not words:
                    raise BakeRefused(f"{name} needs a value")
                value = words.pop(0)
            if name == "--set":
                found.sets.append(value)
            elif name in ("-f", "--file"):
                found.files.append(value)
        elif word.startswith("-f") and len(word) > 2:
            found.files.append(word[2:])
        elif word in ("--push", "--load", "--print", "--no-cache", "--pull") \
                or word in IGNORED_FLAGS:
            found.push |= word == "--push"
            found.load |= word == "--load"
            found.print_only |= word == "--print"
            found.no_cache |= word == "--no-cache"
            found.pull |= word == "--pull"
        elif word.startswith("-"):
            raise BakeRefused(f"option {name} is not read by the shim's bake (it reads -f, "
                              "--set, --push, --load, --no-cache, --pull, --print)")
        else:
            found.names.append(word)
    return found


# -- the files -------------------------------------------------------------------------------

Blocks = dict[str, dict[str, dict[str, Any]]]  # kind → name → attributes (raw)
# A file's text by its path relative to where bake runs; None when there is no such file.
ReadText = Callable[[str], "str | None"]


def read_local(root: Path) -> ReadText:
    """Files under ``root`` (where the job runs bake)."""
    def read(name: str) -> str | None:
        path = root / name
        return path.read_text(encoding="utf-8") if path.is_file() else None
    return read


def default_files(read: ReadText) -> list[str]:
    """The files bake reads when no ``-f`` is given; a compose file there is refused."""
    compose = [name for name in COMPOSE_FILES if read(name) is not None]
    if compose:
        raise BakeRefused(f"no -f given, so bake would read {compose[0]} as a bake source; "
                          "compose files as bake sources are not read by the shim's bake")
    found = [name for name in DEFAULT_FILES if read(name) is not None]
    if not found:
        raise BakeRefused("no -f given and no docker-bake.hcl or docker-bake.json found")
    return found


def read_files(read: ReadText, names: list[str]) -> Blocks:
    """Parse and merge the bake files (a later file's attributes override an earlier one's,
    as in bake)."""
    merged: Blocks = {"variable": {}, "group": {}, "target": {}}
    for name in names:
        if name == "-":
            raise BakeRefused("-f - (a bake file on stdin) is not read by the shim's bake")
        text = read(name)
        if text is None:
            raise BakeRefused(f"bake file {name} not found")
        if name.endswith((".yml", ".yaml")):
            raise BakeRefused(f"{name} is a compose file; compose files as bake sources are "
                              "not read by the shim's bake")
        blocks = _read_json(name, text) if name.endswith(".json") else _read_hcl(name, text)
        for kind, entries in blocks.items():
            for block, attributes in entries.items():
                merged[kind].setdefault(block, {}).update(attributes)
    return merged


def _read_hcl(name: str, text: str) -> Blocks:
    import hcl2  # the maintained HCL parser (PyPI python-hcl2)

    try:
        raw = hcl2.loads(text)
    except Exception as error:  # any parse error is a refusal
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BakeRefused(f"{name} can't be parsed as HCL: {first}") from None
    blocks: Blocks = {"variable": {}, "group": {}, "target": {}}
    for kind, entries in raw.items():
        if kind.startswith("__"):
            continue
        if kind not in blocks:
            raise BakeRefused(f"{name} has a '{kind}' block, which the shim's bake does not "
                              "evaluate")
        if not isinstance(entries, list):
            raise BakeRefused(f"{name}: '{kind}' is an attribute, not a block")
        for entry in entries:
            for label, body in entry.items():
                block = _hcl_string(label)
                if not isinstance(body, dict) or block is None:
                    raise BakeRefused(f"{name}: {kind} {label} is not a labelled block")
                blocks[kind].setdefault(block, {}).update(
                    {k: v for k, v in body.items() if not k.startswith("__")})
    return blocks


def _read_json(name: str, text: str) -> Blocks:
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise BakeRefused(f"{name} can't be parsed as JSON: {error}") from None
    if not isinstance(raw, dict):
        raise BakeRefused(f"{name} is not a JSON object")
    blocks: Blocks = {"variable": {}, "group": {}, "target": {}}
    for kind, entries in raw.items():
        if kind not in blocks:
            raise BakeRefused(f"{name} has '{kind}', which the shim's bake does not evaluate")
        if not isinstance(entries, dict):
            raise BakeRefused(f"{name}: '{kind}' is not an object")
        for block, body in entries.items():
            if not isinstance(body, dict):
                raise BakeRefused(f"{name}: {kind} {block} is not an object")
            # JSON strings are templates too (${NAME}); mark them like HCL's quoted strings.
            blocks[kind][block] = {k: _json_value(v) for k, v in body.items()}
    return blocks


def _json_value(value: Any) -> Any:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _hcl_string(raw: str) -> str | None:
    """A quoted literal as python-hcl2 gives it (``"\\"text\\""``), unquoted; else None."""
    if len(raw) >= 2 and raw.startswith('"') and raw.endswith('"'):
        try:
            value = json.loads(raw)
        except ValueError:
            return raw[1:-1]
        return value if isinstance(value, str) else None
    return None


# -- evaluation ------------------------------------------------------------------------------


class Evaluator:
    """Variables and string templates: ``${NAME}`` only, exactly as bake would."""

    def __init__(self, variables: dict[str, dict[str, Any]], env: Mapping[str, str]) -> None:
        self.variables = variables
        self.env = env
        self.values: dict[str, str] = {}
        self.resolving: list[str] = []
        for name, body in variables.items():  # bake checks every variable, used or not
            for key in body:
                if key not in ("default", "description"):
                    raise BakeRefused(f"variable {name} has '{key}', which the shim's bake "
                                      "does not evaluate")

    def variable(self, name: str, where: str) -> str:
        if name in self.values:
            return self.values[name]
        if name not in self.variables:
            raise BakeRefused(f"{where} uses ${{{name}}}, which no variable block declares")
        if name in self.resolving:
            raise BakeRefused(f"variable {name} refers to itself")
        body = self.variables[name]
        if name in self.env:
            value = self.env[name]
        else:
            self.resolving.append(name)
            value = self.scalar(body.get("default", '""'), f"variable {name}")
            self.resolving.pop()
        self.values[name] = value
        return value

    def scalar(self, raw: Any, where: str) -> str:
        """A string, number or bool attribute, evaluated."""
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if isinstance(raw, (int, float)):
            return str(raw)
        if raw is None:
            return ""
        if not isinstance(raw, str):
            raise BakeRefused(f"{where} is a list or object where a string is expected")
        quoted = _hcl_string(raw)
        if quoted is not None:
            if raw.startswith('"<<'):
                raise BakeRefused(f"{where} is a heredoc, which the shim's bake does not "
                                  "evaluate")
            return self.template(quoted, where)
        if raw == "null":
            return ""
        if raw in ("true", "false"):
            return raw
        inner = raw[2:-1].strip() if raw.startswith("${") and raw.endswith("}") else raw
        if _BARE.match(inner):
            return self.variable(inner, where)
        raise BakeRefused(f"{where} is the expression {raw}; the shim's bake evaluates "
                          "${NAME} references only, not HCL functions or operators")

    def template(self, text: str, where: str) -> str:
        """``${NAME}`` replaced; ``$${`` is a literal ``${``; anything else in ``${…}`` or a
        ``%{`` directive is refused."""
        out: list[str] = []
        index = 0
        while index < len(text):
            if text.startswith("$${", index) or text.startswith("%%{", index):
                out.append(text[index + 1:index + 3])
                index += 3
            elif text.startswith("%{", index):
                raise BakeRefused(f"{where} has a %{{…}} template directive, which the shim's "
                                  "bake does not evaluate")
            elif text.startswith("${", index):
                match = _REFERENCE.match(text, index)
                if not match:
                    end = text.find("}", index)
                    shown = text[index:end + 1] if end >= 0 else text[index:]
                    raise BakeRefused(f"{where} has the expression {shown}; the shim's bake "
                                      "evaluates ${NAME} references only, not HCL functions "
                                      "or operators")
                out.append(self.variable(match.group(1), where))
                index = match.end()
            else:
                out.append(text[index])
                index += 1
        return "".join(out)

    def strings(self, raw: Any, where: str) -> list[str]:
        if isinstance(raw, str) and not raw.startswith('"'):
            raise BakeRefused(f"{where} is the expression {raw}; the shim's bake evaluates "
                              "lists written out only")
        if not isinstance(raw, list):
            raise BakeRefused(f"{where} is not a list")
        return [self.scalar(item, f"{where}[{n}]") for n, item in enumerate(raw)]

    def mapping(self, raw: Any, where: str) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise BakeRefused(f"{where} is not an object written out")
        out: dict[str, str] = {}
        for key, value in raw.items():
            name = _hcl_string(key) if key.startswith('"') else key
            if name is None or "${" in name:
                raise BakeRefused(f"{where} has the computed key {key}")
            out[name] = self.scalar(value, f"{where}.{name}")
        return out


def _resolve_target(blocks: Blocks, name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A target's raw attributes with its ``inherits`` applied (parents first, maps merged,
    the target's own attributes winning)."""
    if name in seen:
        raise BakeRefused(f"target {name} inherits from itself ({' → '.join((*seen, name))})")
    if name not in blocks["target"]:
        raise BakeRefused(f"target {name} not found")
    own = blocks["target"][name]
    for key in own:
        if key not in TARGET_KEYS:
            raise BakeRefused(f"target {name} sets '{key}', which the shim's bake does not "
                              "evaluate")
    merged: dict[str, Any] = {}
    for parent in _raw_names(own.get("inherits", []), f"target {name} inherits"):
        for key, value in _resolve_target(blocks, parent, (*seen, name)).items():
            if key in MAP_KEYS and isinstance(merged.get(key), dict) and isinstance(value, dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    for key, value in own.items():
        if key in MAP_KEYS and isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    merged.pop("inherits", None)
    return merged


def _raw_names(raw: Any, where: str) -> list[str]:
    """Target and group names: literal strings only (no interpolation)."""
    if not isinstance(raw, list):
        raise BakeRefused(f"{where} is not a list written out")
    names = []
    for item in raw:
        name = _hcl_string(item) if isinstance(item, str) else None
        if name is None or "${" in name:
            raise BakeRefused(f"{where} names {item}, which is not a plain string")
        names.append(name)
    return names


def _expand(blocks: Blocks, names: list[str], seen: tuple[str, ...] = ()) -> list[str]:
    """Target and group names → target names, in order, each once."""
    out: list[str] = []
    for name in names:
        if name in blocks["group"]:
            if name in seen:
                raise BakeRefused(f"group {name} contains itself")
            body = blocks["group"][name]
            for key in body:
                if key not in ("targets", "description"):
                    raise BakeRefused(f"group {name} sets '{key}', which the shim's bake does "
                                      "not evaluate")
            found = _expand(blocks, _raw_names(body.get("targets", []),
                                               f"group {name} targets"), (*seen, name))
        elif name in blocks["target"]:
            found = [name]
        else:
            raise BakeRefused(f"no target or group named {name} in the bake file")
        out.extend(n for n in found if n not in out)
    return out


def _apply_sets(targets: list[str], sets: list[str]) -> dict[str, dict[str, list[str]]]:
    """``--set PATTERN.KEY=VALUE`` → target → key → values (in order)."""
    overrides: dict[str, dict[str, list[str]]] = {t: {} for t in targets}
    for item in sets:
        spec, equals, value = item.partition("=")
        pattern, dot, key = spec.partition(".")
        if not equals or not dot or not key:
            raise BakeRefused(f"--set {item}: expected TARGET.KEY=VALUE")
        base = key.split(".", 1)[0]
        if base not in SET_KEYS and base not in MAP_KEYS:
            raise BakeRefused(f"--set {item}: '{key}' is not read by the shim's bake")
        if base in MAP_KEYS and "." not in key:
            raise BakeRefused(f"--set {item}: expected {base}.NAME=VALUE")
        if key.endswith("+"):
            raise BakeRefused(f"--set {item}: '+=' is not read by the shim's bake")
        for target in targets:
            if fnmatchcase(target, pattern):
                overrides[target].setdefault(key, []).append(value)
    return overrides


def read_output(output: str, where: str) -> tuple[bool, list[str]]:
    """One output (``type=registry,compression=zstd``): whether it pushes, and the attributes
    podman's push gets (:data:`PUSH_ATTRIBUTES`); refused with the attribute named otherwise.
    Pushing outputs are ``type=registry`` and ``type=image,push=true``; ``type=docker`` and
    ``type=image`` keep the image locally."""
    fields = [part.partition("=") for part in output.split(",") if part]
    kinds = [value for key, _, value in fields if key == "type"]
    kind = kinds[-1] if kinds else ""
    if kind not in ("registry", "image", "docker"):
        raise BakeRefused(f"{where} is output {output}; the shim's bake pushes to a "
                          "registry (type=registry, type=image,push=true) or keeps the "
                          "image locally (type=docker, type=image) only")
    push = kind == "registry"
    attributes: list[str] = []
    for key, equals, value in fields:
        attribute = f"{key}{equals}{value}"
        if key == "type":
            continue
        if kind == "image" and key == "push" and value in ("true", "false"):
            push = value == "true"
        elif attribute in PUSH_ATTRIBUTES:
            attributes.append(attribute)
        else:
            why = OUTPUT_WHY.get(attribute) or OUTPUT_WHY.get(key)
            raise BakeRefused(f"{where} is output {output}; "
                              + (f"{attribute}: {why}" if why else
                                 f"the shim does not read '{key}' (it reads "
                                 f"{', '.join(sorted(PUSH_ATTRIBUTES))} on an output that "
                                 "pushes)"))
    if attributes and not push:
        raise BakeRefused(f"{where} is output {output}; the shim reads "
                          f"{', '.join(attributes)} only on an output that pushes (podman keeps "
                          "local images uncompressed)")
    return push, attributes


def _output_push(outputs: list[str], where: str) -> tuple[bool, list[str]]:
    """Whether any output pushes, and the pushing outputs' attributes for podman's push."""
    push = False
    attributes: list[str] = []
    for output in outputs:
        pushes, found = read_output(output, where)
        push |= pushes
        attributes += [a for a in found if a not in attributes]
    if len({a for a in attributes if a.startswith("compression=")}) > 1:
        raise BakeRefused(f"{where} pushes with {' and '.join(attributes)}; podman pushes "
                          "each tag once, with one compression")
    return push, attributes


def builds(argv: list[str], read: ReadText, env: Mapping[str, str]) -> list[Build]:
    """The builds ``docker buildx bake ARGV`` means, its files read with ``read``, its
    variables taken from ``env``; :class:`BakeRefused` with one line when anything can't be
    evaluated exactly."""
    return resolve(parse_args(argv), read, env)


def resolve(invocation: Invocation, read: ReadText, env: Mapping[str, str]) -> list[Build]:
    """The builds of a parsed invocation (see :func:`builds`)."""
    files = invocation.files or default_files(read)
    blocks = read_files(read, files)
    names = invocation.names or ["default"]
    if not invocation.names and "default" not in blocks["group"] \
            and "default" not in blocks["target"]:
        raise BakeRefused("no target named and no group or target 'default' in the bake file")
    targets = _expand(blocks, names)
    evaluator = Evaluator(blocks["variable"], env)
    resolved = {t: _resolve_target(blocks, t) for t in targets}
    overrides = _apply_sets(targets, invocation.sets)
    out = []
    for name in targets:
        raw = resolved[name]
        where = f"target {name}"
        build = Build(name=name)
        if "context" in raw:
            build.context = evaluator.scalar(raw["context"], f"{where} context") or "."
        if "dockerfile" in raw:
            build.dockerfile = evaluator.scalar(raw["dockerfile"], f"{where} dockerfile")
        if "target" in raw:
            build.target = evaluator.scalar(raw["target"], f"{where} target")
        build.tags = evaluator.strings(raw.get("tags", []), f"{where} tags")
        build.args = evaluator.mapping(raw.get("args", {}), f"{where} args")
        build.labels = evaluator.mapping(raw.get("labels", {}), f"{where} labels")
        platforms = evaluator.strings(raw.get("platforms", []), f"{where} platforms")
        outputs = evaluator.strings(raw.get("output", []), f"{where} output")
        for key in ("cache-from", "cache-to"):  # the registry cache replaces them
            evaluator.strings(raw.get(key, []), f"{where} {key}")
        build.pull = evaluator.scalar(raw.get("pull", False), f"{where} pull") == "true"
        build.no_cache = evaluator.scalar(raw.get("no-cache", False),
                                          f"{where} no-cache") == "true"
        set_tags: list[str] = []
        for key, values in overrides[name].items():
            base, _, sub = key.partition(".")
            if base == "context":
                build.context = values[-1]
            elif base == "dockerfile":
                build.dockerfile = values[-1]
            elif base == "target":
                build.target = values[-1]
            elif base == "tags":
                set_tags.extend(values)
            elif base == "args":
                build.args[sub] = values[-1]
            elif base == "labels":
                build.labels[sub] = values[-1]
            elif base == "platform":
                platforms = [p for v in values for p in v.split(",")]
            elif base == "output":
                outputs = values
            elif base == "push":
                outputs = ["type=registry"] if values[-1] == "true" else []
            elif base == "pull":
                build.pull = values[-1] == "true"
            elif base == "no-cache":
                build.no_cache = values[-1] == "true"
        if set_tags:
            build.tags = set_tags
        platforms = [p.strip() for v in platforms for p in v.split(",") if p.strip()]
        build.platform = ",".join(platforms)
        if "://" in build.context or build.context.startswith(("git@", "target:")):
            raise BakeRefused(f"{where} has the context {build.context}; the shim's bake "
                              "builds from a folder of the job's files only")
        pushes, build.push_attributes = _output_push(outputs, where)
        build.push = invocation.push or pushes
        build.pull |= invocation.pull
        build.no_cache |= invocation.no_cache
        if build.push and not build.tags:
            raise BakeRefused(f"{where} is pushed but has no tags")
        if len(platforms) > 1 and not build.push:
            raise BakeRefused(f"{where} builds platforms {', '.join(platforms)} without "
                              "pushing them: the shim builds several platforms into one "
                              "manifest list and pushes it as one index, and keeps no other "
                              "result; push the target (--push or output type=registry)")
        out.append(build)
    return out


def as_dict(found: list[Build]) -> dict[str, Any]:
    """What ``--print`` shows (bake's own shape, trimmed to what is read)."""
    return {"target": {b.name: {"context": b.context, "dockerfile": b.dockerfile,
                                "tags": b.tags, "args": b.args, "labels": b.labels,
                                "target": b.target, "platforms": b.platform.split(",") if b.platform
                                else [], "push": b.push} for b in found}}


def main(argv: list[str]) -> int:
    """``bake.py ARGS…``: NUL-separated builds on stdout (for each: the count of build words,
    the target's name, the build words), or
    ``--print``'s JSON; a refusal is one line on stderr and exit code 2."""
    try:
        invocation = parse_args(argv)
        found = resolve(invocation, read_local(Path.cwd()), os.environ)
    except BakeRefused as error:
        print(f"runner-ext shim: docker buildx bake: {error}", file=sys.stderr)
        return 2
    if invocation.print_only:
        print(json.dumps(as_dict(found), indent=2))
        return 0
    out = sys.stdout.buffer
    for build in found:
        words = build.argv()
        out.write(f"{len(words)}\0".encode())
        for word in [build.name, *words]:
            out.write(word.encode() + b"\0")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
