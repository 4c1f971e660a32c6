"""The seccomp profile for rootless builds, generated from ``data/seccomp.toml``.

The data file is the one list of what the profile allows and why; this module turns it into
the OCI runtime-spec JSON (``defaultAction``, ``architectures``, ``syscalls``) that the
kubelet loads for ``seccompProfile: {type: Localhost}`` and that the Security Profiles
Operator's ``SeccompProfile`` carries as its spec.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DATA = Path(__file__).resolve().parent / "data"
SOURCE = DATA / "seccomp.toml"
# The little-endian architectures Kubernetes nodes run, with their 32-bit compat ABIs; the
# runtime skips names an architecture does not have.
ARCHITECTURES = ("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                 "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM")


@dataclass(frozen=True)
class Allowance:
    """One syscall the rootless profile adds to the default list, and why."""

    name: str
    why: str
    engines: tuple[str, ...]
    errno: int | None = None


@cache
def _data() -> dict[str, Any]:
    with SOURCE.open("rb") as handle:
        return tomllib.load(handle)


def runtime_default() -> tuple[str, ...]:
    """The container runtime's default allow-list (unconditional names)."""
    return tuple(_data()["runtime_default"])


def rootless_additions(engine: str = "") -> tuple[Allowance, ...]:
    """What rootless builds (or one engine) need beyond the default: allowed, or refused
    with an errno the caller takes for "not supported"."""
    data = _data()
    found = [Allowance(e["name"], e["why"], tuple(e["engines"]), e.get("errno"))
             for e in (*data["rootless"], *data["rootless_errno"])]
    return tuple(a for a in found if not engine or engine in a.engines)


def _filtered() -> list[dict[str, Any]]:
    """The default profile's argument-filtered rules: one rule per allowed value."""
    rules: list[dict[str, Any]] = []
    for entry in _data()["runtime_default_filtered"]:
        for value in entry.get("equal_to", []):
            rules.append({"names": [entry["name"]], "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 0, "value": value, "op": "SCMP_CMP_EQ"}]})
        if "mask_clear" in entry:
            rules.append({"names": [entry["name"]], "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 0, "value": entry["mask_clear"], "valueTwo": 0,
                                    "op": "SCMP_CMP_MASKED_EQ"}]})
        if "not_equal_to" in entry:
            rules.append({"names": [entry["name"]], "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 0, "value": entry["not_equal_to"],
                                    "op": "SCMP_CMP_NE"}]})
    return rules


def rootless_profile(engine: str) -> dict[str, Any]:
    """The engine's profile as runtime-spec data: refuse (EPERM) what is not listed."""
    additions = rootless_additions(engine)
    allowed = sorted({*runtime_default(), *(a.name for a in additions if a.errno is None)})
    rules: list[dict[str, Any]] = [{"names": allowed, "action": "SCMP_ACT_ALLOW"}]
    unfiltered = set(allowed)
    rules += [rule for rule in _filtered() if rule["names"][0] not in unfiltered]
    refused = [(e["name"], e["errno"]) for e in _data()["runtime_default_errno"]]
    refused += [(a.name, a.errno) for a in additions if a.errno is not None]
    rules += [{"names": [name], "action": "SCMP_ACT_ERRNO", "errnoRet": errno}
              for name, errno in refused]
    # No defaultErrnoRet: SCMP_ACT_ERRNO defaults to EPERM, and the operator's
    # SeccompProfile has no such field.
    return {"defaultAction": "SCMP_ACT_ERRNO", "architectures": list(ARCHITECTURES),
            "syscalls": rules}


def rootless_json(engine: str) -> str:
    """The profile file's text, as shipped in ``data/`` and written by ``render profiles``."""
    return json.dumps(rootless_profile(engine), indent=2) + "\n"
