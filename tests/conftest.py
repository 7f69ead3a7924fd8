"""Shared fixtures: the repository root, the study configuration and the example drop."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohort_eval import io
from cohort_eval.config import load_activities, load_codebook, load_instrument

ROOT = Path(__file__).resolve().parents[1]
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
