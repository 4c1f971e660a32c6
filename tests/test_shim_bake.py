"""The shim's bake reader (executor/shim/bake.py in the shim image; runner_ext/migrate/shim/
bake.py links to it): bake files read with python-hcl2 into builds, or one line naming what
it does not evaluate; and the wrapper running `docker buildx bake` through its build path,
with recording fakes of podman (the real run is tests/test_shim_bake_e2e.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO
from test_shim_wrapper import SHIM, Shim

from runner_ext.config import OrgConfig
from runner_ext.migrate import LocalSource, migrate_project
from runner_ext.migrate.report.result import JobOutcome
from runner_ext.migrate.shim import bake
from runner_ext.migrate.shim.bake import BakeRefused, Build

BAKE = """
variable "REGISTRY" { default = "registry.example.com/g/" }
variable "TAG" { default = "latest" }
variable "FULL" { default = "${REGISTRY}app:${TAG}" }

group "default" {
  targets = ["app", "worker"]
}

group "all" {
  targets = ["default", "docs"]
}

target "base" {
  context    = "src"
  dockerfile = "build/Dockerfile"
  args       = { PYTHON = "3.12", MODE = "base" }
  labels     = { "org.opencontainers.image.source" = "https://example.com/g" }
  cache-from = ["type=registry,ref=${REGISTRY}cache"]
  cache-to   = ["type=inline"]
}

target "app" {
  inherits  = ["base"]
  target    = "app"
  tags      = ["${FULL}", "${REGISTRY}app:$${literal}"]
  args      = { MODE = "app" }
  platforms = ["linux/amd64"]
}

target "worker" {
  inherits = ["base"]
  target   = "worker"
  tags     = ["${REGISTRY}worker:${TAG}"]
  output   = ["type=registry"]
}

target "docs" {
  dockerfile = "docs.Dockerfile"
  tags       = ["${REGISTRY}docs:${TAG}"]
}
"""


def _read(files: dict[str, str]) -> bake.ReadText:
    return files.get


def _builds(argv: list[str], env: dict[str, str] | None = None,
            files: dict[str, str] | None = None) -> list[Build]:
    return bake.builds(argv, _read(files or {"docker-bake.hcl": BAKE}), env or {})


def _refusal(argv: list[str], text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(BakeRefused) as caught:
        _builds(argv, env, {"docker-bake.hcl": text})
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the reader -----------------------------------------------------------------------------

def test_default_group_targets_inherit_and_interpolate() -> None:
    app, worker = _builds([])
    assert (app.name, app.context, app.dockerfile, app.target) == (
        "app", "src", "build/Dockerfile", "app")
    assert app.tags == ["registry.example.com/g/app:latest",
                        "registry.example.com/g/app:${literal}"]
    assert app.args == {"PYTHON": "3.12", "MODE": "app"}  # maps merged, the target's own win
    assert app.labels == {"org.opencontainers.image.source": "https://example.com/g"}
    assert app.platform == "linux/amd64" and not app.push
    assert worker.push and worker.args["MODE"] == "base"  # output type=registry pushes
    assert app.argv() == [
        "--file", "src/build/Dockerfile",
        "--tag", "registry.example.com/g/app:latest",
        "--tag", "registry.example.com/g/app:${literal}",
        "--build-arg", "PYTHON=3.12", "--build-arg", "MODE=app",
        "--label", "org.opencontainers.image.source=https://example.com/g",
        "--target", "app", "--platform", "linux/amd64", "src"]


def test_nested_groups_expand_in_order_once() -> None:
    assert [b.name for b in _builds(["all", "app"])] == ["app", "worker", "docs"]
    assert [b.name for b in _builds(["docs"])] == ["docs"]
    assert _builds(["docs"])[0].argv()[:2] == ["--file", "./docs.Dockerfile"]


def test_variables_come_from_the_environment_then_the_default() -> None:
    (app,) = _builds(["app"], env={"TAG": "1.2", "UNRELATED": "x"})
    assert app.tags[0] == "registry.example.com/g/app:1.2"  # FULL's default reads TAG
    (app,) = _builds(["app"], env={"FULL": "other.example.com/x:y"})
    assert app.tags[0] == "other.example.com/x:y"


def test_push_and_set_override() -> None:
    app, worker = _builds(["--push", "--set", "*.args.MODE=ci",
                           "--set", "app.tags=a.example.com/x:1",
                           "--set", "app.tags=a.example.com/x:2", "--set", "worker.target=dev",
                           "--no-cache", "--progress", "plain"])
    assert app.push and worker.push
    assert app.tags == ["a.example.com/x:1", "a.example.com/x:2"]
    assert app.args["MODE"] == worker.args["MODE"] == "ci"
    assert worker.target == "dev" and app.no_cache
    assert app.argv()[-2:] == ["--push", "src"]


def test_several_files_merge_and_json_files_read() -> None:
    override = json.dumps({"target": {"docs": {"tags": ["x.example.com/docs:${TAG}"]}}})
    files = {"docker-bake.hcl": BAKE, "docker-bake.override.json": override}
    (docs,) = _builds(["docs"], {"TAG": "7"}, files)
    assert docs.tags == ["x.example.com/docs:7"] and docs.dockerfile == "docs.Dockerfile"
    (docs,) = _builds(["-f", "docker-bake.hcl", "docs"], {}, files)
    assert docs.tags == ["registry.example.com/g/docs:latest"]


def test_print_shows_the_resolved_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docker-bake.hcl").write_text(BAKE)
    monkeypatch.chdir(tmp_path)
    assert bake.main(["--print", "docs"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["target"]["docs"]["tags"] == ["registry.example.com/g/docs:latest"]


@pytest.mark.parametrize("text, argv, named", [
    ('target "default" {\n  tags = [lower("A")]\n}\n', [], 'lower("A")'),
    ('target "default" {\n  tags = ["x:${lower(TAG)}"]\n}\nvariable "TAG" {}\n', [], "lower(TAG)"),
    ('variable "A" { default = "a" }\ntarget "default" {\n  tags = [A == "a" ? "x" : "y"]\n}\n',
     [], "expression"),
    ('target "default" {\n  matrix = { v = ["1", "2"] }\n  name = "t-${v}"\n}\n', [], "'matrix'"),
    ('target "default" {\n  contexts = { base = "docker-image://alpine" }\n}\n', [], "'contexts'"),
    ('target "default" {\n  secret = ["id=npm,src=.npmrc"]\n}\n', [], "'secret'"),
    ('target "default" {\n  ssh = ["default"]\n}\n', [], "'ssh'"),
    ('target "default" {\n  attest = ["type=sbom"]\n}\n', [], "'attest'"),
    ('target "default" {\n  dockerfile-inline = "FROM alpine"\n}\n', [], "'dockerfile-inline'"),
    ('target "default" {\n  output = ["type=local,dest=out"]\n}\n', [], "output type=local"),
    ('target "default" {\n  output = ["type=registry,oci-mediatypes=true"]\n}\n', [],
     "does not read 'oci-mediatypes'"),
    ('target "default" {\n  output = ["type=image,name=r.example.com/a:1,push=true"]\n}\n', [],
     "does not read 'name'"),
    ('target "default" {\n  output = ["type=image,push=true,annotation.a=b"]\n}\n', [],
     "does not read 'annotation.a'"),
    ('target "default" {\n  output = ["type=registry,compression=uncompressed"]\n}\n', [],
     "compression=uncompressed: podman's push always compresses"),
    ('target "default" {\n  output = ["type=registry,compression=estargz"]\n}\n', [],
     "does not read 'compression'"),
    ('target "default" {\n  output = ["type=registry,compression-level=3"]\n}\n', [],
     "compression-level=3: podman's push has no compression level"),
    ('target "default" {\n  output = ["type=registry,force-compression=true"]\n}\n', [],
     "force-compression=true: podman's push keeps a layer"),
    ('target "default" {\n  output = ["type=docker,compression=zstd"]\n}\n', [],
     "compression=zstd only on an output that pushes"),
    ('target "default" {\n  output = ["type=image,compression=zstd"]\n}\n', [],
     "compression=zstd only on an output that pushes"),
    ('target "a" {\n  tags = ["r.example.com/a:1"]\n}\n',
     ["--set", "a.output=type=registry,compression=zstd",
      "--set", "a.output=type=registry,compression=gzip", "a"], "one compression"),
    ('target "default" {\n  platforms = ["linux/amd64", "linux/arm64"]\n}\n', [],
     "linux/amd64, linux/arm64"),
    ('target "default" {\n  tags = ["x:${NOPE}"]\n}\n', [], "${NOPE}, which no variable"),
    ('function "f" {\n  params = []\n  result = "x"\n}\ntarget "default" {}\n', [], "'function'"),
    ('variable "A" {\n  validation {\n    condition = true\n  }\n}\ntarget "default" {}\n', [],
     "'validation'"),
    ('target "default" {\n  tags = ["%{ if true }x%{ endif }"]\n}\n', [], "directive"),
    ('target "default" {\n  inherits = ["default"]\n}\n', [], "inherits from itself"),
    ('target "a" {}\n', [], "no group or target 'default'"),
    ('target "a" {}\n', ["b"], "no target or group named b"),
    ('target "a" {}\n', ["--metadata-file", "m.json", "a"], "option --metadata-file"),
    ('target "a" {}\n', ["--set", "a.secrets=x", "a"], "'secrets'"),
    ('target "a" {}\n', ["--set", "a.platform=linux/amd64,linux/arm64", "a"], "platforms"),
    ('target "a" {\n', [], "can't be parsed as HCL"),
    ('target "default" {\n  context = "https://github.com/o/r.git"\n}\n', [], "context https"),
])
def test_what_is_not_evaluated_exactly_is_refused_by_name(text: str, argv: list[str],
                                                           named: str) -> None:
    assert named in _refusal(argv, text)


@pytest.mark.parametrize("output, pushes, attributes", [
    ("type=registry,compression=zstd", True, ["compression=zstd"]),
    ("type=image,push=true,compression=gzip", True, ["compression=gzip"]),
    ("type=image,compression=zstd,push=true,force-compression=false", True,
     ["compression=zstd", "force-compression=false"]),
    ("type=image,push=false", False, []),
    ("type=docker", False, []),
])
def test_push_compression_is_read_from_the_output(output: str, pushes: bool,
                                                  attributes: list[str]) -> None:
    text = 'target "a" {\n  tags = ["r.example.com/a:1"]\n}\n'
    (found,) = _builds(["--set", f"a.output={output}", "a"], {}, {"docker-bake.hcl": text})
    assert (found.push, found.push_attributes) == (pushes, attributes)
    words = found.argv()
    if attributes:  # the wrapper reads --output as it reads a docker build's
        assert words[words.index("--output") + 1] == ",".join(["type=registry", *attributes])
        assert "--push" not in words
    else:
        assert "--output" not in words and ("--push" in words) == pushes


def test_bake_push_keeps_the_outputs_compression() -> None:
    text = ('target "a" {\n  tags = ["r.example.com/a:1"]\n'
            '  output = ["type=image,compression=zstd,push=true"]\n}\n')
    (found,) = _builds(["--push", "a"], {}, {"docker-bake.hcl": text})
    assert found.push and found.push_attributes == ["compression=zstd"]


def test_files_the_reader_does_not_take() -> None:
    with pytest.raises(BakeRefused, match=r"compose\.yaml as a bake source"):
        bake.builds([], _read({"compose.yaml": "services: {}\n", "docker-bake.hcl": BAKE}), {})
    with pytest.raises(BakeRefused, match=r"no docker-bake\.hcl"):
        bake.builds([], _read({}), {})
    with pytest.raises(BakeRefused, match="compose file"):
        bake.builds(["-f", "compose.yml"], _read({"compose.yml": "services: {}\n"}), {})
    with pytest.raises(BakeRefused, match=r"bake file other\.hcl not found"):
        bake.builds(["-f", "other.hcl"], _read({}), {})


def test_a_variable_taking_a_several_platform_value_at_run_time_is_refused() -> None:
    text = ('variable "P" { default = "linux/amd64" }\n'
            'target "default" {\n  platforms = ["${P}"]\n}\n')
    assert _builds([], {}, {"docker-bake.hcl": text})[0].platform == "linux/amd64"
    assert "linux/amd64, linux/arm64" in _refusal([], text, {"P": "linux/amd64,linux/arm64"})


# --- one implementation, two places ---------------------------------------------------------

def test_the_module_is_the_image_file() -> None:
    module = REPO / "runner_ext" / "migrate" / "shim" / "bake.py"
    assert module.is_symlink() and module.resolve() == (SHIM / "bake.py").resolve()
    assert module.read_bytes() == (SHIM / "bake.py").read_bytes()


def test_the_image_pins_the_parser_the_project_requires() -> None:
    from importlib.metadata import version

    dockerfile = (SHIM / "Dockerfile").read_text()
    pinned = re.search(r"python-hcl2==(\S+)", dockerfile)
    assert pinned and pinned.group(1) == version("python-hcl2")
    major = pinned.group(1).split(".")[0]
    assert f'"python-hcl2>={major}.' in (REPO / "pyproject.toml").read_text()


# --- the wrapper ----------------------------------------------------------------------------

@pytest.fixture
def shim(tmp_path: Path) -> Shim:
    found = Shim(tmp_path)
    (found.project / "docker-bake.hcl").write_text(BAKE)
    return found


def test_wrapper_builds_each_target_through_its_build_path_then_pushes(shim: Shim) -> None:
    done = shim.run("buildx", "bake", "--push", "--progress", "plain", TAG="9")
    assert done.returncode == 0, done.stderr
    podman = ["podman", "--storage-driver", "vfs"]
    cache = ["--layers", "--cache-from", "registry.example.com/g/app/cache",
             "--cache-to", "registry.example.com/g/app/cache"]
    argvs = shim.argvs()
    assert argvs[0][:6 + len(cache)] == [*podman, "build", "--isolation", "chroot", *cache]
    assert "--push" not in argvs[0] and argvs[0][-1] == "src"
    assert "registry.example.com/g/app:9" in argvs[0]
    assert argvs[1:3] == [[*podman, "push", "registry.example.com/g/app:9"],
                          [*podman, "push", "registry.example.com/g/app:${literal}"]]
    assert argvs[3][:4] == [*podman, "build"] and "registry.example.com/g/worker/cache" in argvs[3]
    assert argvs[4:] == [[*podman, "push", "registry.example.com/g/worker:9"]]
    assert "docker buildx bake: target app" in done.stderr
    assert "docker buildx bake: target worker" in done.stderr


def test_wrapper_without_push_only_builds_what_is_not_pushed(shim: Shim) -> None:
    done = shim.run("buildx", "bake", "app", "--load")
    assert done.returncode == 0, done.stderr
    assert [a[3] for a in shim.argvs()] == ["build"]


def test_wrapper_refuses_with_the_readers_line_and_runs_nothing(shim: Shim) -> None:
    (shim.project / "docker-bake.hcl").write_text(
        'target "default" {\n  secret = ["id=npm,src=.npmrc"]\n}\n')
    done = shim.run("buildx", "bake")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "runner-ext shim: docker buildx bake: target default sets 'secret', which the shim's "
        "bake does not evaluate")
    assert shim.argvs() == []


def test_wrapper_pushes_with_the_outputs_compression_and_reads_the_cache_only(
        shim: Shim) -> None:
    done = shim.run("buildx", "bake", "--progress", "plain", "app", "--set",
                    "*.output=type=registry,compression=zstd", TAG="9")
    assert done.returncode == 0, done.stderr
    podman = ["podman", "--storage-driver", "vfs"]
    build, *pushes = shim.argvs()
    assert "--output" not in build and "--push" not in build
    assert "--cache-from" in build and "--cache-to" not in build
    assert "the registry layer cache is read, not written" in done.stderr
    assert pushes == [[*podman, "push", "--compression-format", "zstd", tag]
                      for tag in ("registry.example.com/g/app:9",
                                  "registry.example.com/g/app:${literal}")]


def test_wrapper_gzip_push_keeps_writing_the_cache(shim: Shim) -> None:
    done = shim.run("buildx", "bake", "app", "--set",
                    "app.output=type=image,push=true,compression=gzip,force-compression=false")
    assert done.returncode == 0, done.stderr
    build, push, _ = shim.argvs()
    assert build[build.index("--cache-to") + 1] == "registry.example.com/g/app/cache"
    assert push[3:6] == ["push", "--compression-format", "gzip"]


def test_wrapper_print_builds_nothing(shim: Shim) -> None:
    done = shim.run("bake", "--print", "docs")  # `docker bake`, the newer spelling
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["target"]["docs"]["dockerfile"] == "docs.Dockerfile"
    assert shim.argvs() == []


# --- the migration's decision -----------------------------------------------------------------

def _migrated(root: Path, script: str, files: dict[str, str], strategy: str = "auto"
              ) -> JobOutcome:
    ci = f"build:\n  image: docker:27\n  services: [docker:27-dind]\n  script:\n{script}"
    for name, text in {**files, ".gitlab-ci.yml": ci}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (found,) = migrate_project(LocalSource(root), config=OrgConfig(), strategy=strategy).jobs
    return found


def test_a_bake_file_in_the_folder_the_script_enters_is_read(tmp_path: Path) -> None:
    outcome = _migrated(tmp_path, "    - cd images && TAG=$CI_COMMIT_SHA docker buildx bake "
                        "--push all\n", {"images/docker-bake.hcl": BAKE})
    assert outcome.status == "migrated" and outcome.strategy == "shim", outcome.reason
    assert any(change.endswith(": app, worker, docs") for change in outcome.changes)


def test_a_bake_pushing_zstd_goes_to_the_shim_and_other_attributes_stay(tmp_path: Path
                                                                       ) -> None:
    line = '    - docker buildx bake app --set *.output="type=registry,{}"\n'
    outcome = _migrated(tmp_path / "zstd", line.format("compression=zstd"),
                        {"docker-bake.hcl": BAKE})
    assert outcome.status == "migrated" and outcome.strategy == "shim", outcome.reason
    kept = _migrated(tmp_path / "mediatypes", line.format("oci-mediatypes=true"),
                     {"docker-bake.hcl": BAKE})
    assert kept.status == "left" and "does not read 'oci-mediatypes'" in kept.reason


def test_a_build_output_is_decided_as_the_wrapper_reads_it(tmp_path: Path) -> None:
    line = ('    - docker buildx build --output "type=registry,{}" '
            '-t "$CI_REGISTRY_IMAGE:1" .\n')
    files = {"Dockerfile": "FROM alpine:3.20\n"}
    # --output has no declarative equivalent, so the shim is asked for by name
    outcome = _migrated(tmp_path / "zstd", line.format("compression=zstd"), files, "shim")
    assert outcome.status == "migrated" and outcome.strategy == "shim", outcome.reason
    kept = _migrated(tmp_path / "level", line.format("compression-level=9"), files, "shim")
    assert kept.status == "left"
    assert "compression-level=9: podman's push has no compression level" in kept.reason


def test_a_bake_file_the_job_writes_as_it_runs_is_named(tmp_path: Path) -> None:
    outcome = _migrated(tmp_path, "    - ./make-bake.sh > gen.hcl\n"
                        "    - docker buildx bake --push -f gen.hcl\n",
                        {"make-bake.sh": "#!/bin/sh\necho 'target \"default\" {}'\n"})
    assert outcome.status == "left"
    assert "reads the bake file gen.hcl, which the project does not have" in outcome.reason


def test_a_pushed_target_of_several_platforms_is_one_multi_platform_build() -> None:
    text = ('target "default" {\n  tags = ["r.example.com/a:1"]\n'
            '  platforms = ["linux/amd64", "linux/arm64"]\n}\n')
    (build,) = _builds(["--push"], {}, {"docker-bake.hcl": text})
    assert build.platform == "linux/amd64,linux/arm64"
    argv = build.argv()
    assert argv[argv.index("--platform") + 1] == "linux/amd64,linux/arm64"
    assert bake.as_dict([build])["target"]["default"]["platforms"] == ["linux/amd64",
                                                                       "linux/arm64"]
    (by_output,) = _builds(["--set", "default.output=type=registry"], {},
                           {"docker-bake.hcl": text})
    assert by_output.push and by_output.platform == "linux/amd64,linux/arm64"
    assert "without pushing them" in _refusal([], text)
