"""The Dockerfile starts with a byte-order mark or uses CRLF line ends.

### What it does
Reports a UTF-8 byte-order mark at the start of the file and CRLF (Windows) line ends.
Both are accepted by Docker, Kaniko and Buildah, so they are findings, not errors, and every
edit runner-ext makes keeps the line end of the line it touches. CRLF inside a heredoc is
a warning: the carriage returns become part of the script or file the heredoc writes.

### Why it matters
Some tools in a pipeline (shell scripts reading the file, older linters, `sed` edits) trip
over them, and a heredoc body with `\\r` runs commands named `apt-get\\r`.

### Example
A Dockerfile saved by an editor set to "UTF-8 with BOM" and "CRLF" (shown escaped):

```dockerfile
\\ufeffFROM alpine:3.20\\r
RUN apk add --no-cache curl\\r
```

### Instead
Save it as UTF-8 without BOM and with LF line ends (`.gitattributes`:
`Dockerfile text eol=lf`).

### Fix
None: a whole-file line-end change belongs in its own commit.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner_ext.dockerfile.model import Subject
from runner_ext.dockerfile.rules._common import finding
from runner_ext.rules.base import Finding, Severity

ID = "RXD112"
NAME = "bom-or-crlf"
SEVERITY = Severity.INFO


def check(subject: Subject) -> Iterator[Finding]:
    """Report a byte-order mark, CRLF line ends, and CRLF inside heredocs."""
    dockerfile = subject.dockerfile
    if dockerfile.text.startswith("\ufeff"):
        yield finding(ID, SEVERITY, subject, 1, "the file starts with a UTF-8 byte-order mark")
    crlf = [n for n, line in enumerate(dockerfile.lines, start=1) if line.endswith("\r\n")]
    if crlf:
        mixed = " (mixed with LF lines)" if len(crlf) < len(dockerfile.lines) - (
            0 if dockerfile.text.endswith("\n") else 1) else ""
        yield finding(ID, SEVERITY, subject, crlf[0],
                      f"{len(crlf)} line(s) end with CRLF{mixed}, starting here")
    for instruction in dockerfile.instructions:
        if any("\r" in body for body in instruction.heredocs):
            yield finding(ID, Severity.WARNING, subject, instruction.start_line,
                          f"the heredoc of this {instruction.cmd} has CRLF line ends: the "
                          "carriage returns end up in the script or file it writes")
