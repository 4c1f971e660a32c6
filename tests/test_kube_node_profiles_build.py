"""The shipped seccomp profile, proven: a real rootless Buildah build runs under it, and a
syscall outside it is refused.

As Kubernetes would: ``seccomp_exec.py`` (Debian's python3-seccomp, libseccomp's own
bindings) loads the shipped JSON into a seccomp filter while still root, without
no_new_privs (the pod's allowPrivilegeEscalation is true, so the setuid newuidmap and
newgidmap work), then ``setpriv`` switches to an unprivileged user with /etc/subuid ranges,
the image user of rootless Buildah, and execs ``buildah bud`` (vfs storage, chroot isolation)
of a ``FROM scratch`` image with busybox and a RUN step. The same build under the runtime's
default list alone, or without any one of Buildah's additions, fails.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, in_ci, require_tool

from runner_ext.kube.node_profiles import read_shipped
from runner_ext.kube.seccomp import rootless_additions

LAUNCHER = REPO / "tests" / "seccomp_exec.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # where Debian's python3-seccomp is importable
USER = "runner-ext-rootless"
PROFILE = json.loads(read_shipped("seccomp/buildah.json"))
DOCKERFILE = (
    "FROM scratch\n"
    "COPY busybox /bin/busybox\n"
    'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox echo built-under-seccomp; '
    '/bin/busybox cat /proc/self/uid_map"]\n'
)
# Calls a syscall by name (resolved by libseccomp for this architecture) and prints
# "ok" or the errno's name.
PROBE = (
    "import ctypes, errno, sys, seccomp\n"
    "nr = seccomp.resolve_syscall(seccomp.Arch.NATIVE, sys.argv[1])\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "args = [ctypes.c_char_p(b'user'), ctypes.c_char_p(b'runner-ext-probe'), "
    "ctypes.c_char_p(b'x'), ctypes.c_size_t(1), ctypes.c_int(-2)] "
    "if sys.argv[1] == 'add_key' else [ctypes.c_void_p(0), ctypes.c_size_t(0)]\n"
    "result = libc.syscall(nr, *args)\n"
    "print('ok' if result >= 0 else errno.errorcode[ctypes.get_errno()])\n"
)


def _need(ok: bool, reason: str) -> None:
    if not ok:
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def build_user() -> pwd.struct_passwd:
    """An unprivileged user with subordinate ID ranges (created once, as useradd does)."""
    _need(os.geteuid() == 0, "needs root: loading a filter without no_new_privs, as a "
          "container runtime does, takes CAP_SYS_ADMIN; run the tests as root")
    for tool in ("buildah", "setpriv", "busybox", "newuidmap"):
        require_tool(tool)
    seccomp_ok = subprocess.run([SYSTEM_PYTHON, "-c", "import seccomp"], capture_output=True,
                                check=False).returncode == 0
    _need(seccomp_ok, "python3-seccomp not found; install it with: apt-get install "
          "python3-seccomp")
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run([require_tool("useradd"), "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", USER], check=True)
    return pwd.getpwnam(USER)


def _as_user(user: pwd.struct_passwd, home: Path, *argv: str) -> list[str]:
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
            "env", "-i", f"HOME={home}", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            f"XDG_RUNTIME_DIR={home}/run", *argv]


def _under(profile: dict[str, Any], work: Path, argv: list[str]
           ) -> subprocess.CompletedProcess[str]:
    path = work / f"profile-{len(list(work.glob('profile-*')))}.json"
    path.write_text(json.dumps(profile))
    return subprocess.run([SYSTEM_PYTHON, str(LAUNCHER), str(path), *argv],
                          capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def work(build_user: pwd.struct_passwd) -> Iterator[Path]:
    """A directory the build user owns, with the build context in ``ctx``."""
    path = Path(tempfile.mkdtemp(prefix="runner-ext-rootless-"))
    try:
        (path / "ctx").mkdir()
        (path / "ctx" / "Dockerfile").write_text(DOCKERFILE)
        shutil.copy(require_tool("busybox"), path / "ctx" / "busybox")
        (path / "home").mkdir()
        for item in (path, *path.rglob("*")):
            os.chown(item, build_user.pw_uid, build_user.pw_gid)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def userns(build_user: pwd.struct_passwd, work: Path) -> None:
    """Skip (with the kernel's message) where unprivileged user namespaces are unavailable."""
    done = subprocess.run(_as_user(build_user, work / "home", "unshare", "--user", "true"),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"unprivileged user namespaces unavailable: {done.stderr.strip()}")


def _bud(user: pwd.struct_passwd, work: Path, profile: dict[str, Any]
         ) -> subprocess.CompletedProcess[str]:
    home = work / "home"
    shutil.rmtree(home / "storage", ignore_errors=True)
    return _under(profile, work, _as_user(
        user, home, "buildah", "--root", f"{home}/storage", "--runroot", f"{home}/run/storage",
        "--storage-driver", "vfs", "bud", "--isolation", "chroot", "--layers",
        "-t", "localhost/runner-ext-seccomp:1", str(work / "ctx")))


def _without(profile: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """The profile with these names taken out of its allow-list (and errno rules)."""
    rules = [{**rule, "names": [n for n in rule["names"] if n not in names]}
             for rule in profile["syscalls"]]
    return {**profile, "syscalls": [rule for rule in rules if rule["names"]]}


ADDITIONS = {a.name for a in rootless_additions("buildah")}


@pytest.mark.usefixtures("userns")
def test_rootless_buildah_build_runs_under_the_shipped_profile(
        build_user: pwd.struct_passwd, work: Path) -> None:
    done = _bud(build_user, work, PROFILE)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "built-under-seccomp" in done.stdout
    # The RUN step ran as root of a user namespace mapped onto the unprivileged user.
    mapping = [line.split() for line in done.stdout.splitlines()
               if line.split()[:1] == ["0"] and len(line.split()) == 3]
    assert mapping and mapping[0][1] == str(build_user.pw_uid)
    assert "Successfully tagged localhost/runner-ext-seccomp:1" in done.stdout


@pytest.mark.usefixtures("userns")
def test_the_runtime_default_list_alone_refuses_the_build(
        build_user: pwd.struct_passwd, work: Path) -> None:
    done = _bud(build_user, work, _without(PROFILE, ADDITIONS))
    assert done.returncode != 0
    assert "unshare(CLONE_NEWUSER): Operation not permitted" in done.stderr


# umount is the 32-bit architectures' call, absent here.
@pytest.mark.parametrize("name", sorted(ADDITIONS - {"umount"}))
@pytest.mark.usefixtures("userns")
def test_each_of_buildahs_additions_is_needed(name: str, build_user: pwd.struct_passwd,
                                               work: Path) -> None:
    done = _bud(build_user, work, _without(PROFILE, {name}))
    assert "operation not permitted" in (done.stdout + done.stderr).lower(), \
        f"Buildah never called {name}: drop it from the profile"
    # Without umount2 the build may still finish, warning that it cannot unmount its RUN
    # mounts ("pkg/chroot: error unmounting … operation not permitted").
    assert done.returncode != 0 or name == "umount2"


@pytest.mark.parametrize(("syscall", "unfiltered", "filtered"), [
    ("add_key", "ok", "EPERM"),        # outside the profile: the default action
    ("clone3", "EINVAL", "ENOSYS"),    # refused as "not supported", so callers use clone
])
def test_a_syscall_outside_the_profile_is_refused(
        syscall: str, unfiltered: str, filtered: str, build_user: pwd.struct_passwd,
        work: Path) -> None:
    probe = [SYSTEM_PYTHON, "-c", PROBE, syscall]
    plain = subprocess.run(_as_user(build_user, work / "home", *probe), capture_output=True,
                           text=True, check=False, timeout=60)
    assert plain.stdout.strip() == unfiltered, plain.stderr
    done = _under(PROFILE, work, _as_user(build_user, work / "home", *probe))
    assert done.stdout.strip() == filtered, done.stderr
