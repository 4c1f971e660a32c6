# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
group "tests-images" {
  targets = ["alpine-no-root", "alpine-entrypoint"]
}

variable "CI_REGISTRY_IMAGE" { default = "registry.example.org/gitlab-runner" }

target "alpine-no-root" {
  dockerfile = "alpine-no-root/Dockerfile"
  tags       = ["${CI_REGISTRY_IMAGE}/alpine-no-root:latest"]
}

target "alpine-entrypoint" {
  dockerfile = "alpine-entrypoint/Dockerfile"
  tags       = ["${CI_REGISTRY_IMAGE}/alpine-entrypoint:latest"]
}
