"""The warmer reads base images as rule RXD109 does (one reading: the Dockerfile model).

The warmer used to resolve ``FROM`` with its own parser and skipped every ``${A:-word}``
and ``${A:+word}``, which RXD109 resolves: ``FROM ${BASE:-node:20}`` was checked by the rule
but never warmed.
"""

from __future__ import annotations

import pytest

from runner_ext.dockerfile import analyze_dockerfile
from runner_ext.errors import Category, RunnerExtError
from runner_ext.kube.warmer import base_images

CASES = [
    ("ARG BASE\nFROM ${BASE:-node:20}\n", ["node:20"]),
    ("ARG BASE=python:3.12-slim\nFROM ${BASE:-node:20}\n", ["python:3.12-slim"]),
    ("ARG V\nFROM alpine:${V:-3.20}\n", ["alpine:3.20"]),
    ("ARG SLIM=1\nFROM python:3.12${SLIM:+-slim}\n", ["python:3.12-slim"]),
    ("ARG BASE\nFROM $BASE\nFROM ${BASE}\n", []),  # only --build-arg can say
    ("FROM golang:1.23 AS Build\nFROM build\nFROM scratch\n", ["golang:1.23"]),
    ("ARG B=debian:12\nFROM $B AS base\nFROM base\nFROM ${B}\n", ["debian:12", "debian:12"]),
]


@pytest.mark.parametrize(("text", "images"), CASES)
def test_warmed_images_are_the_resolved_bases(text: str, images: list[str]) -> None:
    assert base_images(text, "Dockerfile") == images


def test_warmer_and_rxd109_agree_on_a_default_in_from() -> None:
    text = "ARG BASE\nFROM ${BASE:-node}\nRUN true\n"
    (finding,) = [f for f in analyze_dockerfile("Dockerfile", text).findings
                  if f.rule_id == "RXD109"]
    assert "= node through ARG BASE" in finding.message
    assert base_images(text, "Dockerfile") == ["node"]


def test_unparsable_dockerfile_is_an_input_error_naming_the_file() -> None:
    with pytest.raises(RunnerExtError) as error:
        base_images("FROM\n", "app/Dockerfile")
    assert error.value.category is Category.INPUT
    assert "app/Dockerfile" in str(error.value)
