#!/bin/sh
# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
set -e
image_name="$1"; image_version="$2"; base_image="$3"
docker build --build-arg BASE_IMAGE="$base_image" -t "$image_name:$image_version" -f scripts/Dockerfile.build_deps .
if [ "$4" = yes ]; then docker push "$image_name:$image_version"; fi
