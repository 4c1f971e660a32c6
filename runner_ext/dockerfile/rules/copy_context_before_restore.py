"""The whole build context is copied before the dependency restore.

### What it does
Finds `COPY . <dest>` (or `ADD . <dest>`) followed, in the same stage, by a dependency
restore: `dotnet restore` (or the restore inside `dotnet publish|build|test|pack`),
`npm ci|install`, `yarn [install]`, `pnpm install`, `pip install -r …`, `pip install .`,
`poetry install` or `uv sync`.

### Why it matters
A layer's cache key covers everything copied before it. After `COPY . .` any change to any
source file invalidates the restore, so every build downloads every package again: with
Kaniko this is the difference between minutes and seconds. Copying the manifests first lets
the restore layer be reused until a manifest changes.

### Example
```dockerfile
WORKDIR /app
COPY . ./
RUN dotnet restore src/app/app.csproj
RUN dotnet publish src/app/app.csproj -c Release -o /app/out
```

### Instead
```dockerfile
WORKDIR /app
COPY app.sln ./
COPY src/app/app.csproj src/app/nuget.config ./src/app/
COPY src/Module1/Module1.csproj ./src/Module1/
RUN dotnet restore src/app/app.csproj
COPY . ./
RUN dotnet publish src/app/app.csproj -c Release -o /app/out
```

### Fix
Safe, applied automatically, only when all of these hold (otherwise the finding says which
one failed and no fix is offered):
- the build context's files are known and its `.dockerignore` was read (or there is none);
  only manifests that reach the build are copied;
- the manifests are found in the context: every `*.csproj/*.fsproj/*.vbproj/*.sln/*.slnx/
  *.props/*.targets`, `nuget.config`, `global.json`, `packages.lock.json` (each in its own
  folder); `package.json` with its lock file and `.npmrc`; the requirement files (and the
  files they include); `pyproject.toml` with `poetry.lock`/`uv.lock`;
- their contents show the restore needs nothing else: literal MSBuild imports are copied
  too and unresolvable ones refuse the fix; `package.json` has no install scripts
  (`preinstall`, `install`, `postinstall`, `prepare`), no workspaces and no local
  dependencies; requirement files and `pyproject.toml` have no local or editable packages;
  Yarn 2+, pnpm and uv workspaces are not handled;
- what the restore writes inside the project (`obj/`, `node_modules/`, `.venv/`) is not in
  the build context (absent or excluded by `.dockerignore`), so the later `COPY . .` cannot
  overwrite it;
- the `COPY` copies to `.` or to the `WORKDIR` itself, with no flags but `--chown`,
  `--chmod`, `--link` (which the manifest copies repeat);
- only `LABEL`, `EXPOSE`, `CMD`, `ENTRYPOINT`, `STOPSIGNAL`, `HEALTHCHECK` come between the
  `COPY` and the restore, and the stage does not change `SHELL`;
- the restore is the `RUN`'s first command. A `RUN` that only restores moves before the
  copy as it is; otherwise a restore-only command (`dotnet restore` with the same project,
  runtime, sources and properties; `poetry install --no-root`; `uv sync
  --no-install-project`) runs before the copy and the original `RUN` stays unchanged.

The image produced is the same: the manifests are copied again, unchanged, by `COPY . .`,
and the restore reads the same inputs. What runner-ext cannot see is the CI job's workspace:
if a job's caches or artifacts put `obj/`, `node_modules/` or `.venv/` into the build
context, list them in `.dockerignore` (good practice anyway; see RXD108).
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.dockerfile.model import Subject
from runner_ext.dockerfile.restore.plan import CachePlan, cache_plans
from runner_ext.dockerfile.rules._common import finding, shown
from runner_ext.rules.base import Finding, Severity

ID = "RXD102"
NAME = "copy-context-before-restore"
SEVERITY = Severity.WARNING


def check(subject: Subject) -> Iterator[Finding]:
    """Report whole-context copies before a restore, with the cache fix when it is safe."""
    for plan in cache_plans(subject.dockerfile, subject.context):
        yield finding(ID, SEVERITY, subject, plan.copy.start_line, _message(plan), plan.fix,
                      toolchain=plan.restore.toolchain, restore_line=str(plan.run.start_line))


def _message(plan: CachePlan) -> str:
    command = shown(" ".join(plan.restore.command.words), 80)
    message = (f"`{plan.copy.cmd} {' '.join(plan.copy.value)}` copies the whole build context "
               f"before `{command}` (line {plan.run.start_line}): any source change re-runs "
               "the restore")
    if plan.fix is None:
        return f"{message}; copy the dependency manifests first (not automatic: " \
               f"{plan.why_not})"
    return f"{message}; fix: {plan.fix.description}"
