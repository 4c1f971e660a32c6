# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md): prints the --tag options for the build.
echo "--tag $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
