"""End-to-end: lint, dry run and real runs of the pipeline on temporary copies of drops."""

from __future__ import annotations

import json
import re

import pytest

from .helpers import make_workdir, snakemake

pytestmark = pytest.mark.workflow
INPUTS = ["activity_diary", "diary_segments", "roster", "survey_post", "survey_pre"]


def test_lint_reports_only_the_conda_container_lint(tmp_path):
    workdir = make_workdir(tmp_path, {"example": None})
    result = snakemake(workdir, "--lint")
    lints = set(re.findall(r"^\s+\* (.+?):?$", result.stderr + result.stdout, re.M))
    assert lints == {"Specify a conda environment or container for each rule."}, result.stderr


def test_example_runs_then_reruns_nothing(tmp_path):
    workdir = make_workdir(tmp_path, {"example": None})
    dry = snakemake(workdir, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert re.search(r"validate_raw_input\s+5", dry.stdout + dry.stderr)
    run = snakemake(workdir)
    assert run.returncode == 0, run.stderr
    validation = workdir / "results" / "example" / "validation"
    for name in INPUTS:
        record = json.loads((validation / f"{name}.json").read_text())
        assert record["success"] and record["messages"] == []
        assert all(s["result"]["success"] for s in record["suites"])
        marker = json.loads((validation / f"{name}.ok.json").read_text())
        assert len(marker["sha256"]) == 64 and marker["rows"] > 0
    again = snakemake(workdir, "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_cohort_id_must_be_a_valid_wildcard(tmp_path):
    workdir = make_workdir(tmp_path, {"Bad Cohort": None})
    result = snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Bad Cohort" in output and "does not match" in output


def test_missing_drop_file_is_named(tmp_path):
    workdir = make_workdir(tmp_path, {"gap": None})
    (workdir / "drops" / "gap" / "survey_post.csv").unlink()
    result = snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    assert "has no survey_post.csv or survey_post.xlsx" in result.stdout + result.stderr
