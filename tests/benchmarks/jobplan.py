"""Write the jobs Snakemake would run for a working directory, as JSON, for floor.py.

Usage: python jobplan.py WORKDIR PLAN.json [CHECKOUT]

WORKDIR holds config.yaml; the key comes from the environment, as for a run; CHECKOUT is the
repository to plan (this one by default). Snakemake's Python API builds the job graph with
every job forced, so the plan is the whole cold run, in an order that respects dependencies.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import (
    ConfigSettings,
    DAGSettings,
    OutputSettings,
    ResourceSettings,
    StorageSettings,
)

ROOT = Path(__file__).resolve().parents[2]


def _named(values) -> dict:
    """A Snakemake Namedlist as plain data: its items in order and its names."""
    return {"items": [str(v) for v in values], "names": {k: v for k, v in values.items()}}


def plan(workdir: Path, root: Path = ROOT) -> list[dict]:
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=[workdir / "config.yaml"]),
            storage_settings=StorageSettings(),
            snakefile=root / "Snakefile",
            workdir=workdir,
        )
        workflow_api.dag(dag_settings=DAGSettings(forceall=True))
        workflow = workflow_api._workflow
        workflow._prepare_dag(
            forceall=True, ignore_incomplete=True, lock_warn_only=True, nolock=True
        )
        workflow._build_dag()
        jobs = []
        for level in workflow.dag.toposorted():
            for job in sorted(level, key=lambda j: (j.rule.name, str(j.wildcards))):
                if job.rule.script is None:
                    continue
                jobs.append(
                    {
                        "rule": job.rule.name,
                        "script": str((Path(job.rule.basedir) / job.rule.script).resolve()),
                        "input": _named(job.input),
                        "output": _named(job.output),
                        "log": _named(job.log),
                        "params": _named_params(job.params),
                        "wildcards": dict(job.wildcards.items()),
                    }
                )
        return jobs


def _named_params(params) -> dict:
    return {"items": list(params), "names": dict(params.items())}


if __name__ == "__main__":
    target = Path(sys.argv[2])
    root = Path(sys.argv[3]).resolve() if len(sys.argv) > 3 else ROOT
    target.write_text(json.dumps(plan(Path(sys.argv[1]).resolve(), root), indent=1, default=str))
