"""End-to-end: the cohort report of the example, its reruns, and the same cohort switched to
publication mode."""

from __future__ import annotations

import base64
import re

import pytest
import yaml

from .helpers import ROOT, make_workdir, snakemake

pytestmark = pytest.mark.workflow
PID = re.compile(r"P-[0-9a-f]{6,16}")
DATA_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]*)")
FIGURES = [
    "survey_likert",
    "survey_domains",
    "activity_phases",
    "code_frequencies",
    "threads_by_stage",
    "diary_compliance",
]


def test_report_of_the_example_then_in_publication_mode(tmp_path):
    workdir = make_workdir(tmp_path, {"example": None})
    run = snakemake(workdir)
    assert run.returncode == 0, run.stderr
    results = workdir / "results" / "example"
    report = results / "report.html"
    first = report.read_bytes()
    page = first.decode("utf-8")

    embedded = [base64.b64decode(data) for data in DATA_URI.findall(page)]
    assert embedded == [(results / "figures" / f"{name}.svg").read_bytes() for name in FIGURES]
    outside = DATA_URI.sub("", page)
    assert "http://" not in outside and "https://" not in outside
    assert str(tmp_path) not in page and str(ROOT) not in page
    for value in ("-3.42", "-4.61", "-4.11", "-6.70", "&lt;0.001", "2.7 ± 1.1", "3.7 ± 0.8"):
        assert f"<td>{value}</td>" in page, value
    assert "coded by a single coder" in page
    assert PID.search(page)  # internal mode: contract hours and diary compliance by pid

    again = snakemake(workdir, "--forcerun", "render_report")
    assert again.returncode == 0, again.stderr
    assert "render_report" in again.stdout + again.stderr
    assert report.read_bytes() == first

    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["disclosure"] = {"mode": "publication", "threshold": 5}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    published = snakemake(workdir)
    assert published.returncode == 0, published.stderr
    page = report.read_text(encoding="utf-8")
    assert page.encode("utf-8") != first
    assert not PID.search(page)
    assert "Publication mode" in page and "Survey comments" not in page
    assert len(DATA_URI.findall(page)) == len(FIGURES) - 1
    assert "<td>-6.70</td>" in page
