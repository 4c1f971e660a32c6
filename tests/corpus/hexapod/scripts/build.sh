#!/bin/bash
# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
# -b TARGET cross-compiles TARGET in its builder image, -t the utilities, -l the diagrams,
# -n (re)builds the builder images.
set -e
PROJECT_ROOT=$(cd "$(dirname "$0")/.." && pwd)
build_image() {
    docker build -t "hexapod-$1" -f "$PROJECT_ROOT/docker/$1.Dockerfile" "$PROJECT_ROOT"
}
in_builder() {
    docker image inspect "hexapod-$1" > /dev/null 2>&1 || build_image "$1"
    docker run --rm -v "$PROJECT_ROOT:/build" "hexapod-$1" "${@:2}"
}
case "$1" in
    -b) in_builder "$2" make -C "/build/$2" ;;
    -t) in_builder app make -C /build/utilities ;;
    -l) in_builder app make -C /build/docs diagrams ;;
    -n) for image in app driver pytd3; do build_image "$image"; done ;;
    *) echo "usage: $0 -b TARGET | -t | -l | -n" >&2; exit 2 ;;
esac
