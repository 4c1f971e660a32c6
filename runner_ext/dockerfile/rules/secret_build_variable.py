"""An `ARG` or `ENV` whose name looks like a credential.

### What it does
Reports `ARG` and `ENV` names matching runner-ext's secret name patterns (`*TOKEN*`,
`*PASSWORD*`, `*SECRET*`, `*_KEY`, `*PASSWD*`). Values are never shown.

### Why it matters
An `ENV` value is stored in the image configuration: anyone who can pull the image reads
it. A build argument is recorded in the image history of every `RUN` that uses it, and
Kaniko hashes it into the layer cache keys stored in the registry. A default written in
the Dockerfile is in the repository for everyone.

### Example
```dockerfile
ARG NUGET_TOKEN
ENV NPM_TOKEN=${NPM_TOKEN}
```

### Instead
```dockerfile
RUN --mount=type=secret,id=nuget_token \\
    NUGET_TOKEN="$(cat /run/secrets/nuget_token)" dotnet restore
```
Secret mounts work with BuildKit, Buildah and the osscontainertools Kaniko fork (v1.28+).

### Fix
None: moving a credential to a secret mount also changes how the CI job passes it.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.dockerfile.model import Instruction, Subject
from runner_ext.dockerfile.rules._common import finding
from runner_ext.planner.secrets import looks_secret
from runner_ext.rules.base import Finding, Severity

ID = "RXD111"
NAME = "secret-build-variable"
SEVERITY = Severity.WARNING


def check(subject: Subject) -> Iterator[Finding]:
    """Report secret-looking ``ARG``/``ENV`` names, without their values."""
    for instruction in subject.dockerfile.instructions:
        for name, has_value in _names(instruction):
            if not looks_secret(name):
                continue
            if instruction.cmd == "ENV":
                yield finding(ID, Severity.ERROR, subject, instruction.start_line,
                              f"ENV {name} looks like a credential: ENV values are stored in "
                              "the image configuration, readable by anyone who can pull it",
                              name=name)
            else:
                where = ("its default is written in the Dockerfile" if has_value else
                         "build arguments end up in the image history and Kaniko cache keys")
                yield finding(ID, Severity.ERROR if has_value else SEVERITY, subject,
                              instruction.start_line,
                              f"ARG {name} looks like a credential: {where}; use a secret "
                              "mount", name=name)


def _names(instruction: Instruction) -> list[tuple[str, bool]]:
    if instruction.cmd == "ARG":
        return [(w.partition("=")[0], "=" in w) for w in instruction.value]
    if instruction.cmd == "ENV":
        words = instruction.value
        return [(words[i], True) for i in range(0, len(words) - 1, 2)]
    return []
