#!/bin/sh
# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
# Prints a bake file with one npm-install target per package.
set -e
printf 'target "npm-install" {\n  context = "."\n  dockerfile = "psa.utils.ci-create-bake-file/npm-install.Dockerfile"\n  tags = ["%s/npm-install:%s"]\n}\n' \
    "$CI_REGISTRY_IMAGE" "$IMAGE_ID"
