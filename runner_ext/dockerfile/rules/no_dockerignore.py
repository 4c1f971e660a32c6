"""The build context has no `.dockerignore`.

### What it does
Reported once per Dockerfile when the caller states that the build context has no
`.dockerignore` file. The finding suggests entries for the ecosystems found in the context.

### Why it matters
Without it, everything in the folder is sent to the builder and `COPY . .` copies it: the
`.git` history, `bin/` and `obj/` folders, `node_modules`, virtualenvs, local secrets. Each of
them makes the context upload and the Kaniko snapshots slower, changes the layer's cache key
whenever an unrelated file changes, and can leak into the image.

### Example
A repository with this `Dockerfile` and no `.dockerignore` beside it:

```dockerfile
FROM mcr.microsoft.com/dotnet/sdk:8.0
WORKDIR /src
COPY . .
RUN dotnet publish -c Release -o /app
```

### Instead
```
.git
**/bin
**/obj
**/node_modules
```

### Fix
None: the file is not part of the Dockerfile, and only the owner knows what the build needs.
The finding's `suggested` detail lists entries to start from.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.dockerfile.model import Subject
from runner_ext.dockerfile.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXD108"
NAME = "no-dockerignore"
SEVERITY = Severity.WARNING

_BY_MARKER: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    ((".csproj", ".fsproj", ".vbproj", ".sln"), ("**/bin", "**/obj")),
    (("package.json",), ("**/node_modules", "npm-debug.log")),
    ((".py", "pyproject.toml", "requirements.txt"), ("**/__pycache__", ".venv", "*.pyc")),
)


def check(subject: Subject) -> Iterator[Finding]:
    """Report a context without ``.dockerignore`` (only when the caller says so)."""
    if subject.context.has_dockerignore is not False:
        return
    yield finding(ID, SEVERITY, subject, None,
                  "the build context has no .dockerignore: the whole folder (including .git) "
                  "is sent to the builder and copied by COPY ., which slows uploads and "
                  "snapshots and breaks the cache on unrelated changes",
                  suggested="\n".join(suggested_entries(subject.context.files or ())))


def suggested_entries(files: frozenset[str] | tuple[()]) -> list[str]:
    """``.dockerignore`` lines fitting the ecosystems present in ``files``."""
    entries = [".git"]
    for markers, lines in _BY_MARKER:
        if any(f.endswith(markers) for f in files):
            entries.extend(lines)
    return entries
