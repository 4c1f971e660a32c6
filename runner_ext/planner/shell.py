"""Render a build plan as POSIX shell, for plans whose values are job variables.

The output defines functions and nothing else:

- ``runner_ext_matches KIND VALUE``: whether a value is an image reference, repository,
  registry host or mirror (the grammar of :mod:`runner_ext.planner.references`, run by
  ``grep -E``) or an ``operand`` (not starting with ``-``); the executor entrypoint checks
  registry hosts with it too;
- ``runner_ext_check``: refuses, with one line naming the variable, a job variable that is
  not what :data:`runner_ext.planner.validate.FIELD_KINDS` says it must be;
- ``runner_ext_prepare``: checks the job variables the plan uses, exports the engine's
  environment, writes its config files and sets ``RUNNER_EXT_AUTH_FILE``,
  ``RUNNER_EXT_DIGEST_PATH`` and ``RUNNER_EXT_DIGEST_FORMAT``;
- ``runner_ext_plan``: runs each step through ``runner_ext_run "$@"`` (supplied by the
  executor entrypoint), stopping at the first failure.

Only busybox ``sh`` features are used, because Kaniko's debug image has nothing else.
"""

from __future__ import annotations

import shlex

from runner_ext.planner.plan import BuildPlan, Check, PlanFile, Step
from runner_ext.planner.references import GRAMMARS, MAX_LENGTH
from runner_ext.planner.secrets import allowed_names
from runner_ext.planner.words import (
    ITEM,
    Arg,
    Basename,
    Dirname,
    Each,
    Joined,
    Part,
    Var,
    When,
    Word,
)

# A newline as IFS, written on one line so the generated text indents cleanly in YAML.
# (Its own variable: the entrypoint's runner_ext_nl is a bare newline.)
_NL_IFS = "runner_ext_nl_dot=$(printf '\\n.'); IFS=${runner_ext_nl_dot%.}"
# Every character the grammars admit, as the body of a sh bracket expression (']' first,
# '-' last); anything else (blanks, quotes, newlines) is refused before grep reads the value.
_ALPHABET = "]A-Za-z0-9._:/@+[-"


def quote(text: str) -> str:
    """A literal as one sh word (:func:`shlex.quote`)."""
    return shlex.quote(text)


def _part(part: Part) -> str:
    if isinstance(part, str):
        return quote(part)
    if isinstance(part, Var):
        return f'"${{{part.name}}}"'
    tool = "dirname" if isinstance(part, Dirname) else "basename"
    assert isinstance(part, (Dirname, Basename))
    return f'"$({tool} -- "${{{part.var.name}}}")"'


def shell_word(word: Word) -> str:
    """One argv word as a single sh word."""
    return "".join(_part(p) for p in word.parts) or "''"


def _loop(var: Var, body: list[str], indent: str) -> list[str]:
    """Iterate over the non-empty lines of a variable, with globbing off."""
    return [
        f"{indent}runner_ext_ifs=$IFS; {_NL_IFS}; set -f",
        f'{indent}for {ITEM.name} in ${{{var.name}}}; do',
        f"{indent}  IFS=$runner_ext_ifs",
        f'{indent}  [ -n "${{{ITEM.name}}}" ] || continue',
        *body,
        f"{indent}done",
        f"{indent}IFS=$runner_ext_ifs; set +f",
    ]


def _refuse(each: Each, indent: str) -> list[str]:
    if not each.refuse_names:
        return []
    allowed = "|".join(quote(n) for n in allowed_names(each.allow_names))
    patterns = "|".join(_glob(p) for p in each.refuse_names)
    # tr a-z A-Z is runner_ext.planner.secrets.fold.
    return [
        f'{indent}runner_ext_name=$(printf %s "${{{ITEM.name}%%=*}}" | tr a-z A-Z)',
        f'{indent}case "$runner_ext_name" in',
        *([f"{indent}  {allowed}) ;;"] if allowed else []),
        f"{indent}  {patterns})",
        f'{indent}    echo "runner-ext: build arg $runner_ext_name looks like a secret and is '
        "refused: build args land in cache keys and image history. Pass it as a file, or "
        'allow it in build.allow_secret_build_args." >&2',
        f"{indent}    return 2 ;;",
        f"{indent}esac",
    ]


def _glob(pattern: str) -> str:
    """An fnmatch pattern of ``*`` and literal text as a sh case pattern."""
    return "*".join(quote(piece) if piece else "" for piece in pattern.split("*"))


def matches_shell() -> str:
    """``runner_ext_matches`` alone, for shells that use the entrypoint without a plan (the
    shim's docker wrapper sources it from ``executor/references.sh``)."""
    return "# Generated from runner_ext/planner/references.py; tests keep it in step.\n" + \
        "\n".join(_matches_function()) + "\n"


def _matches_function() -> list[str]:
    kinds = [f"    {kind}) set -- \"$2\" {quote(regex)} {quote(what)} ;;"
             for kind, (regex, what) in GRAMMARS.items()]
    return [
        "runner_ext_matches() {",
        '  case $1 in',
        '    operand) runner_ext_expected="a value not starting with \'-\' (it would be read '
        'as an option)"',
        '      case $2 in -*) return 1 ;; esac; return 0 ;;',
        *kinds,
        "    *) return 3 ;;",
        "  esac",
        "  runner_ext_expected=$3",
        f'  case $1 in "" | *[!{_ALPHABET}]*) return 1 ;; esac',
        f'  [ "${{#1}}" -le {MAX_LENGTH} ] && printf \'%s\\n\' "$1" | grep -Eq -e "^($2)\\$"',
        "}",
    ]


def check_shell() -> str:
    """``runner_ext_check`` alone (it needs ``runner_ext_matches``), for shells without a
    build plan: the promote job's (:mod:`runner_ext.planner.promote`)."""
    return "\n".join(_check_function()) + "\n"


def _check_function() -> list[str]:
    return [
        "runner_ext_check() {",
        "  runner_ext_kind=$1; runner_ext_var=$2",
        '  if [ "$4" = lines ]; then',
        f"    runner_ext_ifs=$IFS; {_NL_IFS}; set -f",
        '    set -- $3',
        "    IFS=$runner_ext_ifs; set +f",
        "  else",
        '    set -- "$3"',
        "  fi",
        '  for runner_ext_value in "$@"; do',
        '    runner_ext_matches "$runner_ext_kind" "$runner_ext_value" && continue',
        "    printf 'runner-ext: %s is not %s: %s\\n' \"$runner_ext_var\" "
        '"$runner_ext_expected" "\'$(printf %s "$runner_ext_value" | tr -c \'\\040-\\176\' '
        "'?')'\" >&2",
        "    return 2",
        "  done",
        "}",
    ]


def _check(check: Check) -> str:
    name = check.var.name
    call = f'runner_ext_check {check.kind} {name} "${{{name}}}"'
    if check.lines:
        return f"  {call} lines || return $?"
    return f'  [ -z "${{{name}}}" ] || {call} || return $?'


def _args(args: tuple[Arg, ...], indent: str) -> list[str]:
    """Consecutive plain words share one ``set --`` line; the rest render one by one."""
    lines: list[str] = []
    run: list[str] = []
    for arg in (*args, None):
        if isinstance(arg, Word):
            run.append(shell_word(arg))
            continue
        if run:
            lines.append(f'{indent}set -- "$@" {" ".join(run)}')
            run = []
        if arg is not None:
            lines += _arg(arg, indent)
    return lines


def _arg(arg: Arg, indent: str) -> list[str]:
    if isinstance(arg, When):
        test = f'[ -n "${{{arg.var.name}}}" ]' if arg.nonempty else \
            f'[ "${{{arg.var.name}}}" = {quote(arg.equals)} ]'
        inner = _args(arg.words, indent + "  ")
        return [f"{indent}if {test}; then", *inner, f"{indent}fi"]
    if isinstance(arg, Each):
        inner = _args(arg.words, indent + "  ")
        return _loop(arg.var, [*_refuse(arg, indent + "  "), *inner], indent)
    assert isinstance(arg, Joined), arg
    body = [f'{indent}  runner_ext_joined="${{runner_ext_joined:+$runner_ext_joined'
            f'{arg.sep}}}${{{ITEM.name}}}"']
    return [
        f"{indent}runner_ext_joined=",
        *_loop(arg.var, body, indent),
        f'{indent}set -- "$@" {quote(arg.prefix)}"$runner_ext_joined"{quote(arg.suffix)}',
    ]


def _step(step: Step) -> list[str]:
    indent = "    " if step.repeat else "  "
    body = [f"{indent}set --"]
    body += _args(step.argv, indent)
    body.append(f'{indent}runner_ext_run "$@" || return $?')
    lines = _loop(step.repeat, body, "  ") if step.repeat else body
    if step.only is None:
        return lines
    return [f'  if [ "${{{step.only.name}}}" = true ]; then',
            *[f"  {line}" for line in lines], "  fi"]


def file_lines(plan_file: PlanFile) -> list[str]:
    """The sh lines (indented for a function body) that write one plan file."""
    return _file(plan_file)


def _file(plan_file: PlanFile) -> list[str]:
    path = shell_word(plan_file.path)
    lines = [f'  mkdir -p "$(dirname -- {path})"']
    if plan_file.copy_from is not None:
        lines.append(f"  cat {shell_word(plan_file.copy_from)} > {path} || return $?")
    else:
        content = shell_word(plan_file.content) if plan_file.content else "''"
        lines.append(f"  printf '%s\\n' {content} > {path} || return $?")
    return lines


def plan_to_shell(plan: BuildPlan) -> str:
    """The plan as the two sh functions described in the module docstring."""
    digest = plan.digest
    prepare = [
        "runner_ext_prepare() {",
        *[_check(c) for c in plan.checks],
        *[f"  export {name}={shell_word(value)}" for name, value in plan.env],
        *[line for f in plan.files for line in _file(f)],
        f"  RUNNER_EXT_AUTH_FILE={shell_word(plan.auth_file)}",
        f"  RUNNER_EXT_DIGEST_PATH={shell_word(digest.path) if digest else quote('')}",
        f"  RUNNER_EXT_DIGEST_FORMAT={quote(digest.format if digest else '')}",
        "}",
    ]
    run = ["runner_ext_plan() {", *[line for s in plan.steps for line in _step(s)], "}"]
    return "\n".join([*_matches_function(), *_check_function(), *prepare, *run]) + "\n"
