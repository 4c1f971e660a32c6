"""The build engines runner-ext drives, and what each asks of the pod it runs in: one home.

Everything that lists the engines, asks which are rootless, or describes what an engine needs
(CI templates, runner config, build pods, scanner exceptions, Dockerfile rules) reads it here.
"""

from __future__ import annotations

from typing import Literal

Engine = Literal["kaniko", "buildkit", "buildah"]
ENGINES: tuple[Engine, ...] = ("kaniko", "buildkit", "buildah")
ROOTLESS: tuple[Engine, ...] = ("buildkit", "buildah")

SUMMARIES: dict[Engine, str] = {
    "kaniko": "root (UID 0) without privileged mode or privilege escalation; ALL "
              "capabilities dropped but the seven file-owner and user-switch ones it needs; "
              "RuntimeDefault seccomp",
    "buildkit": "rootless (UID 1000); seccomp and AppArmor relaxed (Unconfined, or "
                "node-local Localhost profiles) for rootlesskit's user namespace",
    "buildah": "rootless (UID 1000) with SETUID/SETGID/SETFCAP; seccomp and AppArmor "
               "relaxed (Unconfined, or Localhost profiles) for its user namespace",
}
