# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
alpine_version=3.6
ocaml_version=4.05.0
