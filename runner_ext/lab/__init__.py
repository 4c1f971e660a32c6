"""Real parts for tests and benchmarks: a local registry, Buildah storage, gitlab-ci-local runs,
a fake GitLab API. Imported by ``tests/`` and ``bench/`` alike; nothing in the tool uses it."""
