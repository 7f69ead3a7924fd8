"""Safe reruns: a cohort is published as a whole, a broken drop never touches published results,
reruns are incremental, two runs cannot share a working directory, and verify spots edits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import ROOT, clone, demo_key_env, snakemake, snakemake_command

pytestmark = pytest.mark.workflow


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _verify(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cohort_eval.verify", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "workflow" / "scripts")},
    )


def test_broken_drop_keeps_published_results_and_reruns_are_incremental_and_exclusive(
    example_run, tmp_path
):
    first = example_run.run
    assert first.returncode == 0, first.stderr[-3000:]
    results = example_run.results
    assert (results / "north").is_symlink() and (results / "south" / "report.html").exists()
    assert _verify(results / "south").returncode == 0
    north, south = _tree(results / "north"), _tree(results / "south")
    # Same drop, same key, separate jobs: byte-identical tables, figures and anonymised data.
    same = [k for k in north if k.split("/")[0] in ("tables", "figures", "anonymised")]
    assert len(same) > 30 and all(north[k] == south[k] for k in same)

    # What follows changes the run: it is made on a copy of it.
    workdir = clone(example_run.workdir, tmp_path / "work")
    results = workdir / "results"
    survey = workdir / "drops" / "south" / "survey_post.csv"
    good = survey.read_text()
    lines = good.splitlines(keepends=True)
    cells = lines[2].split(",")
    cells[1] = "7"
    survey.write_text("".join(lines[:2] + [",".join(cells)] + lines[3:]))
    broken = snakemake(workdir)
    assert broken.returncode != 0
    assert "INPUT ERROR: drops/south/survey_post.csv" in broken.stderr
    assert _tree(results / "south") == south  # report and provenance byte-identical
    assert _tree(results / "north") == north

    survey.write_text(good.replace("Quite confident", "Very confident", 1))
    rerun = snakemake(workdir, "--dry-run")
    jobs = [line for line in rerun.stdout.splitlines() if line.strip().startswith("wildcards:")]
    assert jobs and all("cohort=south" in line for line in jobs), jobs

    # While the fixed cohort reruns, a second run in the same folder is refused.
    fixing = subprocess.Popen(
        snakemake_command(workdir),
        env=demo_key_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    locks = workdir / ".snakemake" / "locks"
    deadline = time.monotonic() + 120
    while not (locks.exists() and any(locks.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.2)
    second = snakemake(workdir)
    _, err = fixing.communicate(timeout=600)
    assert fixing.returncode == 0, err[-3000:]
    assert second.returncode != 0
    assert "another cohort-eval run is active in" in second.stderr
    assert "Traceback (most recent call last)" not in second.stderr
    assert _verify(results / "south").returncode == 0

    assert _tree(results / "north") == north
    assert _tree(results / "south") != south
    again = snakemake(workdir, "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr

    edited = results / "south" / "tables" / "table2.csv"
    edited.write_text(edited.read_text() + "extra\n")
    check = _verify(results / "south")
    assert check.returncode == 1
    assert "tables/table2.csv: changed" in check.stdout
    assert len(list((results / ".versions" / "south").iterdir())) == 2
