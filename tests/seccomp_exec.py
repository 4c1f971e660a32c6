"""Run a command under a seccomp profile file, as a container runtime would.

Usage: /usr/bin/python3 seccomp_exec.py PROFILE.json COMMAND [ARG...]

Loads the OCI runtime-spec JSON into libseccomp filters (Debian's python3-seccomp, hence the
system interpreter) and execs the command. Like runc and crun for a container whose
allowPrivilegeEscalation is true, it does not set no_new_privs, so the setuid newuidmap and
newgidmap still work; loading a filter without no_new_privs needs CAP_SYS_ADMIN, so run it as
root and switch users afterwards (setpriv), which the profile must then allow too.
Syscall names this architecture does not have are skipped, as the runtimes do.
"""

from __future__ import annotations

import json
import os
import sys

import seccomp  # type: ignore[import-not-found]

_OPS = {"SCMP_CMP_EQ": seccomp.EQ, "SCMP_CMP_NE": seccomp.NE, "SCMP_CMP_LT": seccomp.LT,
        "SCMP_CMP_LE": seccomp.LE, "SCMP_CMP_GT": seccomp.GT, "SCMP_CMP_GE": seccomp.GE,
        "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ}


def _action(name: str, errno: int | None) -> int:
    if name == "SCMP_ACT_ALLOW":
        return seccomp.ALLOW
    if name == "SCMP_ACT_ERRNO":
        return seccomp.ERRNO(errno if errno is not None else 1)
    raise SystemExit(f"seccomp_exec: unsupported action {name}")


def _arg(spec: dict) -> object:
    op = _OPS[spec["op"]]
    if op == seccomp.MASKED_EQ:
        return seccomp.Arg(spec["index"], op, spec["value"], spec["valueTwo"])
    return seccomp.Arg(spec["index"], op, spec["value"])


def _known(name: str) -> bool:
    try:
        seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
    except (ValueError, RuntimeError):
        return False
    return True


def build(profile: dict) -> seccomp.SyscallFilter:
    """The filter of ``profile`` for this machine's architecture."""
    default = _action(profile["defaultAction"], profile.get("defaultErrnoRet"))
    found = seccomp.SyscallFilter(defaction=default)
    found.set_attr(seccomp.Attr.CTL_NNP, 0)
    for rule in profile["syscalls"]:
        action = _action(rule["action"], rule.get("errnoRet"))
        args = [_arg(a) for a in rule.get("args", [])]
        for name in rule["names"]:
            if _known(name):
                found.add_rule(action, name, *args)
    return found


def main(argv: list[str]) -> None:
    """Load the profile named by argv[1], then exec argv[2:]."""
    with open(argv[1], encoding="utf-8") as handle:
        build(json.load(handle)).load()
    os.execvp(argv[2], argv[2:])


if __name__ == "__main__":
    main(sys.argv)
