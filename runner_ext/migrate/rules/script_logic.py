"""Docker commands run under shell logic.

### What it does
Flags docker commands inside `if`/`for`/`while`/`case` blocks, after a
test (`[ … ] &&`), in `||` chains or pipelines, or in a script that can't be split safely
(here-documents, unbalanced quotes).

### Why it matters
Which images get built or pushed then depends on the shell at run time. A
rewrite would have to guess, so the job is left; GitLab `rules:` can usually say the same
thing declaratively (and then the job can be migrated).

### Example
```yaml
build:
  script:
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .
    - if [ "$CI_COMMIT_BRANCH" = main ]; then docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA; fi
```

### Instead
```yaml
build:
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
  script:
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
```

### Fix
`migrate-project` (strategy `auto` or `shim`) keeps the script and moves the job to
the shim executor. For the declarative rewrite, express the condition with `rules:` and run
`migrate-project` again.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.docker import is_login_pipe
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding, shown
from runner_ext.rules.base import Finding, Severity

ID = "RXC112"
NAME = "script-logic"
SEVERITY = Severity.INFO


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag docker calls under shell constructs, and unparsable scripts of docker jobs."""
    for call in facts.calls:
        if call.command.construct and not is_login_pipe(call.command, call):
            yield finding(ID, SEVERITY, facts, f"'{shown(call.command.text)}' runs under "
                          f"'{call.command.construct}'", construct=call.command.construct)
    if facts.calls or facts.dind_services():
        for problem in facts.script_problems:
            yield finding(ID, SEVERITY, facts, problem)
