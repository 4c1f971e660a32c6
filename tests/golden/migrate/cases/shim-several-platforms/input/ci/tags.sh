# prints the --tag options of the build
echo "--tag $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
