#!/bin/sh
# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
set -e
image_name="$1"
docker build -t "$image_name:alpine-${alpine_version}_ocaml-${ocaml_version}" -f scripts/Dockerfile.opam .
