"""Dockerfile syntax the chosen build engine does not support (or only in some versions).

### What it does
Compares the BuildKit features a Dockerfile uses with what the target engine implements:
`RUN --mount` by type, `RUN --network/--security/--device`, `COPY/ADD --link`, `--parents`,
`--exclude`, `ADD --checksum/--keep-git-dir/--unpack`, heredocs, and a `# syntax=` frontend.
The severity depends on the engine: an error-prone gap is a warning, a feature that works
in the pinned executor but not in older ones is info. The table below is what runner-ext
knows for the executors it pins (Kaniko: osscontainertools fork v1.28; Buildah v1.41;
BuildKit v0.23); check it against the versions you run.

Kaniko (osscontainertools fork):
- `RUN --mount=type=cache`: info, fork only (`FF_KANIKO_RUN_MOUNT_CACHE`, on by default);
  upstream Kaniko rejects `--mount`.
- `RUN --mount=type=secret`, `type=bind`: info, fork v1.28+ (`FF_KANIKO_RUN_MOUNT_BIND`).
- `RUN --mount=type=tmpfs|ssh`: warning, not implemented.
- `RUN --network|--security|--device`: warning, ignored with a warning.
- `COPY/ADD --link`, `COPY --parents|--exclude`, `ADD --checksum|--keep-git-dir|--unpack`:
  warning, not implemented.
- heredocs (`RUN <<EOF`, `COPY <<EOF`): info, fork only; upstream Kaniko cannot parse them.
- `RUN <<'EOF'` (quoted delimiter alone): warning, the fork has skipped such a `RUN`
  silently (osscontainertools/kaniko#1025).
- `# syntax=docker/dockerfile:1…`: info, ignored (the built-in parser is used); any other
  frontend: warning, ignored, so its extensions fail.

Buildah:
- `RUN --mount` of every type: supported.
- `COPY/ADD --link`: info, needs Buildah 1.41+; heredocs: info, need Buildah 1.35+.
- `RUN --network|--security|--device`, `COPY --parents|--exclude`,
  `ADD --checksum|--keep-git-dir|--unpack`: info, check your Buildah version.
- `# syntax=`: as for Kaniko (Buildah has its own parser).

With BuildKit everything is supported; a custom `# syntax=` frontend is reported as info,
because BuildKit pulls the frontend image at build time (mirror it for offline runners).

### Why it matters
A build that works with `docker build` can fail, or worse silently differ, after moving to
a daemonless engine. Knowing before the migration keeps a team's delivery working.

### Example
```dockerfile
# syntax=docker/dockerfile:1-labs
FROM alpine:3.20
COPY --link --parents src/*/go.mod /app/
RUN --mount=type=tmpfs,target=/tmp make
```

### Instead
Use the features the engine supports, or choose an engine that has them
(`--engine buildkit` in `migrate-project`).

### Fix
None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runner_ext.dockerfile.model import Instruction, Subject
from runner_ext.dockerfile.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXD110"
NAME = "engine-unsupported-feature"
SEVERITY = Severity.WARNING

_QUOTED_ONLY = re.compile(r"<<-?(['\"])[^'\"]+\1")
Support = dict[str, tuple[Severity, str]]
_W, _I = Severity.WARNING, Severity.INFO
_UPSTREAM = "; upstream Kaniko (gcr.io, archived) rejects it"
_KANIKO_IGNORES = (_W, "ignored by Kaniko (with a warning)")
_KANIKO_LACKS = (_W, "not implemented by Kaniko")
_BUILDAH_MAYBE = (_I, "check that your Buildah version implements it")
FEATURES: dict[str, Support] = {
    "mount=cache": {"kaniko": (_I, "supported by the osscontainertools fork "
                               "(FF_KANIKO_RUN_MOUNT_CACHE, on by default)" + _UPSTREAM)},
    "mount=secret": {"kaniko": (_I, "supported by the osscontainertools fork v1.28+" +
                                _UPSTREAM)},
    "mount=bind": {"kaniko": (_I, "supported by the osscontainertools fork v1.28+ "
                              "(FF_KANIKO_RUN_MOUNT_BIND)" + _UPSTREAM)},
    "mount=tmpfs": {"kaniko": _KANIKO_LACKS},
    "mount=ssh": {"kaniko": _KANIKO_LACKS},
    "network": {"kaniko": _KANIKO_IGNORES, "buildah": _BUILDAH_MAYBE},
    "security": {"kaniko": _KANIKO_IGNORES, "buildah": _BUILDAH_MAYBE},
    "device": {"kaniko": _KANIKO_IGNORES, "buildah": _BUILDAH_MAYBE},
    "link": {"kaniko": _KANIKO_LACKS, "buildah": (_I, "needs Buildah 1.41 or later")},
    "parents": {"kaniko": _KANIKO_LACKS, "buildah": _BUILDAH_MAYBE},
    "exclude": {"kaniko": _KANIKO_LACKS, "buildah": _BUILDAH_MAYBE},
    "checksum": {"kaniko": _KANIKO_LACKS, "buildah": _BUILDAH_MAYBE},
    "keep-git-dir": {"kaniko": _KANIKO_LACKS, "buildah": _BUILDAH_MAYBE},
    "unpack": {"kaniko": _KANIKO_LACKS, "buildah": _BUILDAH_MAYBE},
    "heredoc": {"kaniko": (_I, "supported by the osscontainertools fork; upstream Kaniko "
                           "fails to parse heredocs"),
                "buildah": (_I, "needs Buildah 1.35 or later")},
    "quoted-heredoc-run": {"kaniko": (_W, "the osscontainertools fork has skipped such a RUN "
                                      "silently (osscontainertools/kaniko#1025); use an "
                                      "unquoted delimiter and escape $ instead")},
}


def check(subject: Subject) -> Iterator[Finding]:
    """Report features the target engine lacks or supports only in some versions."""
    yield from _syntax(subject)
    for instruction in subject.dockerfile.instructions:
        for feature, shown in features(instruction):
            support = FEATURES.get(feature, {}).get(subject.engine)
            if support:
                severity, note = support
                yield finding(ID, severity, subject, instruction.start_line,
                              f"{shown} ({subject.engine}): {note}", feature=feature)


def features(instruction: Instruction) -> list[tuple[str, str]]:
    """``(feature key, how it is written)`` for every BuildKit feature the instruction uses."""
    found: list[tuple[str, str]] = []
    for raw, name in zip(instruction.flags, instruction.flag_names(), strict=True):
        if instruction.cmd == "RUN" and name == "mount":
            kind = _mount_type(raw)
            found.append((f"mount={kind}", f"RUN --mount=type={kind}"))
        elif name not in ("from", "chown", "chmod", "platform") and instruction.cmd in (
                "RUN", "COPY", "ADD"):
            found.append((name, f"{instruction.cmd} --{name}"))
    if instruction.heredocs:
        found.append(("heredoc", f"{instruction.cmd} with a heredoc"))
        script = instruction.value[0].strip() if instruction.value else ""
        if instruction.cmd == "RUN" and _QUOTED_ONLY.fullmatch(script):
            found.append(("quoted-heredoc-run", "RUN with a quoted heredoc delimiter"))
    return found


def _mount_type(raw: str) -> str:
    options = dict(part.partition("=")[::2] for part in raw.partition("=")[2].split(","))
    return options.get("type", "bind")


def _syntax(subject: Subject) -> Iterator[Finding]:
    syntax = subject.dockerfile.directives.get("syntax")
    if not syntax:
        return
    standard = syntax.startswith(("docker/dockerfile:", "docker.io/docker/dockerfile:")) and \
        "labs" not in syntax and "upstream" not in syntax
    if subject.engine == "buildkit":
        if not standard:
            yield finding(ID, Severity.INFO, subject, 1,
                          f"# syntax={syntax}: BuildKit pulls this frontend image at build "
                          "time; mirror it for runners without internet access")
        return
    severity = Severity.INFO if standard else Severity.WARNING
    effect = ("uses its built-in parser instead" if standard else
              "uses its built-in parser: the frontend's extensions fail or behave differently")
    yield finding(ID, severity, subject, 1,
                  f"# syntax={syntax} is ignored by {subject.engine}, which {effect}")
