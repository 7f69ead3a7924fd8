"""Two runs of a synthetic workload of many cohorts write byte-identical results.

Slow (two cold runs of 100 cohorts take the better part of an hour on two cores), so it is
not part of `make test`: run it with `make determinism` (or `pytest -m slow`), and with
COHORT_EVAL_DETERMINISM_COHORTS=N for fewer cohorts. The example cohort's determinism is
checked in every `make test` by test_faults.py (a cohort rebuilt from nothing).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import ROOT, make_workdir, snakemake

pytestmark = [pytest.mark.workflow, pytest.mark.slow]
COHORTS = int(os.environ.get("COHORT_EVAL_DETERMINISM_COHORTS", "100"))
# Everything but the provenance records, which hold the run's time and identity by design.
RUN_RECORDS = ("provenance.json", "ro-crate-metadata.json")


def compared(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() not in RUN_RECORDS
    }


def test_two_runs_of_many_cohorts_are_byte_identical(tmp_path):
    drops = tmp_path / "drops"
    subprocess.run(
        [sys.executable, "-m", "cohort_eval.simulate", "--participants", "7"]
        + ["--cohorts", str(COHORTS), "--months", "6", "--out", str(drops), "--root", str(ROOT)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "workflow" / "scripts")},
        stdout=subprocess.DEVNULL,
    )
    cohorts = yaml.safe_load((drops / "cohorts.yaml").read_text())["cohorts"]
    runs = []
    for name in ("first", "second"):
        workdir = make_workdir(tmp_path / name, {c: Path(v["drop"]) for c, v in cohorts.items()})
        run = snakemake(workdir, timeout=6 * 3600)
        assert run.returncode == 0, run.stderr[-3000:]
        runs.append(workdir / "results")
    first, second = runs
    for cohort in [*cohorts, "summary"]:
        a, b = compared(first / cohort), compared(second / cohort)
        assert a.keys() == b.keys(), cohort
        assert len(a) > (3 if cohort == "summary" else 40)
        assert any(k.endswith(".svg") for k in a), cohort
        differ = [k for k in a if a[k] != b[k]]
        assert not differ, f"{cohort}: {differ}"
