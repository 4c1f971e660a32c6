# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc-arm-linux-gnueabihf make bc bison flex libssl-dev kmod \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
