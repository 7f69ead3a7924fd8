"""End-to-end: the cross-cohort summary of two cohorts, its publication, Snakemake's own report
(also in publication mode), and a change to one cohort's drop rerunning that cohort and the
summary only."""

from __future__ import annotations

import base64
import csv
import json
import re
import zipfile

import pytest
import yaml

from cohort_eval.verify import verify

from .helpers import clone, snakemake

pytestmark = pytest.mark.workflow
DOMAINS = ("communication", "networking", "policy", "management")
SUMMARY_RULES = {"summarise_cohorts", "publish_summary", "all"}


def _planned(output: str) -> list[tuple[str, str]]:
    """(rule, wildcards) of every job a dry run lists."""
    jobs: list[tuple[str, str]] = []
    for line in output.splitlines():
        start = re.match(r"^(?:local)?rule (\w+):$", line)
        if start:
            jobs.append((start.group(1), ""))
        elif jobs and (found := re.match(r"^\s+wildcards: (.*)$", line)):
            jobs[-1] = (jobs[-1][0], found.group(1))
    return jobs


def _report(workdir, path):
    result = snakemake(workdir, "--report", str(path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "downloading" not in result.stdout + result.stderr  # assets bundled: works offline
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        page = archive.read(f"{path.stem}/report.html")
    return names, page.decode("utf-8")


def test_summary_of_two_cohorts_report_zip_and_incremental_rerun(example_run, tmp_path):
    workdir, run = example_run.workdir, example_run.run
    assert run.returncode == 0, run.stderr[-3000:]
    results = workdir / "results"
    folder = results / "summary"
    assert folder.is_symlink() and verify(folder) == []

    with (folder / "cohort_summary.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 * 4 * 2
    assert {(r["cohort"], r["domain"], r["unit"]) for r in rows} == {
        (c, d, u)
        for c in ("north", "south")
        for d in DOMAINS
        for u in ("participant", "item_pairs")
    }
    first = rows[0]
    assert (first["cohort"], first["domain"], first["unit"]) == ("north", DOMAINS[0], "participant")
    assert float(first["change"]) == pytest.approx(
        float(first["post_mean"]) - float(first["pre_mean"])
    )

    page = (folder / "summary.html").read_text(encoding="utf-8")
    embedded = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    text = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"https?:|www\.|//", text)  # no URL outside the embedded figure
    assert all(link.startswith("#") for link in re.findall(r'href="([^"]*)"', text))
    assert "<script" not in page and "<title>Cross-cohort summary</title>" in page
    assert [base64.b64decode(e) for e in embedded] == [(folder / "forest.svg").read_bytes()]
    assert "north (n = 6)" in page and "south (n = 6)" in page
    assert "Small cohorts give wide intervals" in page

    record = json.loads((folder / "provenance.json").read_text())
    for entry in record["inputs"]:
        cohort = json.loads((results / entry["cohort"] / "provenance.json").read_text())
        assert entry["cohort_run_id"] == cohort["run_id"] and entry["same_as_published"]
    assert sorted(o["path"] for o in record["outputs"]) == [
        "cohort_summary.csv",
        "forest.png",
        "forest.svg",
        "summary.html",
    ]

    names, report = _report(workdir, tmp_path / "report.zip")
    for name in ("table2.csv", "table2.html", "activity_phases.png", "diary_compliance.csv"):
        assert sum(n.endswith(f"/{name}") for n in names) == 2, name
    for cohort in ("north", "south"):
        assert f'"File": "{cohort}/tables/table2.html"' in report
        assert f'"File": "{cohort}/figures/activity_phases.png"' in report
    assert (
        sum(n.endswith(("/summary.html", "/forest.png", "/cohort_summary.csv")) for n in names) == 3
    )
    assert "<strong>Fig. 1</strong> of cohort" in report

    # Publication mode: the participant-level files are not in Snakemake's report. This and
    # the edited drop below change the example's run: they are made on a copy of it.
    workdir = clone(workdir, tmp_path / "work")
    config_file = workdir / "config.yaml"
    internal = config_file.read_text()
    config = yaml.safe_load(internal)
    config["disclosure"]["mode"] = "publication"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    names, _ = _report(workdir, tmp_path / "publication.zip")
    assert not [n for n in names if "diary_compliance" in n or "disagreements" in n]
    assert sum(n.endswith("/table2.html") for n in names) == 2
    config_file.write_text(internal)

    survey = workdir / "drops" / "south" / "survey_post.csv"
    survey.write_text(survey.read_text().replace("Quite confident", "Very confident", 1))
    dry = snakemake(workdir, "--dry-run")
    assert dry.returncode == 0, dry.stderr[-3000:]
    jobs = _planned(dry.stdout + dry.stderr)
    rules = {rule for rule, _ in jobs}
    assert {"analyse_survey", "publish_cohort"} | SUMMARY_RULES <= rules
    others = [(r, w) for r, w in jobs if r not in SUMMARY_RULES and "cohort=south" not in w]
    assert others == []
    assert all(w == "" for r, w in jobs if r in SUMMARY_RULES)
