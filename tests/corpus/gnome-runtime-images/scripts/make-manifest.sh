#!/bin/bash
# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
set -e
buildah manifest create "$CI_REGISTRY_IMAGE:$1"
buildah manifest add "$CI_REGISTRY_IMAGE:$1" "$CI_REGISTRY_IMAGE:x86_64-$1"
buildah manifest add "$CI_REGISTRY_IMAGE:$1" "$CI_REGISTRY_IMAGE:aarch64-$1"
buildah manifest push --all "$CI_REGISTRY_IMAGE:$1" "docker://$CI_REGISTRY_IMAGE:$1"
