"""cohort-eval on a real single-node SLURM cluster, through profiles/slurm.

``make test-slurm`` starts the cluster (tests/slurm/cluster.sh) and runs this module; the plain
test run deselects it. One workload, the example cohort and three synthetic cohorts, runs from
two identical working directories at the same time: locally (key in a file named by
COHORT_EVAL_KEY_FILE) and through the profile (key in COHORT_EVAL_KEY), while a watcher records
what SLURM and the process table show. Then one step is rerun through the profile with the key
in a file. The published results must be the same bytes, the provenance records must name each
step's SLURM job with SLURM's times, and the key must appear on no command line and in no file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.workflow.helpers import ROOT, make_workdir, snakemake, snakemake_command

pytestmark = pytest.mark.slurm

PROFILE = ROOT / "profiles" / "slurm"
SCRIPTS = ROOT / "workflow" / "scripts"
RECORDS = ("provenance.json", "ro-crate-metadata.json")
# Provenance fields that differ between two runs of the same inputs by design.
RUN_FIELDS = ("run_id", "started", "ended", "slurm")
# great-expectations writes into each full check result (validation/<input>.json) a random id
# per expectation and per validation, and the clock: these files differ between any two runs,
# local or not. Everything else in them must match.
GX_VOLATILE = ("id", "validation_id", "ge_load_time", "run_time", "validation_time")
VOLATILE_FILE = re.compile(r"validation/[a-z_]+\.json")
RERUN_TARGET = "results/.build/example/validation/roster.ok.json"


@dataclass
class Watch:
    """What SLURM and the process table showed while a run went on."""

    jobs: dict[str, dict[str, str]] = field(default_factory=dict)  # scontrol, by job id
    scripts: dict[str, str] = field(default_factory=dict)  # batch scripts, by job id
    processes: set[str] = field(default_factory=set)  # command lines seen by ps
    errors: list[str] = field(default_factory=list)  # what went wrong while watching


@dataclass
class Workload:
    local: Path
    cluster: Path
    key: str
    cohorts: tuple[str, ...]
    local_run: subprocess.CompletedProcess[str]
    cluster_run: subprocess.CompletedProcess[str]
    watch: Watch
    rerun: subprocess.CompletedProcess[str]  # one step again, key in a file
    rerun_watch: Watch

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.cohorts, "summary")


def _output(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, errors="replace", check=False)
    return done.stdout if done.returncode == 0 else ""


def _scontrol_jobs() -> dict[str, dict[str, str]]:
    jobs = {}
    for line in _output("scontrol", "show", "job", "--oneliner").splitlines():
        pairs = dict(item.split("=", 1) for item in line.split() if "=" in item)
        if "JobId" in pairs:
            jobs[pairs["JobId"]] = pairs | {"line": line}
    return jobs


def _poll(watch: Watch) -> None:
    watch.jobs.update(_scontrol_jobs())
    for job_id in watch.jobs.keys() - watch.scripts.keys():
        script = _output("scontrol", "write", "batch_script", job_id, "-")
        if script:
            watch.scripts[job_id] = script
    watch.processes.update(_output("ps", "-e", "-ww", "-o", "args").splitlines())


def _run_watched(command: list[str], env: dict[str, str], log: Path):
    """Run ``command`` while polling SLURM and ps twice a second; the jobs it submitted."""
    before = set(_scontrol_jobs())
    watch, stop = Watch(), threading.Event()

    def watcher() -> None:
        while not stop.wait(0.5):
            try:
                _poll(watch)
            except Exception as error:  # noqa: BLE001 - reported by the tests
                watch.errors.append(repr(error))

    thread = threading.Thread(target=watcher, daemon=True)
    thread.start()
    try:
        run = subprocess.run(
            command, capture_output=True, text=True, timeout=1200, check=False, env=env
        )
    finally:
        stop.set()
        thread.join()
    _poll(watch)
    for job_id in before:
        watch.jobs.pop(job_id, None)
        watch.scripts.pop(job_id, None)
    log.write_text(run.stdout + run.stderr)
    return run, watch


def _cluster_command(workdir: Path, *args: str) -> list[str]:
    return snakemake_command(
        workdir,
        "--workflow-profile",
        str(PROFILE),
        # A test cluster answers at once: no need for the profile's 40 s before the first check.
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--verbose",
        *args,
    )


def _environment(**key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORT_EVAL_KEY")}
    return env | key


@pytest.fixture(scope="module")
def workload(tmp_path_factory) -> Workload:
    if not os.environ.get("SLURM_CONF"):
        pytest.fail("no SLURM cluster: run `make test-slurm`, which starts one")
    tmp = tmp_path_factory.mktemp("slurm")
    synthetic = tmp / "synthetic"
    subprocess.run(
        [sys.executable, "-m", "cohort_eval.simulate", "--participants", "12", "--cohorts", "3"]
        + ["--out", str(synthetic), "--root", str(ROOT)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(SCRIPTS)},
    )
    drops = {"example": None} | {c: synthetic / c for c in ("c0001", "c0002", "c0003")}
    local = make_workdir(tmp / "local", drops)
    cluster = tmp / "cluster"
    shutil.copytree(local, cluster)
    key = secrets.token_hex(24)
    key_file = tmp / "cohort-eval.key"
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    in_file = _environment(COHORT_EVAL_KEY_FILE=str(key_file))
    in_variable = _environment(COHORT_EVAL_KEY=key)
    # Both at once: the local run fills the time the cluster run waits for SLURM.
    with ThreadPoolExecutor(2) as pool:
        local_run = pool.submit(snakemake, local, env=in_file)
        cluster_run, watch = _run_watched(_cluster_command(cluster), in_variable, tmp / "run.log")
        local_run = local_run.result()
    rerun, rerun_watch = _run_watched(
        _cluster_command(cluster, "--force", RERUN_TARGET), in_file, tmp / "rerun.log"
    )
    return Workload(
        local, cluster, key, tuple(drops), local_run, cluster_run, watch, rerun, rerun_watch
    )


def _published(results: Path) -> dict[str, bytes]:
    folder = results.resolve()
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _without(data: object, keys: tuple[str, ...]) -> object:
    if isinstance(data, dict):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data


def _comparable(path: str, text: bytes, record: dict) -> object:
    """A published file as it must match between two runs: GX check results without their
    ids and times; records without run id, times, SLURM jobs, and without the checksums of
    those check results (and, for the summary, of the cohorts' run ids)."""
    if VOLATILE_FILE.fullmatch(path):
        return _without(json.loads(text), GX_VOLATILE)
    if path not in RECORDS:
        return text
    for value in (record["run_id"], record["started"], record["ended"]):
        text = text.replace(value.encode(), b"<run>")
    data = _without(json.loads(text), (*RUN_FIELDS, "cohort_run_id"))
    entries = data.get("outputs") or data["@graph"]
    for entry in entries:
        if VOLATILE_FILE.fullmatch(entry.get("path") or entry.get("@id")):
            for volatile in ("sha256", "size", "contentSize"):
                entry.pop(volatile, None)
    return data


def _slurm_time(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).isoformat(timespec="seconds")


def _cohort_of(comment: str, cohorts: tuple[str, ...]) -> str:
    """The cohort whose job a SLURM comment (rule_<rule>[_wildcards_<cohort>[_<input>]])
    describes; the summary's job has no wildcards."""
    match = re.fullmatch(r"rule_(\w+?)(?:_wildcards_(.+))?", comment)
    assert match, comment
    values = match.group(2) or ""
    found = [c for c in cohorts if values == c or values.startswith(c + "_")]
    return found[0] if found else "summary"


def _record(workdir: Path, name: str) -> dict:
    return json.loads((workdir / "results" / name / "provenance.json").read_text())


def test_runs_succeed_locally_and_on_slurm(workload):
    assert workload.local_run.returncode == 0, workload.local_run.stderr[-3000:]
    assert workload.cluster_run.returncode == 0, workload.cluster_run.stderr[-5000:]
    assert workload.rerun.returncode == 0, workload.rerun.stderr[-5000:]
    for watch in (workload.watch, workload.rerun_watch):
        assert not watch.errors
        states = {job["JobState"] for job in watch.jobs.values()}
        assert watch.jobs and states == {"COMPLETED"}, states
    assert len(workload.rerun_watch.jobs) == 1


def test_published_results_are_the_same_bytes_as_a_local_run(workload):
    for name in workload.names:
        local = _published(workload.local / "results" / name)
        cluster = _published(workload.cluster / "results" / name)
        assert local.keys() == cluster.keys(), name
        assert len(local) > (3 if name == "summary" else 40)
        differ = [p for p in local if local[p] != cluster[p]]
        # Only the two records and GX's check results may differ in their bytes...
        assert {p for p in differ if p not in RECORDS and not VOLATILE_FILE.fullmatch(p)} == set()
        records = json.loads(local["provenance.json"]), json.loads(cluster["provenance.json"])
        # ...and only in run ids, times, SLURM jobs and GX's ids and times.
        for path in differ:
            assert _comparable(path, local[path], records[0]) == _comparable(
                path, cluster[path], records[1]
            ), f"{name}/{path}"
        verify = subprocess.run(
            [sys.executable, "-m", "cohort_eval.verify", str(workload.cluster / "results" / name)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(SCRIPTS)},
        )
        assert verify.returncode == 0, verify.stdout


def test_provenance_names_each_steps_slurm_job_with_slurms_times(workload):
    seen_jobs = workload.watch.jobs
    comments = {i: job["Comment"] for i, job in seen_jobs.items()}
    # Publishing stays local (localrules): no SLURM job publishes anything.
    assert comments and not [c for c in comments.values() if c.startswith("rule_publish")]
    for name in workload.names:
        record = _record(workload.cluster, name)
        slurm = record["slurm"]
        assert slurm["timing_source"] == "scontrol"  # the test cluster has no sacct database
        jobs = {job["log"]: job for job in slurm["jobs"]}
        # Every step but publishing wrote a log and ran as a SLURM job of this cohort.
        logs = workload.cluster / "results" / ".build" / name / "logs"
        steps = {
            p.relative_to(logs.parent).as_posix()
            for p in logs.rglob("*.log")
            if not p.name.startswith("publish_")
        }
        assert steps and jobs.keys() == steps
        expected = {i for i, c in comments.items() if _cohort_of(c, workload.cohorts) == name}
        assert {job["job_id"] for job in jobs.values()} == expected
        for log, job in jobs.items():
            seen = seen_jobs[job["job_id"]]
            rule = re.fullmatch(r"rule_(\w+?)(?:_wildcards_.+)?", seen["Comment"]).group(1)
            assert f"/{rule}" in log
            assert job["submitted"] == _slurm_time(seen["SubmitTime"])
            assert job["started"] == _slurm_time(seen["StartTime"])
            assert job["ended"] == _slurm_time(seen["EndTime"])
            hours, minutes, seconds = (int(part) for part in seen["RunTime"].split(":"))
            assert job["elapsed_s"] == 3600 * hours + 60 * minutes + seconds
            assert job["state"] == "COMPLETED" and job["node"] == seen["NodeList"]
            assert job["cluster"] == "cohorteval"
        starts = [job["started"] for job in jobs.values()]
        assert record["started"] == min(starts, key=datetime.fromisoformat)
        assert "slurm" not in _record(workload.local, name)
    assert not list((workload.local / "results" / ".build").rglob("*.slurm.json"))
    # The rerun step's note now names its new job (publication did not run again).
    (rerun_id,) = workload.rerun_watch.jobs
    note = workload.cluster / "results/.build/example/logs/validate_drop.log.slurm.json"
    assert json.loads(note.read_text())["job_id"] == rerun_id


def _files_holding(folder: Path, key: bytes) -> list[str]:
    return [
        str(p)
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and key in p.read_bytes()
    ]


def _environment_file(job_id: str) -> Path:
    """Where slurmctld keeps a job's environment (StateSaveLocation/hash.N/job.ID/)."""
    state = Path(os.environ["COHORT_EVAL_SLURM_STATE"])
    return state / f"hash.{int(job_id) % 10}" / f"job.{job_id}" / "environment"


def test_key_is_never_on_a_command_line_job_name_or_comment_nor_in_a_file(workload):
    key = workload.key
    for watch in (workload.watch, workload.rerun_watch):
        assert watch.jobs and watch.scripts.keys() == watch.jobs.keys()
        # The watcher saw the jobs' processes: the batch step and the step srun started.
        assert [p for p in watch.processes if "--executor slurm-jobstep" in p]
        assert [p for p in watch.processes if p.startswith("srun ")]
        for job in watch.jobs.values():
            assert key not in job["line"], job["JobId"]  # name, comment, command, work dir
        for job_id, script in watch.scripts.items():
            assert key not in script, job_id
        assert not [p for p in watch.processes if key in p]
    # Rule logs, SLURM logs, Snakemake's log and metadata, results: nowhere.
    for workdir in (workload.cluster, workload.local):
        assert not _files_holding(workdir, key.encode()), workdir
    # Every job's SLURM log is kept, successful or not.
    slurm_logs = list((workload.cluster / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert len(slurm_logs) == len(workload.watch.jobs) + 1
    # The controller keeps each job's environment (root-only; the README says so): with
    # COHORT_EVAL_KEY it holds the key, with COHORT_EVAL_KEY_FILE only the file's name.
    first = min(workload.watch.jobs, key=int)
    assert key.encode() in _environment_file(first).read_bytes()
    (rerun,) = workload.rerun_watch.jobs
    environment = _environment_file(rerun).read_bytes()
    assert b"COHORT_EVAL_KEY_FILE=" in environment and key.encode() not in environment
