"""Short, stable codes for why the migration left a job: the report's sentence grouped.

The migration explains each job it leaves in a sentence written for the person who owns the
job; a corpus summary needs the kind of reason, so these patterns sort the sentences into
codes. A sentence no pattern knows is ``other``, which a reviewer should look at.
"""

from __future__ import annotations

import re

# First match wins; order from the most specific to the most general.
_CODES: tuple[tuple[str, str], ...] = (
    # A hand-written Kaniko job left by what only Kaniko jobs have (docs/migrate.md).
    ("kaniko-registry-auth", r"Kaniko build .* stays as it is: (?:/kaniko/\.docker/config\.json"
                             r"|it pushes .* outside this project's registry)"),
    ("kaniko-flag", r"Kaniko build .* stays as it is: (?:the executor|the Dockerfile comes "
                    r"from standard input)"),
    ("kaniko-image-files", r"prepares the Kaniko image's own files"),
    ("not-a-build", r"^not an image build|builds no image"),
    ("shared-daemon", r"shared Docker daemon"),
    ("opaque-command", r"finds no image build it can follow|builds an image out of sight"),
    ("file-already-daemonless", r"already builds with .*leaves such files alone"),
    ("shell-logic", r"runs under shell logic|changes to a folder"),
    ("runtime-value", r"computed at run time|computes names at run time|which the script "
                      r"computes|can't be resolved before the job runs"),
    ("compose", r"Docker Compose|compose file"),
    ("bake", r"bake"),
    ("runs-container", r"runs a container"),
    ("needs-daemon", r"needs a Docker daemon"),
    ("manifest", r"edits manifests"),
    ("several-images", r"more than one image"),
    ("promote", r"tags an image this job does not build"),
    ("push-unmatched", r"pushes an image this job does not build|is not 'docker (?:tag|push)"
                       r"|may fail without failing the job"),
    ("save-load", r"'docker (?:save|load)\b|has no daemonless equivalent"),
    ("build-command-shape", r"expected one build context|is not 'docker build"),
    ("build-flag", r"has no runner-ext equivalent"),
    ("build-only", r"built but never pushed"),
    ("other-service", r"uses service .* besides Docker"),
    ("after-script", r"after_script runs"),
    ("package-install", r"installs .* at run time"),
    ("shim-missing-tool", r"runs \S+, which the shim executor image does not have"),
    ("extra-step", r"the job also runs|does not carry over"),
    ("missing-dockerfile", r"is not in the project|leaves the project"),
    ("dockerfile-engine-gap", r"^[^ ]*Dockerfile[^ ]*:\d+:"),
    ("secret", r"secret|credential|login"),
    ("platform", r"--platform|can't build for"),
    ("unreadable-script", r"script can't be read safely"),
    ("yaml-form", r"flow style|alias|anchor|merge key|not on a line of its own|shares its line"
                  r"|written in a form|not on lines of their own|inherit:"),
    ("extends-unresolved", r"extends '.*', which runner-ext can't read|several files"
                           r"|extends: is not"),
    ("shared-template", r"build, which job .* shares"),
    ("duplicate-key", r"writes '[^']*' twice"),
)
_COMPILED = tuple((code, re.compile(pattern)) for code, pattern in _CODES)


def reason_code(reason: str) -> str:
    """The code of the first pattern the sentence matches, else ``other``."""
    for code, pattern in _COMPILED:
        if pattern.search(reason):
            return code
    return "other"
