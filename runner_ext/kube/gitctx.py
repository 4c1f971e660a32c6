"""Git build contexts: ``git://host/group/project.git#refs/heads/main[#commit]``.

Kaniko takes such a URL as its ``--context`` (it fetches over HTTPS by default). For
BuildKit and Buildah a pinned git image clones the same URL over HTTPS into an emptyDir
before the build starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runner_ext.errors import Category, Problem, RunnerExtError

_HOST_PATH = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]+)?/[A-Za-z0-9._\-/]+$")
_REF = re.compile(r"^[A-Za-z0-9._\-/]+$")
EXAMPLE = "git://gitlab.example.com/group/project.git#refs/heads/main"


@dataclass(frozen=True)
class GitContext:
    """A parsed git context."""

    url: str
    host_path: str
    ref: str
    commit: str

    @property
    def https_url(self) -> str:
        """The repository as the HTTPS URL a clone uses."""
        return f"https://{self.host_path}"

    @property
    def fetch(self) -> str:
        """What to fetch: the commit when pinned, else the ref (HEAD when none)."""
        return self.commit or self.ref or "HEAD"


def _refuse(message: str, hint: str) -> RunnerExtError:
    # The value is not echoed: a context URL may carry credentials.
    return RunnerExtError(Category.USAGE, Problem(message, key="--context", hint=hint))


def parse_git_context(url: str) -> GitContext:
    """Parse and check a ``git://`` context; credentials in the URL are refused."""
    if not url.startswith("git://"):
        raise _refuse("a standalone build pod cannot see a local directory; give a git "
                      "context", f"e.g. --context {EXAMPLE}")
    location, _, fragment = url.removeprefix("git://").partition("#")
    if "@" in location.split("/", 1)[0]:
        raise _refuse("the git context carries credentials; they would be written into the "
                      "manifest", "use a repository the cluster can read without "
                      "credentials in the URL")
    ref, _, commit = fragment.partition("#")
    if not _HOST_PATH.match(location) or (ref and not _REF.match(ref)) or \
            (commit and not re.fullmatch(r"[0-9a-f]{7,64}", commit)):
        raise _refuse("not a git context of the form git://HOST/PATH.git#REF[#COMMIT]",
                      f"e.g. {EXAMPLE}")
    return GitContext(url, location, ref, commit)
