"""The ``ci`` Hypothesis profile makes property tests repeatable; local runs keep exploring (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import hypothesis_profile

ROOT = Path(__file__).resolve().parents[1]
# Imports the suite's conftest (which picks the profile from the environment), then records what one property
# test draws.
DRAW = """
import json
import tests.conftest
from hypothesis import given, settings, strategies as st

seen = []

@given(st.lists(st.integers(), max_size=5))
def prop(xs):
    seen.append(xs)

prop()
print(json.dumps({"derandomize": settings.default.derandomize, "seen": seen}))
"""


def draw(**env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if k not in {"CI", "HYPOTHESIS_PROFILE"}}
    out = subprocess.run(
        [sys.executable, "-c", DRAW], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize(
    ("environ", "profile"),
    [
        ({}, None),
        ({"CI": "true"}, "ci"),
        ({"CI": "1"}, "ci"),
        ({"CI": "false"}, None),
        ({"HYPOTHESIS_PROFILE": "ci"}, "ci"),
        ({"CI": "true", "HYPOTHESIS_PROFILE": "default"}, "default"),
    ],
)
def test_profile_choice(environ: dict[str, str], profile: str | None) -> None:
    assert hypothesis_profile(environ) == profile


@pytest.mark.parametrize("env", [{"CI": "true"}, {"HYPOTHESIS_PROFILE": "ci"}])
def test_ci_profile_draws_the_same_examples_every_run(env: dict[str, str]) -> None:
    first, second = draw(**env), draw(**env)
    assert first["derandomize"] is True
    assert first["seen"] == second["seen"]


def test_local_runs_keep_exploring() -> None:
    first, second = draw(), draw()
    assert first["derandomize"] is False
    assert first["seen"] != second["seen"]  # fresh random examples each run (a clash is astronomically unlikely)
