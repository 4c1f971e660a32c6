# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
FROM php:8.2-cli AS ci
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
