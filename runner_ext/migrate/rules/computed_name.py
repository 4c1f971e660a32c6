"""Image names or build inputs are computed by the shell.

### What it does
Flags `docker build`/`tag`/`push` arguments that use command substitution
(`$(…)`, backticks), shell-only expansions (`${VAR:-default}`, `${VAR#prefix}`, …) or
variables the script itself computes that way.

### Why it matters
GitLab expands only `$VAR`/`${VAR}` in CI variables, so such values can't
move into a template's inputs; guessing them would push to the wrong tags.

### Example
```yaml
build:
  script:
    - export TAG=$(git describe --tags)
    - docker build -t $CI_REGISTRY_IMAGE:$TAG .
    - docker push $CI_REGISTRY_IMAGE:$TAG
```

### Instead
```yaml
build:
  variables:
    TAG: $CI_COMMIT_SHORT_SHA
  script:
    - docker build -t $CI_REGISTRY_IMAGE:$TAG .
    - docker push $CI_REGISTRY_IMAGE:$TAG
```

### Fix
`migrate-project` (strategy `auto` or `shim`) keeps the script and moves the job to
the shim executor. For the declarative rewrite, use predefined variables
(`$CI_COMMIT_TAG`, `$CI_COMMIT_SHORT_SHA`…) or `variables:` with `rules:`, then run
`migrate-project` again.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding, shown
from runner_ext.rules.base import Finding, Severity
from runner_ext.variables import is_plain, references

ID = "RXC113"
NAME = "computed-image-name"
SEVERITY = Severity.INFO


def computed_variables(facts: JobFacts) -> set[str]:
    """Variables the script assigns from command substitutions or shell-only expansions."""
    computed: set[str] = set()
    for command in facts.commands:
        pairs = list(command.assignments)
        if command.name in ("export", "readonly", "local", "declare"):
            pairs += [tuple(w.split("=", 1)) for w in command.words[1:]  # type: ignore[misc]
                      if "=" in w]
        if command.name == "read":
            computed.update(w for w in command.words[1:] if not w.startswith("-"))
        for name, value in pairs:
            if command.substitution or not is_plain(value) or computed & set(references(value)):
                computed.add(name)
    return computed


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag docker image commands whose arguments the shell computes."""
    computed = computed_variables(facts)
    for call in facts.calls_of("build", "tag", "push"):
        args = " ".join(call.args)
        used = sorted(computed & set(references(args)))
        if call.command.substitution or not is_plain(args) or used:
            why = f" (${used[0]} is computed by the script)" if used else ""
            yield finding(ID, SEVERITY, facts,
                          f"'{shown(call.command.text)}' computes names at run time{why}")
