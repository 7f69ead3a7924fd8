"""Running Snakemake on temporary copies of drops, as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def make_workdir(
    tmp: Path, drops: dict[str, Path | None], overrides: dict[str, object] | None = None
) -> Path:
    """A working directory with a complete config listing ``drops`` (None = the example,
    copied); other keys as in config/config.yaml, paths made absolute, then ``overrides``."""
    cohorts = {}
    for cohort, source in drops.items():
        target = tmp / "drops" / cohort
        shutil.copytree(source or ROOT / "resources" / "example", target)
        cohorts[cohort] = {"drop": f"drops/{cohort}", "start": "2023-09-04", "months": 6}
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["cohorts"] = cohorts
    for key in ("instrument", "codebook", "activities"):
        config[key] = str(ROOT / config[key])
    config.update(overrides or {})
    (tmp / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return tmp


def clone(workdir: Path, target: Path) -> Path:
    """A copy of a working directory that has run, to change without touching the original:
    drops, results (symlinks kept), Snakemake's records and times, so nothing reruns."""
    shutil.copytree(workdir, target, symlinks=True)
    return target


DEMO_KEY = ROOT / "resources" / "demo.key"


def demo_key_env() -> dict[str, str]:
    """The environment with the demo key as the only pseudonymisation key."""
    env = {**os.environ, "COHORT_EVAL_KEY_FILE": str(DEMO_KEY)}
    env.pop("COHORT_EVAL_KEY", None)
    return env


def snakemake_command(workdir: Path, *args: str) -> list[str]:
    """Snakemake from the repository's Snakefile in ``workdir`` with its config.yaml."""
    return [
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


def snakemake(
    workdir: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run Snakemake from the repository's Snakefile in ``workdir`` (demo key unless ``env``)."""
    return subprocess.run(
        snakemake_command(workdir, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=demo_key_env() if env is None else env,
    )
