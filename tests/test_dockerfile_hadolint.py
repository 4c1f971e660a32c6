"""Where our rules overlap hadolint's, both flag the same lines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import require_tool

from runner_ext.dockerfile import analyze_dockerfile

# hadolint code → our rule, for the checks both tools make
OVERLAP = {"DL3009": "RXD103", "DL3019": "RXD103", "DL3014": "RXD104", "DL3015": "RXD105",
           "DL3027": "RXD106", "DL3006": "RXD109", "DL3007": "RXD109"}

SAMPLES = {
    "apt": """FROM debian:12.5
RUN apt-get update && apt-get install -y curl
RUN apt-get update \\
 && apt-get install --no-install-recommends git \\
 && rm -rf /var/lib/apt/lists/*
RUN apt update && apt install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends make \\
 && rm -rf /var/lib/apt/lists/*
""",
    "apk-and-tags": """FROM alpine AS tools
RUN apk add curl
FROM python:latest AS app
RUN apk add --no-cache curl
FROM node:20.11-bookworm-slim
RUN apk update && apk add git
""",
}


def _hadolint(tmp_path: Path, text: str) -> set[tuple[str, int]]:
    binary = require_tool("hadolint")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    result = subprocess.run([binary, "-f", "json", "--no-fail", str(dockerfile)],
                            capture_output=True, text=True, check=True, timeout=60)
    return {(OVERLAP[item["code"]], item["line"]) for item in json.loads(result.stdout)
            if item["code"] in OVERLAP}


def test_overlapping_rules_flag_the_same_lines(tmp_path: Path) -> None:
    for name, text in SAMPLES.items():
        theirs = _hadolint(tmp_path, text)
        ours = {(f.rule_id, f.line) for f in analyze_dockerfile("Dockerfile", text).findings
                if f.rule_id in OVERLAP.values()}
        assert theirs, f"{name}: the sample should trigger hadolint"
        assert ours == theirs, f"{name}: ours {sorted(ours)} vs hadolint {sorted(theirs)}"
