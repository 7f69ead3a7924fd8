"""The example drop re-expressed as the tools export it gives the same results as its tables."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from cohort_eval.simulate import reexpress_drop

from .helpers import ROOT, make_workdir, snakemake

EXAMPLE = ROOT / "resources" / "example"
SAME = [
    "tables/activity_phases.csv",
    "tables/activity_change.csv",
    "tables/code_frequencies.csv",
    "tables/threads_by_stage.csv",
    "tables/critical_events.csv",
    "tables/diary_compliance.csv",
]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _same_table(a: Path, b: Path) -> None:
    left, right = _rows(a), _rows(b)
    assert len(left) == len(right), a.name
    for x, y in zip(left, right, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            try:
                assert float(x[key]) == pytest.approx(float(y[key]), abs=1e-6), (a.name, key)
            except ValueError:
                assert x[key] == y[key], (a.name, key)


def test_calendar_and_qdpx_exports_give_the_tables_results(tmp_path):
    drops = tmp_path / "sources"
    reexpress_drop(EXAMPLE, drops / "outlook", "outlook", "qdpx", ROOT)
    reexpress_drop(EXAMPLE, drops / "ics", "ics", "none", ROOT)
    assert (drops / "outlook" / "calendars").is_dir()
    assert zipfile.is_zipfile(drops / "outlook" / "diary_segments.qdpx")
    workdir = make_workdir(
        tmp_path / "run",
        {"example": None, "outlook": drops / "outlook", "ics": drops / "ics"},
    )
    run = snakemake(workdir)
    assert run.returncode == 0, run.stderr[-3000:]
    results = workdir / "results"
    for name in SAME:
        _same_table(results / "example" / name, results / "outlook" / name)
        _same_table(results / "example" / name, results / "ics" / name)
    for form in ("outlook", "ics"):
        figure = Path("figures") / "activity_phases.svg"
        assert (results / form / figure).read_bytes() == (results / "example" / figure).read_bytes()
    marker = (results / "outlook" / "validation" / "activity_diary.json").read_text()
    assert "@" not in marker  # calendar files are named by participant reference: never written
    assert '"form": "calendars"' in marker


def test_calendar_with_unmapped_category_names_file_row_and_value(tmp_path):
    drop = tmp_path / "drop"
    reexpress_drop(EXAMPLE, drop, "outlook", "none", ROOT)
    first = sorted((drop / "calendars").iterdir())[0]
    rows = list(csv.reader(io.StringIO(first.read_bytes().decode("utf-8-sig"), newline="")))
    rows[2][rows[0].index("Categories")] = "Lunch"  # spreadsheet row 3
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    first.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    workdir = make_workdir(tmp_path / "run", {"broken": drop})
    run = snakemake(workdir)
    assert run.returncode != 0
    assert "calendars file 1 of 7" in run.stderr and "row 3" in run.stderr
    assert "'Lunch'" in run.stderr and f"calendars/{first.name}" in run.stderr  # terminal only
    assert "Traceback" not in run.stderr
    log = (workdir / "results" / "broken" / "validation" / "activity_diary.json").read_text()
    assert "'Lunch'" in log and first.name not in log
