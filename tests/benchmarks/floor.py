"""The floor: every job of a plan (jobplan.py) run in this one process, no Snakemake.

Usage: python floor.py WORKDIR PLAN.json [CHECKOUT] [--profile OUT.prof]

Each rule script runs as it would in its job (same script, same named inputs, outputs, params
and logs), so the package functions see the same data; what is left out is Snakemake itself and
the start-up and imports that each job process pays again.
"""

from __future__ import annotations

import json
import logging
import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Named(list):
    """Enough of Snakemake's Namedlist for the rule scripts: items by position and by name."""

    def __init__(self, data: dict) -> None:
        super().__init__(data["items"])
        for name, value in data["names"].items():
            setattr(self, name, value)

    def __getitem__(self, key):
        return getattr(self, key) if isinstance(key, str) else super().__getitem__(key)

    def items(self):
        return [(k, v) for k, v in vars(self).items()]


class Job:
    """What a rule script reads from its ``snakemake`` object."""

    def __init__(self, spec: dict) -> None:
        self.rule = spec["rule"]
        self.input = Named(spec["input"])
        self.output = Named(spec["output"])
        self.log = Named(spec["log"])
        self.params = Named(spec["params"])
        self.wildcards = Named(
            {"items": list(spec["wildcards"].values()), "names": spec["wildcards"]}
        )
        self.threads = 1
        self.scriptdir = str(Path(spec["script"]).parent)


def run(workdir: Path, plan: list[dict], root: Path = ROOT) -> None:
    os.chdir(workdir)
    sys.path.insert(0, str(root / "workflow" / "scripts"))
    for spec in plan:
        for path in spec["output"]["items"]:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        runpy.run_path(spec["script"], init_globals={"snakemake": Job(spec)}, run_name="__main__")
        logging.getLogger().handlers.clear()
        sys.excepthook = sys.__excepthook__


if __name__ == "__main__":
    workdir, plan = Path(sys.argv[1]).resolve(), json.loads(Path(sys.argv[2]).read_text())
    checkout = Path(sys.argv[3]).resolve() if len(sys.argv) > 3 and sys.argv[3][0] != "-" else ROOT
    if "--profile" in sys.argv:
        import cProfile

        cProfile.run("run(workdir, plan, checkout)", sys.argv[sys.argv.index("--profile") + 1])
    else:
        run(workdir, plan, checkout)
