"""One run per working directory, stale Snakemake locks, unwritable results, write errors."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from cohort_eval import io
from cohort_eval.config import check_cohort_ids
from cohort_eval.errors import ConfigError, RunError
from cohort_eval.logs import cannot_write


def test_a_held_run_lock_refuses_a_second_claim_and_names_the_holder(tmp_path):
    handle, stale = io.claim_run(tmp_path)
    assert stale == 0
    # Another process, as a second Snakemake would be (flock is per open file, not per pid).
    code = "from cohort_eval import io; io.claim_run('.')"
    other = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert other.returncode == 1
    assert "another cohort-eval run is active in" in other.stderr
    assert f"process {os.getpid()}, started" in other.stderr
    handle.close()


def test_a_free_run_lock_clears_snakemake_locks_left_by_a_killed_run(tmp_path):
    locks = tmp_path / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("results/x\n")
    (locks / "0.output.lock").write_text("results/y\n")
    handle, stale = io.claim_run(tmp_path)
    assert stale == 2 and not list(locks.iterdir())
    handle.close()
    handle, stale = io.claim_run(tmp_path)  # released on close (and on any process exit)
    assert stale == 0
    handle.close()


def test_unwritable_results_are_refused_with_a_plain_message(tmp_path):
    io.check_writable(tmp_path / "results")  # not there yet: its parent must be writable
    (tmp_path / "results").mkdir()
    io.check_writable(tmp_path / "results")
    if os.geteuid() == 0:
        pytest.skip("root writes to read-only folders; tests/workflow/test_faults.py mounts one")
    (tmp_path / "results").chmod(0o555)
    try:
        with pytest.raises(RunError, match=r"cannot write to .*results/ \(Permission denied\)"):
            io.check_writable(tmp_path / "results")
    finally:
        (tmp_path / "results").chmod(0o755)


def test_write_errors_say_what_to_do():
    full = OSError(errno.ENOSPC, "No space left on device", "results/a.csv", None, "results/b")
    assert cannot_write(full).startswith("CANNOT WRITE: results/b: No space left on device. Free")
    locked = OSError(errno.EROFS, "Read-only file system", "results/x.csv")
    assert "Make results/ writable" in cannot_write(locked)


@pytest.mark.parametrize("cohort", ["North", "north 2024", "-north", "north/2024", "", 2024])
def test_cohort_ids_that_cannot_name_a_folder_are_refused(cohort):
    with pytest.raises(ConfigError, match=f"the cohort id '{cohort}' is not allowed"):
        check_cohort_ids(["ok", cohort])


def test_summary_is_a_reserved_cohort_id():
    check_cohort_ids(["north-2024", "s_1", "0a"])
    with pytest.raises(ConfigError, match="reserved"):
        check_cohort_ids(["summary"])
