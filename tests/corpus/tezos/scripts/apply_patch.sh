#!/bin/sh
# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
exit 0
