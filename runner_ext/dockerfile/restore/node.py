"""``npm ci|install``, ``yarn [install]`` (classic) and ``pnpm install``."""

from __future__ import annotations

import json
from typing import Any

from runner_ext.dockerfile.context import BuildContext
from runner_ext.dockerfile.restore import Manifests, Output, Restore, Unsafe
from runner_ext.dockerfile.shell import SimpleCommand, positionals

_INSTALL_VERBS = {
    "npm": frozenset({"ci", "install", "i", "clean-install"}),
    "yarn": frozenset({"install"}),
    "pnpm": frozenset({"install", "i"}),
}
_FILES = {
    "npm": ("package.json", "package-lock.json", "npm-shrinkwrap.json", ".npmrc"),
    "yarn": ("package.json", "yarn.lock", ".npmrc", ".yarnrc"),
    "pnpm": ("package.json", "pnpm-lock.yaml", ".npmrc", ".pnpmfile.cjs"),
}
_UNSUPPORTED = {"yarn": (".yarnrc.yml", "Yarn 2+ (.yarnrc.yml)"),
                "pnpm": ("pnpm-workspace.yaml", "a pnpm workspace")}
_INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare", "preprepare",
                    "postprepare", "prepublish", "pnpm:devPreinstall")
_DEPENDENCIES = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_LOCAL = ("file:", "link:", "workspace:", "portal:", "./", "../", "/")
_WITH_VALUE = frozenset({"--prefix", "-C", "--dir", "--registry", "--cache", "--omit",
                         "--include", "--loglevel", "--network-timeout", "--cwd"})
OUTPUTS = (Output("node_modules", root_only=True),)


def detect(command: SimpleCommand) -> Restore | None:
    """A dependency install without package arguments (``npm install x`` adds a package)."""
    tool = command.program
    if tool not in _INSTALL_VERBS:
        return None
    args = command.words[1:]
    if tool == "yarn" and (not args or all(a.startswith("-") for a in args)):
        return Restore(tool, command, command.words)
    if not args or args[0] not in _INSTALL_VERBS[tool] or positionals(args[1:], _WITH_VALUE):
        return None
    if any(a in ("--prefix", "-C", "--dir", "--cwd") or a.startswith(
            ("--prefix=", "--dir=", "--cwd=")) for a in args):
        return Restore(tool, command, None, "the install runs in another folder")
    return Restore(tool, command, command.words)


def manifests(restore: Restore, context: BuildContext) -> Manifests:
    """The root ``package.json``, its lock file and package-manager config."""
    visible = context.visible_files()
    if restore.toolchain in _UNSUPPORTED:
        marker, what = _UNSUPPORTED[restore.toolchain]
        if marker in visible:
            raise Unsafe(f"{what} is not handled automatically")
    if "package.json" not in visible:
        raise Unsafe("no package.json at the root of the build context")
    _check_package(context.read_text("package.json"))
    files = tuple(f for f in _FILES[restore.toolchain] if f in visible)
    return Manifests(files, OUTPUTS)


def _check_package(text: str | None) -> None:
    if text is None:
        raise Unsafe("cannot read package.json to check its install scripts")
    try:
        package: Any = json.loads(text)
    except ValueError as error:
        raise Unsafe(f"package.json is not valid JSON ({error})") from None
    if not isinstance(package, dict):
        raise Unsafe("package.json is not a JSON object")
    if "workspaces" in package:
        raise Unsafe("package.json declares workspaces, whose packages live in the sources")
    scripts = package.get("scripts") or {}
    run = sorted(s for s in _INSTALL_SCRIPTS if isinstance(scripts, dict) and s in scripts)
    if run:
        raise Unsafe(f"package.json has the install script(s) {', '.join(run)}, which may "
                     "need the sources")
    for section in _DEPENDENCIES:
        for name, spec in (package.get(section) or {}).items():
            if isinstance(spec, str) and spec.startswith(_LOCAL):
                raise Unsafe(f"dependency {name} comes from a local path ({spec})")
