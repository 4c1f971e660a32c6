"""Variables a script file sets to a folder of the project, from its own location.

Scripts find the project with ``ROOT=$(cd "$(dirname "$0")/.." && pwd)`` and mount it
(``docker run -v "$ROOT:/build" …``). Where the script lies in the repository is known, so
such a variable is a path inside the job's directory when the relative part, read from the
script's folder, stays in the project. Accepted values (``$0`` also as ``${0}``,
``$BASH_SOURCE`` or ``${BASH_SOURCE[0]}``; REL a plain relative path, may be empty)::

    $(cd "$(dirname "$0")/REL" && pwd)          (also `; pwd`, `pwd -P`)
    $(cd "$(dirname "$(readlink -f "$0")")/REL" && pwd)
    $(dirname "$(readlink -f "$0")")/REL
    $(realpath "$(dirname "$0")/REL")
    $(git rev-parse --show-toplevel)

A name is taken only when every assignment to it in that file is one of these. The shim
wrapper resolves each mount again when the job runs and refuses one outside
``$CI_PROJECT_DIR`` (executor/shim/docker), so this reading only lets the job through the
migration.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from runner_ext.migrate.shim.reach import Reached
from runner_ext.variables import NAME

_SCRIPT = r'(?:\$0|\$\{0\}|\$BASH_SOURCE|\$\{BASH_SOURCE(?:\[0\])?\})'
_LINKED = rf'\$\(readlink -f "{_SCRIPT}"\)'
_FOLDER = rf'\$\(dirname "(?:{_SCRIPT}|{_LINKED})"\)'
_REL = r'(?:/(?P<rel>[A-Za-z0-9_.][A-Za-z0-9_./-]*))?/?'
_FORMS = [
    re.compile(rf'^\$\(cd "?{_FOLDER}{_REL}"? *(?:&&|;) *pwd(?: -P)?\)$'),
    re.compile(rf'^\$\(dirname "{_LINKED}"\){_REL}$'),
    re.compile(rf'^\$\(realpath "{_FOLDER}{_REL}"\)$'),
    re.compile(r'^\$\(git rev-parse --show-toplevel\)(?P<top>)$'),
]
_DECLARE = frozenset({"export", "readonly", "local", "declare", "typeset"})
_ASSIGNED = re.compile(rf"^({NAME})=(.*)$", re.S)


def project_folder(script: str, value: str) -> str | None:
    """The project folder (relative, '' for the root) a script at ``script`` sets with
    ``value``, or ``None`` when the value is not one of the forms or leaves the project."""
    for form in _FORMS:
        match = form.match(value)
        if match is None:
            continue
        if "top" in match.groupdict():
            return ""
        folder = posixpath.normpath(posixpath.join(posixpath.dirname(script),
                                                   match.group("rel") or "."))
        if folder == ".." or folder.startswith("../"):
            return None
        return "" if folder == "." else folder
    return None


def _assignments(item: Reached) -> list[tuple[str, str]]:
    command = item.command
    found = list(command.assignments) if not command.words else []
    if len(command.words) == 2 and command.words[0] in _DECLARE:
        match = _ASSIGNED.match(command.words[1])
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def project_dir_names(commands: Iterable[Reached]) -> dict[str, frozenset[str]]:
    """Script file → the names it sets to a folder of the project (see the module doc)."""
    seen: dict[str, dict[str, bool]] = {}
    for item in commands:
        if not item.where or ", target " in item.where:
            continue  # the job's own script, or a make recipe: $0 is no script file there
        script = where_file(item.where)
        for name, value in _assignments(item):
            names = seen.setdefault(script, {})
            names[name] = names.get(name, True) and project_folder(script, value) is not None
    return {script: frozenset(n for n, ok in names.items() if ok)
            for script, names in seen.items()}


def where_file(where: str) -> str:
    """The file part of a :class:`Reached` place (``scripts/build.sh:13`` → the path)."""
    return where.split(":", 1)[0]
