"""The fake GitLab's groups and projects, read by the real python-gitlab client."""

from __future__ import annotations

import time
from collections.abc import Iterator

import gitlab
import pytest

from runner_ext.lab.fake_gitlab import FakeGitLab, serve

TOKEN = "glpat-CANARY-fake-groups-7c2d"


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    gitlab_ = FakeGitLab(token=TOKEN)
    gitlab_.add_project("acme/api", {".gitlab-ci.yml": "test:\n  script: [make]\n"})
    gitlab_.add_project("acme/web/shop", {"ci/main.yml": "x:\n  script: [y]\n"},
                        ci_config_path="ci/main.yml")
    gitlab_.add_project("acme/web/old", {}, archived=True)
    gitlab_.add_project("acme/web/deep/void")
    gitlab_.add_project("acme/secret", {"a": "b"}, repository_access=False)
    gitlab_.add_project("acme/hidden", {"a": "b"}, visible=False)
    gitlab_.add_project("other/x", {"a": "b"})
    with serve(gitlab_):
        yield gitlab_


def client(fake: FakeGitLab, token: str = TOKEN) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.url, private_token=token, retry_transient_errors=True)


def test_group_projects_with_subgroups_by_path_or_id_all_pages(fake: FakeGitLab) -> None:
    gl = client(fake)
    group = gl.groups.get("acme")
    assert gl.groups.get(group.id).full_path == "acme"
    listed = group.projects.list(include_subgroups=True, per_page=2, get_all=True)
    assert sorted(p.path_with_namespace for p in listed) == [
        "acme/api", "acme/secret", "acme/web/deep/void", "acme/web/old", "acme/web/shop"]
    direct = group.projects.list(get_all=True)
    assert sorted(p.path_with_namespace for p in direct) == ["acme/api", "acme/secret"]
    pages = [c for c in fake.calls("GET", rf"^/api/v4/groups/{group.id}/projects$")
             if c.query.get("include_subgroups")]
    assert [c.query.get("page") for c in pages] == [None, "2", "3"]
    assert client(fake).http_get("/groups/acme%2Fweb")["full_path"] == "acme/web"


def test_project_settings_as_listed(fake: FakeGitLab) -> None:
    listed = {p.path_with_namespace: p for p in client(fake).groups.get("acme/web").projects.list(
        include_subgroups=True, get_all=True)}
    assert listed["acme/web/shop"].ci_config_path == "ci/main.yml"
    assert listed["acme/web/old"].archived is True
    assert listed["acme/web/deep/void"].empty_repo is True
    assert listed["acme/web/deep/void"].default_branch is None
    assert listed["acme/web/shop"].namespace["full_path"] == "acme/web"


def test_subgroups_and_descendants(fake: FakeGitLab) -> None:
    group = client(fake).groups.get("acme")
    assert [g.full_path for g in group.subgroups.list(get_all=True)] == ["acme/web"]
    assert [g.full_path for g in group.descendant_groups.list(get_all=True)] == [
        "acme/web", "acme/web/deep"]
    assert client(fake).groups.get("acme/web").parent_id == group.id


def test_files_per_project_and_access(fake: FakeGitLab) -> None:
    gl = client(fake)
    shop = gl.projects.get("acme/web/shop")
    assert shop.files.raw("ci/main.yml", ref="main") == b"x:\n  script: [y]\n"
    with pytest.raises(gitlab.GitlabGetError) as missing:
        gl.projects.get("acme/api", lazy=True).files.raw("ci/main.yml", ref="main")
    assert missing.value.response_code == 404
    with pytest.raises(gitlab.GitlabGetError) as forbidden:
        gl.projects.get("acme/secret", lazy=True).files.raw("a", ref="main")
    assert forbidden.value.response_code == 403
    with pytest.raises(gitlab.GitlabGetError) as hidden:
        gl.projects.get("acme/hidden")
    assert hidden.value.response_code == 404
    with pytest.raises(gitlab.GitlabGetError) as unknown:
        gl.groups.get("nope")
    assert unknown.value.response_code == 404
    with pytest.raises(gitlab.GitlabAuthenticationError):
        client(fake, "wrong").groups.get("acme")


def test_default_project_keeps_answering(fake: FakeGitLab) -> None:
    fake.seed({"Dockerfile": "FROM scratch\n"})
    project = client(fake).projects.get("group/app")
    assert project.id == 42
    assert project.files.raw("Dockerfile", ref="main") == b"FROM scratch\n"


def test_rate_limit_headers_and_429_with_retry_after(fake: FakeGitLab) -> None:
    fake.rate_limit = (3, 1.0)
    gl = client(fake)
    started = time.monotonic()
    for _ in range(4):
        gl.groups.get("acme")
    assert time.monotonic() - started >= 0.5  # python-gitlab slept Retry-After once
    statuses = [c.path for c in fake.calls("GET", "^/api/v4/groups/acme$")]
    assert len(statuses) == 5  # four answers and one 429 retried
    response = gl.http_get("/groups/acme", raw=True)
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(response.headers)


def test_latency_overlaps_between_clients(fake: FakeGitLab) -> None:
    import concurrent.futures

    fake.latency = 0.2
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client(fake).groups.get("acme"), range(8)))
    assert 0.2 <= time.monotonic() - started < 1.0
