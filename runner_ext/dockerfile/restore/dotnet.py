"""``dotnet restore`` (and the restore ``dotnet publish/build/test/pack`` run implicitly)."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ElementTree

from runner_ext.dockerfile.context import BuildContext
from runner_ext.dockerfile.restore import (
    Manifests,
    Output,
    Restore,
    Unsafe,
    option_values,
)
from runner_ext.dockerfile.shell import SimpleCommand, positionals

_PROJECT_SUFFIXES = (".csproj", ".fsproj", ".vbproj")
_SUFFIXES = (*_PROJECT_SUFFIXES, ".sln", ".slnx", ".slnf", ".props", ".targets")
_NAMES = frozenset({"nuget.config", "global.json", "packages.lock.json", "packages.config"})
_SKIP = frozenset({"bin", "obj", "node_modules", ".git"})
_BUILDS = frozenset({"publish", "build", "test", "pack"})
# Options taking a value, and which of them a restore must repeat to restore the same set.
_WITH_VALUE = frozenset({"-c", "--configuration", "-f", "--framework", "-r", "--runtime", "-o",
                         "--output", "-s", "--source", "--packages", "--configfile", "-v",
                         "--verbosity", "-a", "--arch", "--os", "--version-suffix",
                         "--lock-file-path", "--property", "-p"})
_KEPT_WITH_VALUE = frozenset({"-r", "--runtime", "-s", "--source", "--packages", "--configfile"})
_KEPT_BARE = frozenset({"--disable-parallel", "--no-cache", "--ignore-failed-sources",
                        "--locked-mode", "--force-evaluate", "--use-lock-file"})
_DROPPED_BARE = frozenset({"--nologo", "--no-build", "--no-dependencies", "--sc",
                           "--self-contained", "--no-self-contained", "--ucr",
                           "--use-current-runtime", "--force", "--interactive", "--tl"})
_DROPPED_WITH_VALUE = frozenset({"-o", "--output", "-v", "--verbosity", "--version-suffix", "-a",
                                 "--arch", "--os"})
OUTPUTS = (Output("obj", root_only=False),)


def detect(command: SimpleCommand) -> Restore | None:
    """``dotnet restore …``, or the implicit restore of ``dotnet publish|build|test|pack``."""
    if command.program != "dotnet" or len(command.words) < 2:
        return None
    verb = command.words[1]
    if verb == "restore":
        return Restore("dotnet", command, command.words)
    if verb in _BUILDS and "--no-restore" not in command.words:
        try:
            return Restore("dotnet", command, _restore_for(command.words))
        except Unsafe as reason:
            return Restore("dotnet", command, None, str(reason))
    return None


def _restore_for(words: tuple[str, ...]) -> tuple[str, ...]:
    """The ``dotnet restore`` that restores what ``dotnet publish …`` would restore."""
    kept = ["dotnet", "restore", *positionals(words[2:], _WITH_VALUE)]
    index = 2
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else ""
        if word in ("-c", "--configuration"):
            kept.append(f"-p:Configuration={value}")
        elif word in _KEPT_WITH_VALUE:
            kept += [word, value]
        elif word.startswith(("-p:", "/p:", "--property:")) or word in _KEPT_BARE:
            kept.append(word)
        elif word not in _DROPPED_BARE and word not in _DROPPED_WITH_VALUE and \
                word.startswith("-"):
            raise Unsafe(f"`dotnet {words[1]}` option {word} may change what is restored")
        index += 2 if word in _WITH_VALUE else 1
    return tuple(kept)


def manifests(restore: Restore, context: BuildContext) -> Manifests:
    """Project, solution, MSBuild import and NuGet config files of the whole context."""
    visible = context.visible_files()
    files = [f for f in visible if _is_manifest(f)]
    if not any(f.endswith(_PROJECT_SUFFIXES) for f in files):
        raise Unsafe("no project file (*.csproj, *.fsproj, *.vbproj) in the build context")
    words = restore.warmer or ()
    for path in [*positionals(words[2:], _WITH_VALUE), *option_values(words, ("--configfile",))]:
        files += _named_input(path, visible, files)
    for path in [f for f in files if f.endswith((*_PROJECT_SUFFIXES, ".props", ".targets"))]:
        files += _imports(path, context, visible)
    return Manifests(tuple(sorted(set(files))), OUTPUTS)


def _is_manifest(path: str) -> bool:
    parts = path.split("/")
    return not _SKIP.intersection(parts[:-1]) and (
        path.endswith(_SUFFIXES) or parts[-1].lower() in _NAMES)


def _named_input(path: str, visible: list[str], files: list[str]) -> list[str]:
    """A path on the restore's command line must be a manifest or a folder holding one."""
    if "$" in path or path.startswith("/"):
        raise Unsafe(f"cannot tell which context file {path} is")
    path = posixpath.normpath(path)
    if path in visible:
        return [path]
    if path == "." or any(f.startswith(path + "/") for f in files):
        return []
    raise Unsafe(f"{path} (on the restore's command line) is not in the build context")


def _imports(path: str, context: BuildContext, visible: list[str]) -> list[str]:
    """Literal ``<Import Project=…>`` targets of an MSBuild file that must be copied too."""
    text = context.read_text(path)
    if text is None:
        raise Unsafe(f"cannot read {path} to check what it imports")
    try:
        root = ElementTree.fromstring(text.removeprefix("\ufeff"))
    except ElementTree.ParseError as error:
        raise Unsafe(f"{path} is not well-formed XML ({error})") from None
    found = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "Import":
            continue
        target = element.get("Project", "").replace("\\", "/")
        if target.endswith((".props", ".targets")) and ("$(" in target or "$([" in target):
            continue  # every .props/.targets of the context is copied anyway
        if "$(" in target or "*" in target:
            raise Unsafe(f"{path} imports {target}, which runner-ext cannot resolve")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        if resolved in visible:
            found.append(resolved)
    return found
