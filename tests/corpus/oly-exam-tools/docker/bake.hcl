# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
variable "REGISTRY" { default = "registry.example.org/oly-exams/" }
variable "TAG" { default = "latest" }

group "default" {
  targets = ["django-server", "celery-worker"]
}

target "django-server" {
  context    = "."
  dockerfile = "docker/Dockerfile"
  target     = "django-server"
  tags       = ["${REGISTRY}django-server:${TAG}"]
}

target "celery-worker" {
  context    = "."
  dockerfile = "docker/Dockerfile"
  target     = "celery-worker"
  tags       = ["${REGISTRY}celery-worker:${TAG}"]
}
