#!/bin/bash
# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
set -e
buildah bud -f "$DOCKERFILE" -t "$DOCKERIMAGE" .
buildah push "$DOCKERIMAGE"
