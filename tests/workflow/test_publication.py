"""Safe reruns: a cohort is published as a whole, a broken drop never touches published results,
reruns are incremental, two runs cannot share a working directory, and verify spots edits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import DEMO_KEY, ROOT, SNAKEMAKE, make_workdir, snakemake

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


def test_broken_drop_leaves_published_results_intact_and_reruns_are_incremental(tmp_path):
    workdir = make_workdir(tmp_path, {"north": None, "south": None})
    first = snakemake(workdir)
    assert first.returncode == 0, first.stderr[-3000:]
    results = workdir / "results"
    assert (results / "north").is_symlink() and (results / "south" / "report.html").exists()
    assert _verify(results / "south").returncode == 0
    north, south = _tree(results / "north"), _tree(results / "south")
    # Same drop, same key, separate jobs: byte-identical tables, figures and anonymised data.
    same = [k for k in north if k.split("/")[0] in ("tables", "figures", "anonymised")]
    assert len(same) > 30 and all(north[k] == south[k] for k in same)

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
    fixed = snakemake(workdir)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
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


def test_a_second_run_in_the_same_folder_is_refused(tmp_path):
    workdir = make_workdir(tmp_path, {"example": None})
    env = {**os.environ, "COHORT_EVAL_KEY_FILE": str(DEMO_KEY)}
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        "--cores",
        "1",
    ]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    locks = workdir / ".snakemake" / "locks"
    deadline = time.monotonic() + 120
    while not (locks.exists() and any(locks.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.2)
    second = snakemake(workdir)
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-3000:]
    assert second.returncode != 0
    assert "Directory cannot be locked" in second.stdout + second.stderr
    assert _verify(workdir / "results" / "example").returncode == 0
