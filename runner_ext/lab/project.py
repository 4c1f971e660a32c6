"""A throw-away copy of a sample project with our rendered templates, run by gitlab-ci-local.

Jobs run with ``--force-shell-executor``: the job's real script (the generated plan, then
our entrypoint) runs in a shell on this machine. CI/CD variables (registry credentials
included) come from a variables file *outside* the project, as project variables come
from GitLab's settings, so nothing secret is written into the project directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from runner_ext.cli.main import run
from runner_ext.lab.buildah import Storage
from runner_ext.lab.registry import Registry
from runner_ext.lab.tools import ENTRYPOINT, require_tool
from runner_ext.lab.tools import SOURCE_TREE as REPO

SAMPLE = REPO / "ci-examples" / "buildah-sample"
REMOTE = "https://gitlab.example.com/group/sample.git"
_GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


@dataclass(frozen=True)
class FileVariable:
    """A CI/CD variable of type File: the job sees a path to a file holding ``content``."""

    content: str


@dataclass(frozen=True)
class JobRun:
    """One gitlab-ci-local run: exit code, everything it printed, wall time, the job log."""

    returncode: int
    output: str
    seconds: float
    log: str


def render_templates(config: Path, config_text: str, out: Path) -> None:
    """``runner-ext render ci --config CONFIG --out OUT`` with ``config_text`` as the config."""
    config.write_text(config_text)
    code = run(["render", "ci", "--config", str(config), "--out", str(out)])
    assert code == 0, "runner-ext render ci failed"


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, **_GIT_ENV}
    done = subprocess.run([require_tool("git"), *args], cwd=root, env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


@dataclass
class Project:
    """A git repository holding a sample project and the templates rendered for it."""

    root: Path
    home: Path

    @classmethod
    def create(cls, folder: Path, config_text: str, *, sample: Path = SAMPLE,
               gitlab_ci: str | None = None, templates: str = "runner-ext") -> Project:
        """Copy ``sample``, render our CI templates from ``config_text`` into its folder
        ``templates``, commit. ``gitlab_ci`` replaces the sample's ``.gitlab-ci.yml``."""
        root = folder / "project"
        shutil.copytree(sample, root)
        if gitlab_ci is not None:
            (root / ".gitlab-ci.yml").write_text(gitlab_ci)
        render_templates(folder / "runner-ext.toml", config_text, root / templates)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "remote", "add", "origin", REMOTE)
        project = cls(root, folder / "gcl-home")
        project.home.mkdir()
        project.commit("sample project")
        return project

    def commit(self, message: str) -> str:
        """Commit every change; the new commit SHA."""
        _git(self.root, "add", "-A")
        _git(self.root, "commit", "-q", "-m", message)
        return self.commit_sha()

    def commit_sha(self) -> str:
        """The checked-out commit (CI_COMMIT_SHA)."""
        return _git(self.root, "rev-parse", "HEAD")

    def _write_variables(self, variables: Mapping[str, str | FileVariable]) -> None:
        """The variables as gitlab-ci-local's per-user file (outside the project)."""
        entries = {
            name: {"type": "file", "values": {"*": value.content}}
            if isinstance(value, FileVariable) else {"type": "variable", "values": {"*": value}}
            for name, value in variables.items()
        }
        path = self.home / ".gitlab-ci-local" / "variables.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps({"global": entries}))  # JSON is YAML

    def run_job(self, jobs: Sequence[str], variables: Mapping[str, str | FileVariable], *,
                path_prefix: Sequence[Path] = (), wrapper: Sequence[str] = ()) -> JobRun:
        """Run jobs with the shell executor; ``variables`` act as the project's CI variables.

        ``path_prefix`` puts folders first on the job's PATH; ``wrapper`` is an argv prefix
        for gitlab-ci-local itself (e.g. to run it where ``/kaniko`` exists).
        """
        tool = require_tool("gitlab-ci-local")
        require_tool("rsync")
        # gitlab-ci-local sets CI_PROJECT_DIR to /builds/… for jobs with an image even when
        # the shell executor runs them in the project folder; say where they really run.
        self._write_variables({"CI_PROJECT_DIR": str(self.root), **variables})
        env = {**os.environ, "PATH": os.pathsep.join([*map(str, path_prefix),
                                                      os.environ["PATH"]])}
        # rules:changes would need a remote to diff against; treat them as matched.
        argv = [*wrapper, tool, "--force-shell-executor", "--no-color", "--home", str(self.home),
                "--evaluate-rule-changes=false", *jobs]
        start = time.monotonic()
        done = subprocess.run(argv, cwd=self.root, env=env, capture_output=True, text=True,
                              timeout=900, check=False)
        seconds = time.monotonic() - start
        logs = [self.root / ".gitlab-ci-local" / "output" / f"{job}.log" for job in jobs]
        log = "".join(p.read_text(errors="replace") for p in logs if p.exists())
        return JobRun(done.returncode, done.stdout + done.stderr, seconds, log)

    def files_text(self) -> dict[Path, bytes]:
        """Every regular file left in the project directory (for canary checks)."""
        return {p: p.read_bytes() for p in self.root.rglob("*")
                if p.is_file() and not p.is_symlink() and ".git" not in p.relative_to(
                    self.root).parts[:1]}

    def dotenv(self, name: str = "runner-ext.env") -> dict[str, str]:
        """The dotenv report the build job left in the project directory."""
        pairs = (line.split("=", 1) for line in
                 (self.root / name).read_text().splitlines() if "=" in line)
        return {key: value for key, value in pairs}


def sample_config(registry: Registry, tls_ca_variable: str = "") -> str:
    """The sample's runner-ext.toml plus how to reach ``registry`` (plain HTTP, or TLS with a
    CA from the named file variable)."""
    sample = (SAMPLE / "runner-ext.toml").read_text()
    assert "[registry]" not in sample
    if tls_ca_variable:
        registry_section = (f'ca_file = "${tls_ca_variable}"\n'
                            f'ca_hosts = ["{registry.host}"]\n')
    else:
        registry_section = f'insecure = ["{registry.host}"]\n'
    return f"{sample}\n[registry]\n{registry_section}"


def sample_variables(registry: Registry, folder: Path, name: str, user: str, password: str
                     ) -> dict[str, str | FileVariable]:
    """Job variables for one build: registry credentials, and the executor image's paths as
    they are here (our entrypoint, a private work dir, a fresh Buildah storage)."""
    storage = Storage(folder / f"storage-{name}").create()
    return {
        "CI_REGISTRY": registry.host, "CI_REGISTRY_USER": user, "CI_REGISTRY_PASSWORD": password,
        "RUNNER_EXT_ENTRYPOINT": str(ENTRYPOINT),
        "RUNNER_EXT_WORK_DIR": str(folder / f"work-{name}"),
        **storage.env(),
    }
