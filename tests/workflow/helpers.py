"""Running Snakemake on temporary copies of drops, as a user would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def make_workdir(tmp: Path, drops: dict[str, Path | None]) -> Path:
    """A working directory with a config listing ``drops`` (None = the example, copied)."""
    cohorts = {}
    for cohort, source in drops.items():
        target = tmp / "drops" / cohort
        shutil.copytree(source or ROOT / "resources" / "example", target)
        cohorts[cohort] = {"drop": f"drops/{cohort}", "start": "2023-09-04", "months": 6}
    config = {
        "cohorts": cohorts,
        "instrument": str(ROOT / "config" / "instrument.yaml"),
        "codebook": str(ROOT / "config" / "codebook.yaml"),
        "activities": str(ROOT / "config" / "activities.yaml"),
        "phases": {"phase1": [1, 3], "phase2": [4, 6]},
    }
    (tmp / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return tmp


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Snakemake from the repository's Snakefile in ``workdir``."""
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        "--cores",
        "2",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
