"""Fixtures for end-to-end tests: a real registry, real Buildah, gitlab-ci-local projects."""
