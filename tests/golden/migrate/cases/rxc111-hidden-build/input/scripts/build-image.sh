#!/bin/sh
set -eu
docker buildx build --push -t "$1" .
