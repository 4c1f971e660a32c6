"""When the cache fix (RXD102) applies, and every reason it refuses to."""

from __future__ import annotations

import json

import pytest

from runner_ext.dockerfile import analyze_dockerfile
from runner_ext.dockerfile.dockerignore import DockerIgnore
from runner_ext.rules.base import Finding

NODE = "FROM node:20.11-bookworm-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n"
PACKAGE = json.dumps({"name": "web", "scripts": {"build": "tsc"}})
DOTNET = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore\n"
PROJECT = '<Project Sdk="Microsoft.NET.Sdk" />'


def _cache_finding(text: str, files: dict[str, str] | None, **kwargs: object) -> Finding:
    read = {**(files or {})}.get
    report = analyze_dockerfile("Dockerfile", text, context_files=None if files is None else
                                list(files), read_file=read, **kwargs)  # type: ignore[arg-type]
    [finding] = [f for f in report.findings if f.rule_id == "RXD102"]
    return finding


def test_node_fix_applies_with_a_clean_context() -> None:
    finding = _cache_finding(NODE, {"package.json": PACKAGE, "package-lock.json": "{}"},
                             has_dockerignore=False)
    assert finding.fix is not None and finding.fix.safe


@pytest.mark.parametrize(("text", "files", "kwargs", "reason"), [
    (NODE, None, {}, "files are not known"),
    (NODE, {"package.json": PACKAGE}, {"has_dockerignore": True}, ".dockerignore could not"),
    (NODE, {"package.json": PACKAGE, "node_modules/x/index.js": ""}, {},
     "node_modules/x/index.js is in the build context"),
    (NODE, {"package.json": json.dumps({"scripts": {"prepare": "husky"}})}, {},
     "install script(s) prepare"),
    (NODE, {"package.json": json.dumps({"workspaces": ["a"]})}, {}, "workspaces"),
    (NODE, {"package.json": json.dumps({"dependencies": {"a": "file:../a"}})}, {},
     "local path"),
    (NODE, {"package.json": "{not json"}, {}, "not valid JSON"),
    (NODE.replace("npm ci", "yarn install --immutable"),
     {"package.json": PACKAGE, ".yarnrc.yml": ""}, {}, "Yarn 2+"),
    (NODE.replace("npm ci", "cd web && npm ci"), {"package.json": PACKAGE}, {},
     "come before or wrap"),
    (NODE.replace("COPY . .", "COPY . /other"), {"package.json": PACKAGE}, {}, "lands where"),
    (NODE.replace("COPY . .", "COPY --exclude=*.md . ."), {"package.json": PACKAGE}, {},
     "flags other than"),
    (NODE.replace("WORKDIR /app\n", "WORKDIR /app\nSHELL [\"/bin/bash\", \"-c\"]\n"),
     {"package.json": PACKAGE}, {}, "changes SHELL"),
    (DOTNET, {"app.csproj": '<Project><Import Project="$(Tools)/x.xml" /></Project>'}, {},
     "cannot resolve"),
    (DOTNET, {"app.csproj": "<Project"}, {}, "not well-formed XML"),
    (DOTNET, {"Program.cs": ""}, {}, "no project file"),
    (DOTNET, {"app.csproj": PROJECT, "obj/project.assets.json": ""}, {}, "obj/"),
    (DOTNET.replace("dotnet restore", "dotnet publish -f net8.0"), {"app.csproj": PROJECT}, {},
     "option -f may change"),
    (DOTNET.replace("dotnet restore", "dotnet restore missing.csproj"),
     {"app.csproj": PROJECT}, {}, "missing.csproj"),
    ("FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\n",
     {"requirements.txt": "-e .\n"}, {}, "local path"),
    ("FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\n",
     {"requirements.txt": "-r missing.txt\n"}, {}, "missing.txt is not in the build context"),
    ("FROM python:3.12\nCOPY . .\nRUN uv sync --frozen\n",
     {"pyproject.toml": "[tool.uv.workspace]\nmembers = ['a']\n"}, {}, "uv workspace"),
    ("FROM python:3.12\nCOPY . .\nRUN poetry install\n",
     {"pyproject.toml": "[tool.poetry.dependencies]\nlib = { path = '../lib' }\n"}, {},
     "path dependency"),
])
def test_fix_is_refused_with_a_reason(text: str, files: dict[str, str] | None,
                                      kwargs: dict[str, object], reason: str) -> None:
    finding = _cache_finding(text, files, **kwargs)
    assert finding.fix is None
    assert reason in finding.message


def test_single_poetry_install_gets_a_restore_only_step_and_stays() -> None:
    files = {"pyproject.toml": "[tool.poetry]\nname = 'a'\n", "poetry.lock": ""}
    text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN poetry install\n"
    report = analyze_dockerfile("Dockerfile", text, context_files=list(files),
                                read_file=files.get, has_dockerignore=False)
    assert report.fixed_text.endswith(
        "COPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root\n"
        "COPY . .\nRUN poetry install\n")


def test_dockerignored_manifest_is_not_copied() -> None:
    files = {"app.sln": "", "src/app/app.csproj": PROJECT, "tests/t/t.csproj": PROJECT,
             ".dockerignore": "tests/\n**/obj\n", "src/app/obj/project.assets.json": ""}
    report = analyze_dockerfile("Dockerfile", DOTNET, context_files=list(files),
                                read_file=files.get)
    assert "COPY src/app/app.csproj ./src/app/" in report.fixed_text
    assert "tests/t" not in report.fixed_text


def test_add_whole_context_and_chown_are_carried_over() -> None:
    text = NODE.replace("COPY . .", "ADD --chown=node:node . .")
    files = {"package.json": PACKAGE, "package-lock.json": "{}"}
    report = analyze_dockerfile("Dockerfile", text, context_files=list(files),
                                read_file=files.get, has_dockerignore=False)
    assert "COPY --chown=node:node package.json package-lock.json ./\nRUN npm ci\n" \
           "ADD --chown=node:node . .\nRUN npm run build\n" in report.fixed_text


@pytest.mark.parametrize(("patterns", "path", "excluded"), [
    ("node_modules", "node_modules/a/index.js", True),
    ("node_modules", "web/node_modules/a.js", False),
    ("**/obj", "src/app/obj/x.json", True),
    ("**/obj", "obj/x.json", True),
    ("*/obj", "src/app/obj/x.json", False),
    ("tests/\n!tests/keep.csproj", "tests/keep.csproj", False),
    ("tests/\n!tests/keep.csproj", "tests/drop.csproj", True),
    ("/build\n# comment", "build/out.txt", True),
    ("*.md", "docs/readme.md", False),
    ("**/*.md", "docs/readme.md", True),
    ("file?.txt", "file1.txt", True),
    ("[a-c].txt", "b.txt", True),
])
def test_dockerignore_matches_like_docker(patterns: str, path: str, excluded: bool) -> None:
    assert DockerIgnore(patterns).excludes(path) is excluded


def test_secret_values_never_appear_in_findings() -> None:
    text = "ARG DB_PASSWORD=canary-pw-1234\nFROM alpine:3.20\nENV API_TOKEN=canary-tok-5678\n"
    report = analyze_dockerfile("Dockerfile", text)
    dumped = json.dumps(report.to_dict())
    assert "DB_PASSWORD" in dumped and "API_TOKEN" in dumped
    assert "canary" not in dumped
    assert all("canary" not in f.message for f in report.findings)
