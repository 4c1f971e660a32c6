variable "REGISTRY" { default = "registry.example.org/oly-exams/" }
variable "TAG" { default = "latest" }

group "default" {
  targets = ["django-server", "celery-worker"]
}

target "base" {
  context    = "."
  dockerfile = "docker/Dockerfile"
  args       = { PYTHON_VERSION = "3.12" }
}

target "django-server" {
  inherits = ["base"]
  target   = "django-server"
  tags     = ["${REGISTRY}django-server:${TAG}"]
}

target "celery-worker" {
  inherits = ["base"]
  target   = "celery-worker"
  tags     = ["${REGISTRY}celery-worker:${TAG}"]
}

target "flavours" {
  matrix = { flavour = ["slim", "full"] }
  name   = "flavour-${flavour}"
  tags   = ["${REGISTRY}flavour:${flavour}"]
}
