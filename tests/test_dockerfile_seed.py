"""The seed article's two Dockerfiles: the first is flagged and fixed, the second is clean."""

from __future__ import annotations

from test_dockerfile_golden import analyze_case


def test_first_seed_dockerfile_gets_the_stage_bug_and_the_cache_fix() -> None:
    report = analyze_case("seed-first")
    by_rule = {f.rule_id: f for f in report.findings}
    assert by_rule["RXD101"].line == 11 and "build-env" in by_rule["RXD101"].message
    cache = by_rule["RXD102"]
    assert cache.line == 6 and cache.fix is not None and cache.fix.safe
    fixed = report.fixed_text.splitlines()
    assert report.text.splitlines()[:5] == fixed[:5]
    assert fixed[5:15] == [
        "# Dependency manifests first: the restore below stays cached until they change.",
        "COPY app.sln ./",
        "COPY src/Module1/Module1.csproj ./src/Module1/",
        "COPY src/Module2/Module2.csproj ./src/Module2/",
        "COPY src/app/app.csproj src/app/nuget.config ./src/app/",
        "COPY tests/app.Test/app.Test.csproj ./tests/app.Test/",
        "COPY tests/app.integrity.Test/app.integrity.Test.csproj ./tests/app.integrity.Test/",
        "RUN dotnet restore   src/app/app.csproj --configfile src/app/nuget.config",
        "COPY . ./",
        "RUN dotnet publish src/app/apptifier.csproj -c Release -o /app/out",
    ]
    assert report.text.splitlines()[8:] == fixed[15:]


def test_second_seed_dockerfile_has_neither_problem() -> None:
    rules = {f.rule_id for f in analyze_case("seed-second").findings}
    assert not rules & {"RXD101", "RXD102", "RXD103", "RXD107"}
