# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
group "default" {
  targets = ["apigateway", "userservice"]
}

variable "IMAGE_ID" { default = "latest" }
variable "REGISTRY" { default = "registry.example.org/pia" }

target "apigateway" {
  context    = "."
  dockerfile = "psa.service.apigateway/Dockerfile"
  tags       = ["${REGISTRY}/apigateway:${IMAGE_ID}"]
}

target "userservice" {
  context    = "."
  dockerfile = "psa.service.userservice/Dockerfile"
  tags       = ["${REGISTRY}/userservice:${IMAGE_ID}"]
}
