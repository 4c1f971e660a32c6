"""Hostile job variables against the real entrypoint and the real generated plan.

Registry hosts reach ``auth.json`` (security finding 10) and image references reach the
engine's argv (finding 11): each is checked with the grammar of
``runner_ext.planner.references`` before use, under busybox ``sh`` (Kaniko's debug image)
and dash. A refusal is one line, names the variable, and never shows a password.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_executor_entrypoint import CANARY, IMAGE, Job, _b64

SHELLS = ["busybox", "dash"]
INJECTIONS = [
    'registry.example.com":{"auth":"ZXZpbDpldmls"},"evil.example.com',
    'registry.example.com"',
    'registry.example.com",',
    "registry.example.com\nevil.example.com",
    "registry.example.com}",
    "registry.example.com\\",
    "registry.example.com/path",
    "-registry.example.com",
    "registry example.com",
]


@pytest.fixture
def job(tmp_path: Path) -> Job:
    return Job(tmp_path)


def _refused(job: Job, done: object, *phrases: str) -> None:
    stderr: str = done.stderr  # type: ignore[attr-defined]
    assert done.returncode == 2, stderr  # type: ignore[attr-defined]
    ours = [line for line in stderr.splitlines() if line.startswith("runner-ext:")]
    assert len(ours) == 1, stderr
    assert all(phrase in ours[0] for phrase in phrases), ours
    output = stderr + done.stdout  # type: ignore[attr-defined]
    assert CANARY not in output and _b64(f"gitlab-ci-token:{CANARY}") not in output
    assert job.calls() == []
    assert not (job.work / "config.json").exists()


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("value", INJECTIONS, ids=range(len(INJECTIONS)))
def test_a_crafted_ci_registry_is_refused(job: Job, shell: str, value: str) -> None:
    done = job.run(shell, CI_REGISTRY=value)
    _refused(job, done, "CI_REGISTRY is not a registry host[:port]")
    assert value not in done.stderr


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("host", [h for h in INJECTIONS if " " not in h and "\n" not in h],
                         ids=range(7))
def test_a_crafted_host_in_registry_auth_is_refused(job: Job, shell: str, host: str) -> None:
    done = job.run(shell, RUNNER_EXT_REGISTRY_AUTH=f"ghcr.io u p\n{host} user {CANARY}-2")
    _refused(job, done, "RUNNER_EXT_REGISTRY_AUTH line 2 is not 'host username password'")


@pytest.mark.parametrize("shell", SHELLS)
def test_hosts_with_ports_and_addresses_make_exactly_their_entries(job: Job, shell: str
                                                                   ) -> None:
    done = job.run(shell, CI_REGISTRY="gitlab.example.com:5050",
                   RUNNER_EXT_REGISTRY_AUTH='[fd00::5]:5000 u "p\\"}\nDocker.io hub pw,"x"')
    assert done.returncode == 0, done.stderr
    written = job.calls()[0]["auth"]["path"]
    auth = job.calls()[0]["auth"]["content"]  # the fake engine read it with json.loads
    assert written.endswith("/config.json")
    assert auth == {"auths": {
        "[fd00::5]:5000": {"auth": _b64('u:"p\\"}')},
        "Docker.io": {"auth": _b64('hub:pw,"x"')},
        "gitlab.example.com:5050": {"auth": _b64(f"gitlab-ci-token:{CANARY}")},
    }}


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("variable", "value", "phrase"), [
    ("RUNNER_EXT_DESTINATIONS", "--tls-verify=false", "an image reference"),
    ("RUNNER_EXT_DESTINATIONS", f"{IMAGE}:1.0\n-d", "an image reference"),
    ("RUNNER_EXT_DESTINATIONS", f"{IMAGE}:1.0;touch${{IFS}}x", "an image reference"),
    ("RUNNER_EXT_DESTINATIONS", "Registry.example.com/G/App:1", "an image reference"),
    ("RUNNER_EXT_CACHE_REPO", "--tls-verify=false", "a repository"),
    ("RUNNER_EXT_CACHE_REPO", f"{IMAGE}/cache:tag", "a repository"),
    ("RUNNER_EXT_CONTEXT", "--tls-verify=false", "not starting with '-'"),
    ("RUNNER_EXT_DOCKERFILE", "-", "not starting with '-'"),
])
def test_options_disguised_as_values_are_refused_before_the_engine_runs(
        job: Job, shell: str, variable: str, value: str, phrase: str) -> None:
    done = job.run(shell, **{variable: value})
    _refused(job, done, f"{variable} is not", phrase)


@pytest.mark.parametrize("engine", ["buildah", "buildkit"])
def test_good_references_pass_in_every_form(tmp_path: Path, engine: str) -> None:
    job = Job(tmp_path, engine)
    refs = [f"{IMAGE}:1.0", "localhost:5000/app", f"{IMAGE}@sha256:{'ab' * 32}",
            "Reg-1.Example.com:5050/a__b/c-d.e:V1.2_rc-3", "app"]
    done = job.run(RUNNER_EXT_DESTINATIONS="\n".join(refs))
    assert done.returncode == 0, done.stderr
    assert job.calls()
