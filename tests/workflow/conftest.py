"""The run most workflow tests read: two copies of the example drop, ``north`` and ``south``,
made once per session by one Snakemake invocation (after a dry run of it). Tests only read it:
a test that changes a drop, the configuration or the results first clones it (helpers.clone)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import make_workdir, snakemake


@dataclass(frozen=True)
class ExampleRun:
    workdir: Path
    dry: subprocess.CompletedProcess[str]  # the dry run before the run
    run: subprocess.CompletedProcess[str]
    cohorts: tuple[str, ...] = ("north", "south")

    @property
    def results(self) -> Path:
        return self.workdir / "results"


@pytest.fixture(scope="session")
def example_run(tmp_path_factory) -> ExampleRun:
    cohorts = ExampleRun.cohorts
    workdir = make_workdir(tmp_path_factory.mktemp("example"), dict.fromkeys(cohorts))
    dry = snakemake(workdir, "--dry-run")
    return ExampleRun(workdir, dry, snakemake(workdir), cohorts)
