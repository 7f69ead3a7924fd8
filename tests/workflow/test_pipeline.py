"""End-to-end: lint, dry run and real runs of the pipeline on temporary copies of drops."""

from __future__ import annotations

import csv
import json
import re

import pytest

from .helpers import make_workdir, snakemake

pytestmark = pytest.mark.workflow
STUDY_TABLE_2 = (
    "Category,Pre Mean ± SD,Pre Range,Post Mean ± SD,Post Range,Z,p\n"
    "Communication,2.7 ± 1.1,1-4,3.9 ± 0.5,3-5,-3.42,0.001\n"
    "Networking,3.3 ± 0.9,1-5,4.2 ± 0.6,3-5,-4.61,<0.001\n"
    "Policy,2.8 ± 1.2,1-5,4.1 ± 0.7,3-5,-4.11,<0.001\n"
    "Management,2.8 ± 1.1,1-5,3.7 ± 0.8,2-5,-6.70,<0.001\n"
)
INPUTS = ["activity_diary", "diary_segments", "roster", "survey_post", "survey_pre"]


def _rows(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_schema_error_of_the_configuration_is_named(tmp_path):
    cohort = {"drop": "drops/example", "start": "2023-09-04", "months": 0, "colour": "red"}
    workdir = make_workdir(tmp_path, {"example": None}, {"cohorts": {"example": cohort}})
    result = snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert "configuration error: the configuration does not match config.schema.yaml" in text
    assert "$.cohorts.example.months: 0 is less than the minimum of 1" in text
    assert (
        "$.cohorts.example: Additional properties are not allowed ('colour' was unexpected)" in text
    )


def test_lint_reports_only_the_conda_container_lint(tmp_path):
    workdir = make_workdir(tmp_path, {"example": None})
    result = snakemake(workdir, "--lint")
    lints = set(re.findall(r"^\s+\* (.+?):?$", result.stderr + result.stdout, re.M))
    assert lints == {"Specify a conda environment or container for each rule."}, result.stderr


def test_example_runs_then_reruns_nothing(example_run):
    workdir, dry, run = example_run.workdir, example_run.dry, example_run.run
    assert dry.returncode == 0, dry.stderr
    cohorts = len(example_run.cohorts)
    assert re.search(rf"validate_drop\s+{cohorts}\n", dry.stdout + dry.stderr)
    assert run.returncode == 0, run.stderr
    for cohort in example_run.cohorts:
        _check_example_results(workdir / "results" / cohort)
    again = snakemake(workdir, "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr


def _check_example_results(results):
    """The example's validation records, Table 2, survey and diary tables and figures."""
    validation = results / "validation"
    for name in INPUTS:
        record = json.loads((validation / f"{name}.json").read_text())
        assert record["success"] and record["messages"] == []
        assert all(s["result"]["success"] for s in record["suites"])
        marker = json.loads((validation / f"{name}.ok.json").read_text())
        assert len(marker["sha256"]) == 64 and marker["rows"] > 0
    table2 = (results / "tables" / "table2.csv").read_text(encoding="utf-8")
    assert table2 == STUDY_TABLE_2
    domains = _rows(results / "tables" / "survey_domains.csv")
    assert {(r["domain"], r["unit"]) for r in domains} == {
        (d, u)
        for d in ("communication", "networking", "policy", "management")
        for u in ("item_pairs", "participant")
    }
    for name in ("survey_likert", "survey_domains"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 10_000
        assert (results / "figures" / f"{name}.svg").read_text().startswith("<?xml")
    assert len(_rows(results / "tables" / "survey_items.csv")) == 34
    phases = _rows(results / "tables" / "activity_phases.csv")
    meetings = [float(r["percent"]) for r in phases if r["category"] == "meeting_attendance"]
    assert len(meetings) == 2 and all(9.6 <= m <= 10.2 for m in meetings)
    compliance = _rows(results / "tables" / "diary_compliance.csv")
    flagged = [r for r in compliance if r["gap_over_14_days"] == "True"]
    assert len(compliance) == 6 and len(flagged) == 1 and flagged[0]["longest_gap_days"] == "28"
    threads = _rows(results / "tables" / "threads_by_stage.csv")
    assert len(threads) == 12 and all(r["exemplar"] for r in threads)


def test_cohort_id_must_be_a_valid_wildcard(tmp_path):
    workdir = make_workdir(tmp_path, {"Bad Cohort": None})
    result = snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "the cohort id 'Bad Cohort' is not allowed; expected lower-case letters" in output


def test_missing_drop_file_is_named(tmp_path):
    workdir = make_workdir(tmp_path, {"gap": None})
    (workdir / "drops" / "gap" / "survey_post.csv").unlink()
    result = snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    assert "has no survey_post.csv or survey_post.xlsx" in result.stdout + result.stderr


def test_stages_must_reach_the_last_month_of_every_cohort(tmp_path):
    workdir = make_workdir(tmp_path, {"long": None})
    config = (workdir / "config.yaml").read_text().replace("months: 6", "months: 9")
    (workdir / "config.yaml").write_text(config)
    result = snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    assert (
        "cohort long: the secondment has 9 months but the stages of"
        in result.stdout + result.stderr
    )


def test_publication_mode_cannot_make_participant_level_tables(tmp_path):
    workdir = make_workdir(
        tmp_path, {"pub": None}, {"disclosure": {"mode": "publication", "threshold": 5}}
    )
    assert snakemake(workdir, "--dry-run").returncode == 0
    for table in ("code_participants", "activity_participant_shares"):
        result = snakemake(workdir, "--dry-run", f"results/.build/pub/tables/{table}.csv")
        assert result.returncode != 0, table
        assert "MissingRuleException" in result.stdout + result.stderr
