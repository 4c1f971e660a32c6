#!/bin/sh
set -eu
TAG=$(git rev-parse --short HEAD)
docker build -t "$CI_REGISTRY_IMAGE/tool:$TAG" tool/
docker push "$CI_REGISTRY_IMAGE/tool:$TAG"
