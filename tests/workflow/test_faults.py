"""Faults a scheduled run meets: killed mid-stage, a full disk, an unwritable results/.

Each works on a copy of the shared example run (helpers.clone). The killed run is also the
determinism check: the cohort it rebuilds from nothing must come out byte-identical to the
first run's tables, figures, anonymised data and report.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .helpers import clone, demo_key_env, snakemake, snakemake_command

pytestmark = pytest.mark.workflow
# What a rerun need not reproduce: provenance.json and the RO-Crate record the run's time and
# identity by design.
RUN_RECORDS = ("provenance.json", "ro-crate-metadata.json")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def break_south(workdir: Path) -> None:
    """Edit south's drop (a valid change) so that a run has south's work to do."""
    survey = workdir / "drops" / "south" / "survey_post.csv"
    survey.write_text(survey.read_text().replace("Quite confident", "Very confident", 1))


def test_killed_run_keeps_published_results_and_a_plain_rerun_finishes_identically(
    example_run, tmp_path
):
    workdir = clone(example_run.workdir, tmp_path / "work")
    results = workdir / "results"
    published = {c: tree(results / c) for c in example_run.cohorts}
    links = {c: os.readlink(results / c) for c in example_run.cohorts}
    shutil.rmtree(results / ".build" / "north")  # north is built again from nothing
    running = subprocess.Popen(
        snakemake_command(workdir),
        env=demo_key_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, jobs included
    )
    # Kill it (all its processes, as the OOM killer or a power cut would) once anonymisation
    # is done and a job of a later stage is under way.
    built = results / ".build" / "north"
    incomplete = workdir / ".snakemake" / "incomplete"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline and running.poll() is None:
        if (built / "anonymised" / "summary.json").exists() and any(incomplete.iterdir()):
            break
        time.sleep(0.1)
    assert running.poll() is None, "the run ended before it could be killed"
    os.killpg(running.pid, signal.SIGKILL)
    running.wait(timeout=60)
    assert {c: tree(results / c) for c in example_run.cohorts} == published
    assert {c: os.readlink(results / c) for c in example_run.cohorts} == links

    rerun = snakemake(workdir)  # plain: no --unlock, no --rerun-incomplete
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "Snakemake lock files left by a run that was stopped" in rerun.stderr
    assert tree(results / "south") == published["south"]
    again = tree(results / "north")
    assert os.readlink(results / "north") != links["north"]  # published anew
    same = [k for k in published["north"] if k not in RUN_RECORDS]
    assert len(same) > 40 and any(k.endswith(".svg") for k in same) and "report.html" in same
    assert {k: again.get(k) for k in same} == {k: published["north"][k] for k in same}


def _isolated(script: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (sh) in a mount namespace of its own: mounts vanish with it."""
    return subprocess.run(
        ["unshare", "--mount", "sh", "-c", script],
        cwd=workdir,
        env=demo_key_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


needs_mounts = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare"),
    reason="needs root and unshare to mount a small or read-only file system",
)


@needs_mounts
def test_full_disk_stops_the_run_with_a_plain_message(example_run, tmp_path):
    """results/ on a file system with 8 KB left. Jobs replace files of the same size, so the
    run gets as far as publishing south, whose copy into results/.versions needs megabytes."""
    workdir = clone(example_run.workdir, tmp_path / "work")
    break_south(workdir)
    published = {c: tree(workdir / "results" / c) for c in example_run.cohorts}
    after = tmp_path / "after"
    command = " ".join(f"'{part}'" for part in snakemake_command(workdir))
    script = f"""
        set -e
        cp -a results "{tmp_path}/before"
        mount -t tmpfs -o size=100m tmpfs results
        cp -a "{tmp_path}/before/." results/
        used=$(df -k --output=used results | tail -1)
        mount -o remount,size=$((used + 8))k results
        set +e
        {command}
        status=$?
        cp -a results "{after}"
        exit $status
    """
    run = _isolated(script, workdir)
    assert run.returncode != 0
    assert "CANNOT WRITE: " in run.stderr and "No space left on device" in run.stderr
    assert "Free some space on the disk that holds results/" in run.stderr
    assert "Traceback (most recent call last)" not in run.stderr, run.stderr[-3000:]
    assert {c: tree(after / c) for c in example_run.cohorts} == published


@needs_mounts
def test_read_only_results_stop_the_run_before_any_job(example_run, tmp_path):
    workdir = clone(example_run.workdir, tmp_path / "work")
    break_south(workdir)
    published = {c: tree(workdir / "results" / c) for c in example_run.cohorts}
    command = " ".join(f"'{part}'" for part in snakemake_command(workdir))
    script = f"""
        mount --bind results results && mount -o remount,bind,ro results && {command}
    """
    run = _isolated(script, workdir)
    assert run.returncode != 0
    assert "cannot write to results/ (Read-only file system)" in run.stderr, run.stderr[-3000:]
    assert "Traceback (most recent call last)" not in run.stderr
    assert "Job stats" not in run.stdout + run.stderr  # stopped before planning any job
    assert {c: tree(workdir / "results" / c) for c in example_run.cohorts} == published
