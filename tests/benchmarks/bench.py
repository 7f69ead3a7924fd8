"""make bench: what a run of the pipeline costs, scenario by scenario, against its floor.

Scenarios (see docs/performance.md for the targets):
  A  the example cohort, cold (no results);        B  A again with nothing changed;
  C  N cohorts of 7 participants, cold;             D  C after one cohort's drop changed;
  E  one cohort of P participants (26 weeks), cold; F  M cohorts, dry run (job graph only).
The floor of A, C and E runs every job of the same run in one Python process (floor.py).

Each figure is the median of --runs runs (min and max beside it); the floors run interleaved
with their scenarios, so a ratio compares runs made under the same conditions. Wall time,
CPU time (user + system, whole process tree), the peak RSS of the largest single process
(from wait4) and the peak RSS of the whole tree (sampled every 50 ms) are measured.

Usage: python tests/benchmarks/bench.py [--runs 3] [--only A,B] [--cohorts 100] [--write]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
TARGETS = {
    "A": "<= 2 x floor",
    "B": "<= 2 s",
    "C": "<= 6 x floor",
    "D": "<= 1.5 x A",
    "E": "<= 60 s, <= 2 GiB",
    "F": "<= 30 s",
}


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_process: int  # bytes
    rss_tree: int  # bytes
    returncode: int


@dataclass
class Figures:
    name: str
    label: str
    samples: list[Sample] = field(default_factory=list)

    def median(self, key: str) -> float:
        return statistics.median(getattr(s, key) for s in self.samples)

    def span(self, key: str) -> tuple[float, float]:
        values = [getattr(s, key) for s in self.samples]
        return min(values), max(values)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, now (bytes)."""
    tree, todo, total = _children(), [pid], 0
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            with open(f"/proc/{current}/statm", encoding="ascii") as handle:
                total += int(handle.read().split()[1]) * page
        except OSError:
            pass
    return total


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Run ``command`` to the end and measure it and every process it starts."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peak = [0]
    output: list[bytes] = []

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.05)

    def drain() -> None:
        assert process.stdout is not None
        output.append(process.stdout.read())

    threads = [threading.Thread(target=sample), threading.Thread(target=drain)]
    for thread in threads:
        thread.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads:
        thread.join()
    if process.returncode != 0:
        sys.stderr.write(b"".join(output).decode(errors="replace")[-4000:])
        raise SystemExit(f"benchmark command failed ({process.returncode}): {' '.join(command)}")
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_process=usage.ru_maxrss * 1024,
        rss_tree=max(peak[0], usage.ru_maxrss * 1024),
        returncode=process.returncode,
    )


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.tree = Path(args.tree).resolve()
        self.work = Path(args.work).resolve()
        self.args = args
        self.env = {**os.environ, "COHORT_EVAL_KEY_FILE": str(ROOT / "resources" / "demo.key")}
        self.env.pop("COHORT_EVAL_KEY", None)

    # -- workloads ---------------------------------------------------------------------------
    def drops(self, participants: int, cohorts: int) -> dict[str, str]:
        """Synthetic drops made by the simulator (kept in the work folder between runs)."""
        folder = self.work / "drops" / f"{cohorts}x{participants}"
        if not (folder / "cohorts.yaml").exists():
            shutil.rmtree(folder, ignore_errors=True)
            print(f"  simulating {cohorts} cohort(s) of {participants} participants...", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "cohort_eval.simulate",
                    "--participants",
                    str(participants),
                    "--cohorts",
                    str(cohorts),
                    "--months",
                    "6",
                    "--out",
                    str(folder),
                    "--root",
                    str(self.tree),
                ],
                check=True,
                cwd=self.tree,
                env={**self.env, "PYTHONPATH": str(self.tree / "workflow" / "scripts")},
                stdout=subprocess.DEVNULL,
            )
        cohorts_config = yaml.safe_load((folder / "cohorts.yaml").read_text())["cohorts"]
        return {c: v["drop"] for c, v in cohorts_config.items()}

    def workdir(self, name: str, drops: dict[str, str]) -> Path:
        """A working directory whose config.yaml lists ``drops`` (cohort -> drop folder)."""
        workdir = self.work / name
        workdir.mkdir(parents=True, exist_ok=True)
        config = yaml.safe_load((self.tree / "config" / "config.yaml").read_text())
        for key in ("instrument", "codebook", "activities"):
            config[key] = str(self.tree / config[key])
        config["cohorts"] = {
            c: {"drop": str(d), "start": "2023-09-04", "months": 6} for c, d in drops.items()
        }
        (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        return workdir

    def clean(self, workdir: Path) -> None:
        for name in ("results", ".snakemake"):
            shutil.rmtree(workdir / name, ignore_errors=True)

    # -- commands ----------------------------------------------------------------------------
    def snakemake(self, workdir: Path, *args: str) -> Sample:
        command = [
            str(BIN / "snakemake"),
            "--snakefile",
            str(self.tree / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(workdir / "config.yaml"),
            "--cores",
            "all",
            "--quiet",
            "all",
            *args,
        ]
        return measure(command, workdir, self.env)

    def plan(self, workdir: Path) -> Path:
        target = workdir / "plan.json"
        subprocess.run(
            [sys.executable, str(HERE / "jobplan.py"), str(workdir), str(target), str(self.tree)],
            check=True,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return target

    def floor(self, workdir: Path, plan: Path) -> Sample:
        self.clean(workdir)
        command = [sys.executable, str(HERE / "floor.py"), str(workdir), str(plan), str(self.tree)]
        return measure(command, workdir, self.env)


def _change_one_drop(drop: Path) -> None:
    """Change one answer of one survey file (a new drop of one cohort, still valid): the first
    answer of the first respondent moves one scale point, by number or by label."""
    import csv
    import io

    path = drop / "survey_post.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    scale = {"1": "2", "2": "3", "3": "4", "4": "5", "5": "4"}
    labels = ["Not at all confident", "Slightly confident", "Somewhat confident"]
    labels += ["Quite confident", "Very confident"]
    for k, label in enumerate(labels):
        scale[label] = labels[k + 1] if k + 1 < len(labels) else labels[k - 1]
    answer = rows[1][1]
    if answer not in scale:
        raise SystemExit(f"{path}: cannot change the answer {answer!r} for scenario D")
    rows[1][1] = scale[answer]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def run(args: argparse.Namespace) -> dict[str, Figures]:
    bench = Bench(args)
    only = set(args.only.split(","))
    figures = {
        key: Figures(key, label)
        for key, label in [
            ("A", "example cohort, cold"),
            ("A floor", "example cohort, one process"),
            ("B", "example cohort, rerun, nothing changed"),
            ("C", f"{args.cohorts} cohorts x 7 participants, cold"),
            ("C floor", f"{args.cohorts} cohorts x 7 participants, one process"),
            ("D", f"{args.cohorts} cohorts after one cohort's drop changed"),
            ("E", f"1 cohort x {args.participants} participants, 26 weeks, cold"),
            ("E floor", f"1 cohort x {args.participants} participants, one process"),
            ("F", f"{args.dry_cohorts} cohorts, dry run"),
        ]
    }
    example = {"example": str(ROOT / "resources" / "example")}
    setups: dict[str, tuple[Path, Path | None]] = {}
    if only & {"A", "B"}:
        workdir = bench.workdir("A", example)
        setups["A"] = (workdir, bench.plan(workdir) if "A" in only else None)
    if only & {"C", "D"}:
        drops = bench.drops(7, args.cohorts)
        workdir = bench.workdir("C", drops)
        setups["C"] = (workdir, bench.plan(workdir) if "C" in only else None)
    if "E" in only:
        workdir = bench.workdir("E", bench.drops(args.participants, 1))
        setups["E"] = (workdir, bench.plan(workdir))
    if "F" in only:
        many = {f"c{k:04d}": example["example"] for k in range(1, args.dry_cohorts + 1)}
        setups["F"] = (bench.workdir("F", many), None)
    for number in range(1, args.runs + 1):
        print(f"run {number} of {args.runs}", flush=True)
        for key, rerun in (("A", "B"), ("C", "D")):
            if key not in setups:
                continue
            workdir, plan = setups[key]
            if plan:
                _record(figures[f"{key} floor"], bench.floor(workdir, plan))
            bench.clean(workdir)
            sample = bench.snakemake(workdir)
            if key in only:
                _record(figures[key], sample)
            if rerun == "B" and rerun in only:
                _record(figures["B"], bench.snakemake(workdir))
            if rerun == "D" and rerun in only:
                drop = Path(next(iter(bench.drops(7, args.cohorts).values())))
                backup = (drop / "survey_post.csv").read_bytes()
                try:
                    _change_one_drop(drop)
                    _record(figures["D"], bench.snakemake(workdir))
                finally:
                    (drop / "survey_post.csv").write_bytes(backup)
        if "E" in setups:
            workdir, plan = setups["E"]
            _record(figures["E floor"], bench.floor(workdir, plan))
            bench.clean(workdir)
            _record(figures["E"], bench.snakemake(workdir))
        if "F" in setups:
            workdir, _ = setups["F"]
            bench.clean(workdir)
            _record(figures["F"], bench.snakemake(workdir, "--dry-run"))
    return {k: v for k, v in figures.items() if v.samples}


def _record(figures: Figures, sample: Sample) -> None:
    figures.samples.append(sample)
    print(
        f"  {figures.name:8} wall {sample.wall:7.1f} s  cpu {sample.cpu:7.1f} s  "
        f"largest {sample.rss_process / 2**20:6.0f} MiB  tree {sample.rss_tree / 2**20:6.0f} MiB",
        flush=True,
    )


def _verdict(key: str, figures: dict[str, Figures]) -> tuple[str, str]:
    """The ratio (or figure) the target speaks of, and whether it is met."""
    wall = figures[key].median("wall")
    if key in ("A", "C") and f"{key} floor" in figures:
        ratio = wall / figures[f"{key} floor"].median("wall")
        return f"{ratio:.2f} x floor", "met" if ratio <= (2 if key == "A" else 6) else "missed"
    if key == "D" and "A" in figures:
        ratio = wall / figures["A"].median("wall")
        return f"{ratio:.2f} x A", "met" if ratio <= 1.5 else "missed"
    if key == "B":
        return f"{wall:.2f} s", "met" if wall <= 2 else "missed"
    if key == "E":
        peak = figures[key].median("rss_tree") / 2**30
        ok = wall <= 60 and peak <= 2
        return f"{wall:.0f} s, {peak:.2f} GiB", "met" if ok else "missed"
    if key == "F":
        return f"{wall:.1f} s", "met" if wall <= 30 else "missed"
    return "", ""


def table(figures: dict[str, Figures]) -> str:
    def span(f: Figures, key: str, scale: float = 1.0, digits: int = 1) -> str:
        low, high = (v / scale for v in f.span(key))
        return f"{f.median(key) / scale:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"

    lines = [
        "| scenario | what | wall s, median (min-max) | CPU s | largest process MiB "
        "| process tree MiB | against target | target | |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, f in figures.items():
        ratio, verdict = _verdict(key, figures) if key in TARGETS else ("", "")
        lines.append(
            f"| {key} | {f.label} | {span(f, 'wall')} | {span(f, 'cpu')} "
            f"| {span(f, 'rss_process', 2**20, 0)} | {span(f, 'rss_tree', 2**20, 0)} "
            f"| {ratio} | {TARGETS.get(key, '')} | {verdict} |"
        )
    return "\n".join(lines)


def machine() -> str:
    import importlib.metadata as md

    memory = next(
        int(line.split()[1]) // 2**20
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = ", ".join(
        f"{name} {md.version(name)}"
        for name in ("snakemake", "great-expectations", "pandas", "scipy", "matplotlib")
    )
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GiB memory, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, {versions}; "
        f"code {commit or 'unknown'}"
    )


def write_doc(text: str) -> None:
    """Replace the generated part of docs/performance.md (between the bench markers)."""
    doc = DOC.read_text(encoding="utf-8")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument("--only", default="A,B,C,D,E,F", help="scenarios, e.g. A,B,F")
    parser.add_argument("--cohorts", type=int, default=100, help="cohorts of C and D")
    parser.add_argument("--participants", type=int, default=2000, help="participants of E")
    parser.add_argument("--dry-cohorts", type=int, default=1000, help="cohorts of F")
    parser.add_argument("--tree", default=str(ROOT), help="the checkout to measure")
    parser.add_argument("--work", default=str(ROOT / ".bench"), help="workloads and runs")
    parser.add_argument("--write", action="store_true", help=f"write the table to {DOC}")
    args = parser.parse_args()
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    figures = run(args)
    text = (
        f"Measured {started} by `make bench` ({args.runs} runs each; "
        f"C and D with {args.cohorts} cohorts, E with {args.participants} participants, "
        f"F with {args.dry_cohorts} cohorts) on {machine()}.\n\n{table(figures)}"
    )
    print()
    print(text)
    (Path(args.work) / "latest.json").write_text(
        json.dumps({k: [vars(s) for s in f.samples] for k, f in figures.items()}, indent=1)
    )
    if args.write:
        write_doc(text)


if __name__ == "__main__":
    main()
