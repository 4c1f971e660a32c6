#!/bin/sh
# Builds and pushes the image tagged with the commit, as git names it.
set -eu
TAG=$(git rev-parse --short HEAD)
docker build --build-arg "BASE_IMAGE=$CI_REGISTRY/platform/base/busybox:1.36" \
  -t "$CI_REGISTRY_IMAGE:$TAG" .
docker push "$CI_REGISTRY_IMAGE:$TAG"
echo "pushed $CI_REGISTRY_IMAGE:$TAG"
