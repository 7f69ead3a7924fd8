"""The corpus of broken and hostile drops (corpus.py), run end to end as a user would.

Every case must stop its cohort with a message naming the file, row, column and value and
what was expected, without a Python traceback on the terminal, and leave that cohort's
published results byte-identical. To keep this affordable, one Snakemake run (--keep-going)
checks every case: each drop holds at most one case per raw input (the inputs are checked
separately), each drop is a cohort whose earlier publication is a copy of the example run's,
and one more cohort holds the quirks that must not stop a drop. Problems found when
Snakemake starts stop the whole run, so each of those has a run of its own.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from .corpus import CASES, FORMULAS, MAX_FILE_MB, QUIRK_EDITS, QUIRKS, STARTUP, shared_drops
from .helpers import clone, make_workdir, snakemake

pytestmark = pytest.mark.workflow
DROPS = shared_drops(CASES)
DROP_OF = {case.name: drop for drop, held in DROPS.items() for case in held}


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def files_outside(root: Path, workdir: Path) -> set[str]:
    """Every file under ``root`` but the run's own folders (results/, .snakemake/)."""
    own = (workdir / "results", workdir / ".snakemake")
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if not any(p.is_relative_to(o) for o in own)
    }


def publish_copy(published: Path, results: Path, cohort: str) -> None:
    """Give ``cohort`` an earlier publication: a copy of ``published`` as its current version."""
    version = results / ".versions" / cohort / published.resolve().name
    shutil.copytree(published.resolve(), version)
    (results / cohort).symlink_to(os.path.relpath(version, results))


def message_lines(stderr: str) -> list[str]:
    """The lines of every INPUT ERROR block (a block lists one line per problem)."""
    lines = []
    for block in re.findall(r"^INPUT ERROR: (.*?)(?:\n\n|\Z)", stderr, re.M | re.S):
        lines += [line.strip() for line in block.split("\n  ")]
    return lines


@pytest.fixture(scope="module")
def corpus_run(example_run, tmp_path_factory):
    assert example_run.run.returncode == 0, example_run.run.stderr[-3000:]
    root = tmp_path_factory.mktemp("corpus")
    cohorts = [*DROPS, QUIRKS]
    workdir = make_workdir(
        root / "run", dict.fromkeys(cohorts), {"limits": {"max_file_mb": MAX_FILE_MB}}
    )
    for drop, held in DROPS.items():
        for case in held:
            case.edit(workdir / "drops" / drop)
    QUIRK_EDITS(workdir / "drops" / QUIRKS)
    results = workdir / "results"
    for cohort in cohorts:
        publish_copy(example_run.results / "north", results, cohort)
    before = {cohort: tree(results / cohort) for cohort in cohorts}
    outside = files_outside(root, workdir)
    run = snakemake(workdir, "--keep-going", timeout=1800)  # slow on a busy shared machine
    return workdir, run, before, outside


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_drop_stops_its_cohort_with_a_message_and_keeps_its_results(corpus_run, case):
    workdir, run, before, _ = corpus_run
    drop = DROP_OF[case.name]
    assert run.returncode != 0
    prefix = f"drops/{drop}/{case.file}"
    mine = [line for line in message_lines(run.stderr) if line.startswith(prefix)]
    assert mine, f"no message for {prefix}:\n{run.stderr[-3000:]}"
    for fragment in case.expect:
        assert any(fragment in line for line in mine), (fragment, mine)
    assert "Traceback (most recent call last)" not in run.stderr
    assert "INTERNAL ERROR" not in run.stderr
    for value in case.hidden:
        assert value not in run.stderr + run.stdout
    results = workdir / "results"
    assert tree(results / drop) == before[drop]
    assert not (results / ".build" / drop / "published.json").exists()


def test_quirks_are_read_as_meant_and_published(corpus_run):
    workdir, _, before, _ = corpus_run
    results = workdir / "results" / QUIRKS
    assert (workdir / "results" / ".build" / QUIRKS / "published.json").exists()
    assert tree(results) != before[QUIRKS]
    with open(results / "anonymised" / "participants.csv", encoding="utf-8") as handle:
        participants = list(csv.DictReader(handle))
    # 7 in the roster, 1 withdrawn; refs that differ by case or spaces are the same people.
    assert len(participants) == 6
    pairing = json.loads((results / "tables" / "survey_pairing.json").read_text())
    assert pairing["participants"] == {"pre_only": 0, "post_only": 1, "both": 5}
    assert pairing["answers"]["missing_pre"] >= 1  # the blank answer
    activities = (results / "anonymised" / "activities.csv").read_text(encoding="utf-8")
    assert "Café meeting" in activities  # cp1252, as declared in drop.yaml
    pids = {row["pid"] for row in participants}
    with open(results / "anonymised" / "segments.csv", encoding="utf-8") as handle:
        assert {row["pid"] for row in csv.DictReader(handle)} <= pids


def test_no_output_cell_starts_a_formula(corpus_run):
    workdir, *_ = corpus_run
    results = workdir / "results" / QUIRKS
    cells = []
    for path in sorted(results.rglob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            cells += [(path.name, c) for row in csv.reader(handle) for c in row]
    risky = [(name, c) for name, c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert all(re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", c) for _, c in risky), risky
    texts = {c for _, c in cells}
    for formula in FORMULAS:  # each reached an output, made inert
        assert "'" + formula in texts or any(("'" + formula) in t for t in texts), formula


def test_hostile_archives_write_nothing_outside_the_run(corpus_run):
    workdir, run, _, outside = corpus_run
    root = workdir.parent
    assert files_outside(root, workdir) == outside
    assert not list(root.parent.rglob("escaped.txt"))  # the session's temporary folders
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    for path in (workdir / "results").rglob("*"):
        if path.is_file():
            assert passwd.encode() not in path.read_bytes(), path
    assert passwd not in run.stderr + run.stdout


def test_calendar_message_names_the_file_on_the_terminal_only(corpus_run):
    workdir, run, *_ = corpus_run
    drop = DROP_OF["calendar-category"]
    found = re.search(
        rf"^INPUT ERROR: drops/{drop}/calendars: calendars file 1 of 7\b.*?(?:\n\n|\Z)",
        run.stderr,
        re.M | re.S,
    )
    assert found, run.stderr[-3000:]
    first = sorted((workdir / "drops" / drop / "calendars").iterdir())[0]
    assert f"(calendars file 1 of 7 is calendars/{first.name})" in found.group()
    record = workdir / "results" / ".build" / drop / "validation" / "activity_diary.json"
    assert first.name not in record.read_text()


@pytest.mark.parametrize("name", list(STARTUP))
def test_problems_found_at_start_stop_the_run_and_keep_published_results(
    example_run, tmp_path, name
):
    cohort, edit, expect = STARTUP[name]
    workdir = clone(example_run.workdir, tmp_path / "work")
    shutil.copytree(workdir / "drops" / "north", workdir / "drops" / name)
    if edit:
        edit(workdir / "drops" / name)
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["cohorts"][cohort] = {**config["cohorts"]["north"], "drop": f"drops/{name}"}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    published = {c: tree(workdir / "results" / c) for c in example_run.cohorts}
    run = snakemake(workdir)
    assert run.returncode != 0
    for fragment in expect:
        assert fragment in run.stderr, run.stderr[-3000:]
    assert "Traceback (most recent call last)" not in run.stderr
    assert {c: tree(workdir / "results" / c) for c in example_run.cohorts} == published
