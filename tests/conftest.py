"""Shared fixtures: the repository root, the study configuration and the example drop."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from cohort_eval import io
from cohort_eval.config import load_activities, load_codebook, load_instrument

ROOT = Path(__file__).resolve().parents[1]

# Property tests: the same examples every run (a failure is reproducible, CI is not flaky),
# nothing stored in the repository (.hypothesis/), no per-example deadline on a shared machine.
# A deeper, random search for bugs: pytest tests/unit/test_properties.py --hypothesis-profile=fuzz
settings.register_profile("cohort-eval", derandomize=True, database=None, deadline=None)
settings.register_profile("fuzz", max_examples=3000, database=None, deadline=None)
settings.load_profile("cohort-eval")
EXAMPLE = ROOT / "resources" / "example"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def instrument():
    return load_instrument(io.read_yaml(ROOT / "config" / "instrument.yaml"))


@pytest.fixture(scope="session")
def codebook():
    return load_codebook(io.read_yaml(ROOT / "config" / "codebook.yaml"))


@pytest.fixture(scope="session")
def activities():
    return load_activities(io.read_yaml(ROOT / "config" / "activities.yaml"))
