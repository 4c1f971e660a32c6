"""Reading CI YAML as GitLab does: anchors defined twice, merge keys, keys written twice."""

from __future__ import annotations

import pytest

from runner_ext.errors import RunnerExtError
from runner_ext.migrate.analyse.decision import Refused
from runner_ext.migrate.parse.cifiles import parse_ci_file
from runner_ext.migrate.parse.merge_keys import merged


def _parse(text: str):  # type: ignore[no-untyped-def]
    return parse_ci_file(".gitlab-ci.yml", text.encode())


def test_an_alias_means_the_definition_before_it() -> None:
    """YAML lets a name be anchored again; each alias repeats the latest definition above it."""
    ci = _parse(".a: &setup\n  image: docker:26\n"
                "first:\n  <<: *setup\n  script: [a]\n"
                ".b: &setup\n  image: docker:27\n"
                "second:\n  <<: *setup\n  script: [b]\n"
                "third:\n  image: *setup\n")
    assert ci.data["first"]["image"] == "docker:26"
    assert ci.data["second"]["image"] == "docker:27"
    assert ci.data["third"]["image"] == {"image": "docker:27"}
    aliases = ci.alias_uses()
    assert [a.target.line for a in aliases if a.target] == [1, 6, 6]


def test_merge_keys_resolve_as_gitlab_does() -> None:
    """The mapping's own keys win; among merged mappings the earlier one wins; merges nest."""
    ci = _parse(".base: &base\n  stage: test\n  retry: 1\n"
                ".docker: &docker\n  <<: *base\n  image: docker:27\n  stage: build\n"
                ".other: &other\n  image: alpine\n  when: manual\n"
                "job:\n  <<: [*docker, *other]\n  retry: 2\n  script: [x]\n")
    assert ci.data["job"] == {"stage": "build", "image": "docker:27", "when": "manual",
                              "retry": "2", "script": ["x"]}
    assert ci.root is not None
    job = ci.root.get("job")
    assert job is not None
    entries = {str(k.value): k.line for k, _ in merged(job, ci.anchors)}
    assert entries == {"image": 6, "stage": 7, "when": 10}  # retry is the job's own


def test_a_key_before_its_merge_key_is_not_guessed() -> None:
    """GitLab's Ruby reader lets a later ``<<:`` replace a key set above it; the YAML spec
    keeps the key. A rewrite never picks one of the two readings."""
    ci = _parse(".d: &d\n  image: docker:27\njob:\n  image: alpine\n  <<: *d\n")
    assert ci.root is not None
    job = ci.root.get("job")
    assert job is not None
    with pytest.raises(Refused, match="sets 'image' before a merge key"):
        merged(job, ci.anchors)


def test_duplicate_keys_are_a_warning_and_the_last_wins() -> None:
    ci = _parse("build:\n  stage: test\n  stage: build\n  script: [a]\n"
                "build:\n  script: [b]\n")
    assert ci.data == {"build": {"script": ["b"]}}
    assert ci.warnings == [
        ".gitlab-ci.yml:3: key 'stage' is written twice (also at line 2); GitLab uses the "
        "last one, and so does runner-ext, which never edits the first",
        ".gitlab-ci.yml:5: key 'build' is written twice (also at line 1); GitLab uses the "
        "last one, and so does runner-ext, which never edits the first"]
    assert ci.root is not None
    key = ci.root.key_node("build")
    assert key is not None and key.line == 5
    assert [k.line for k, _ in ci.root.effective_pairs()] == [5]


def test_reading_limits_still_hold_with_merge_keys() -> None:
    """Merge keys go through the same alias-expansion budget as any alias."""
    bomb = "a: &a {x: 1, y: 1, z: 1, w: 1, v: 1, u: 1, t: 1, s: 1, r: 1}\n"
    for level in "bcdefghij":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [{', '.join(['*' + prev] * 9)}]\n"
    bomb += "job:\n  <<: *j\n"
    with pytest.raises(RunnerExtError, match="expand"):
        _parse(bomb)
