"""A registry password is written in the CI file.

### What it does
Flags `docker login -p`/`--password` with a literal value, and a literal
piped into `docker login --password-stdin`. Values that are only `$VARIABLE` references
are fine. runner-ext masks the value in everything it prints or writes (report, JSON,
Markdown, merge request, diff).

### Why it matters
Everything in `.gitlab-ci.yml` is in the repository's history, readable by
everyone with access to the project, its forks and its clones. The password is compromised
from the first commit; removing the line does not take it back.

### Example
```yaml
build:
  script:
    - docker login -u deploy -p s3cr3t registry.example.com
```

### Instead
```yaml
build:
  script:
    - echo "$REGISTRY_PASSWORD" | docker login -u deploy --password-stdin registry.example.com
```

### Fix
None automatic. Rotate the password at the registry, store the new one as a masked
(and protected) CI/CD variable, and refer to it as `$REGISTRY_PASSWORD`.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.migrate.analyse.docker import is_login_pipe, parse_login
from runner_ext.migrate.analyse.facts import JobFacts
from runner_ext.migrate.rules._common import finding
from runner_ext.rules.base import Finding, Severity
from runner_ext.variables import references, substitute, unescape

ID = "RXC114"
NAME = "plaintext-registry-password"
SEVERITY = Severity.ERROR


def literal_parts(value: str) -> list[str]:
    """The literal text of a GitLab-form value around its ``$NAME`` references."""
    marked = substitute(value, {name: "\0" for name in references(value)})
    return [unescape(part) for part in marked.split("\0") if part]


def plaintext_passwords(facts: JobFacts) -> list[str]:
    """Literal passwords the job's docker logins use (as the shell passes them)."""
    found: list[str] = []
    for call in facts.calls_of("login"):
        password = parse_login(call).password
        if password:
            found.extend(literal_parts(password))
    for command in facts.commands + facts.after_commands:
        if command.name in ("echo", "printf") and is_login_pipe(command, None):
            words = [w for w in command.words[1:] if not w.startswith("-")]
            found.extend(p for w in words[-1:] for p in literal_parts(w) if p.strip())
    return found


def check(facts: JobFacts) -> Iterator[Finding]:
    """Flag a job whose docker login carries a literal password."""
    if plaintext_passwords(facts):
        yield finding(ID, SEVERITY, facts,
                      f"a plaintext registry password is committed in {facts.file}: rotate it "
                      "and use a masked CI/CD variable")
