"""A group of many projects on the fake GitLab, shaped like a platform team's: for tests and bench.

Projects cycle through the scan's classes: builds including a shared template project's dind
job, docker through the host's socket, shell runners, Kaniko already, no image build, a CI file
at a ``ci_config_path``, archived and empty projects; subgroups nest two levels deep.
"""

from __future__ import annotations

from runner_ext.lab.fake_gitlab import FakeGitLab

TEMPLATE_PROJECT = "templates/ci"
TEMPLATE_FILE = "docker.yml"
TEMPLATE = """\
.docker-build:
  image: docker:27
  services: [docker:27-dind]
  variables:
    DOCKER_HOST: tcp://docker:2375
  script:
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
"""
DOCKERFILE = "FROM python:3.12-slim\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n"

SHAPES: dict[str, dict[str, str | bytes]] = {
    "dind": {".gitlab-ci.yml": f"include:\n  - project: {TEMPLATE_PROJECT}\n    ref: v1\n"
                               f"    file: {TEMPLATE_FILE}\nbuild:\n  extends: .docker-build\n",
             "Dockerfile": DOCKERFILE},
    "docker-socket": {".gitlab-ci.yml": "build:\n  image: docker:27\n  script:\n"
                                        "    - docker build -t registry.example.com/app .\n"
                                        "    - docker push registry.example.com/app\n",
                      "Dockerfile": "FROM alpine\nRUN apk add curl\n"},
    "shell-docker": {".gitlab-ci.yml": "build:\n  tags: [shell]\n  script:\n"
                                       "    - docker build -t $CI_REGISTRY_IMAGE:1 -f "
                                       "docker/Dockerfile .\n"
                                       "    - docker push $CI_REGISTRY_IMAGE:1\n",
                     "docker/Dockerfile": DOCKERFILE},
    "kaniko": {"ci/pipeline.yml": "build:\n  image: gcr.io/kaniko-project/executor:debug\n"
                                  "  script:\n    - /kaniko/executor --context . "
                                  "--destination $CI_REGISTRY_IMAGE\n"},
    "no-image-build": {".gitlab-ci.yml": "test:\n  image: python:3.12\n  script: [pytest]\n"},
}


def _own(files: dict[str, str | bytes], number: int) -> dict[str, str | bytes]:
    """The shape's files, each CI file made the project's own (no two projects alike)."""
    return {path: f"variables:\n  APP_NAME: app{number}\n{text}"
            if path.endswith(".yml") and isinstance(text, str) else text
            for path, text in files.items()}


def populate(fake: FakeGitLab, projects: int, *, root: str = "acme") -> dict[str, str]:
    """Add the template project and ``projects`` projects under ``root``; returns each
    project's path and the class the scan should give it."""
    fake.add_project(TEMPLATE_PROJECT, {TEMPLATE_FILE: TEMPLATE})
    fake.project_by_path(TEMPLATE_PROJECT).seed({TEMPLATE_FILE: TEMPLATE}, branch="v1")
    expected: dict[str, str] = {}
    shapes = [*SHAPES, "archived", "empty"]
    for i in range(projects):
        shape = shapes[i % len(shapes)]
        path = f"{root}/team{i % 7}/unit{i % 3}/app{i}"
        if shape == "archived":
            fake.add_project(path, SHAPES["dind"], archived=True)
        elif shape == "empty":
            fake.add_project(path)
        else:
            fake.add_project(path, _own(SHAPES[shape], i), ci_config_path="ci/pipeline.yml"
                             if shape == "kaniko" else None)
        expected[path] = shape
    return expected
