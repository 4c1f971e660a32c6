#!/bin/sh
# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
set -e
docker build --build-arg BASE_IMAGE="$3" -t "$1:$2" -f scripts/Dockerfile.minimal .
