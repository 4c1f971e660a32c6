"""Project files the tests seed the fake GitLab with, and the token it accepts.

One Docker-in-Docker image build (the job a migration starts from), the Python app it
builds, and a CI file without any image build. Tests that need a variant derive it from
these, so what a typical dind job looks like is written once.
"""

from __future__ import annotations

# A canary: a value that must never show in output, logs, rendered files or errors.
TOKEN = "glpat-CANARY-fake-gitlab-5e1f0a"
DIND_CI = """\
stages: [build]

build-image:
  stage: build
  image: docker:27
  services: [docker:27-dind]
  variables:
    DOCKER_HOST: tcp://docker:2376
  script:
    - docker build -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA" .
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
"""
PLAIN_CI = "unit:\n  image: python:3.12\n  script: [pytest -q]\n"
DOCKERFILE = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"main.py\"]\n"
APP: dict[str, str | bytes] = {"Dockerfile": DOCKERFILE, "main.py": "print('up')\n"}
