"""SLURM facts for the provenance record: which SLURM job ran each step and, from SLURM itself,
when it was submitted, started and ended.

Each rule script notes the SLURM job it runs in (``SLURM_JOB_ID``) in a small record beside its
log (:func:`job_record`, written by :func:`cohort_eval.logs.to_file`); publication collects
them and asks SLURM for their times: ``sacct`` (the accounting database, which production
clusters run) or else ``scontrol show job`` (the controller, which keeps a finished job for
``MinJobAge``, 300 s by default). A local run writes no such record and gets no SLURM section.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

RECORD_SUFFIX = ".slurm.json"
# sacct's fields, in the order of SACCT_ARGS' --format.
_SACCT_FIELDS = ("JobID", "Submit", "Start", "End", "State", "NodeList")
SACCT_ARGS = ("--noheader", "--parsable2", "--allocations", "--format=" + ",".join(_SACCT_FIELDS))
SCONTROL_ARGS = ("show", "job", "--oneliner")
# Times as ISO text (2026-06-30T18:43:52), whatever format the user's environment asks for.
TIME_FORMAT = {"SLURM_TIME_FORMAT": "standard"}
# Times SLURM prints for a moment that has not come (or not been recorded).
_NO_TIME = {"", "Unknown", "None", "N/A"}


def job_record(environ: Mapping[str, str]) -> dict[str, str] | None:
    """The SLURM job this process runs in, from the variables SLURM sets (None outside SLURM).
    Array jobs are named as SLURM names them, ``<array job id>_<task id>``."""
    job_id = environ.get("SLURM_JOB_ID")
    if not job_id:
        return None
    array_job, task = environ.get("SLURM_ARRAY_JOB_ID"), environ.get("SLURM_ARRAY_TASK_ID")
    record = {"job_id": f"{array_job}_{task}" if array_job and task else job_id}
    if environ.get("SLURM_CLUSTER_NAME"):
        record["cluster"] = environ["SLURM_CLUSTER_NAME"]
    if environ.get("SLURMD_NODENAME"):
        record["node"] = environ["SLURMD_NODENAME"]
    return record


def _utc(text: str) -> str | None:
    """A SLURM time (local time of the machine that printed it, no zone) as UTC ISO text."""
    if text in _NO_TIME:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _times(submitted: str, started: str, ended: str, state: str, node: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "submitted": _utc(submitted),
        "started": _utc(started),
        "ended": _utc(ended),
        "state": state.split()[0] if state else None,
        "node": node or None,
    }
    if entry["started"] and entry["ended"]:
        seconds = datetime.fromisoformat(entry["ended"]) - datetime.fromisoformat(entry["started"])
        entry["elapsed_s"] = int(seconds.total_seconds())
    return entry


def parse_sacct(text: str) -> dict[str, dict[str, Any]]:
    """Job id -> times, state and node from ``sacct`` run with :data:`SACCT_ARGS`."""
    jobs = {}
    for line in text.splitlines():
        fields = line.split("|")
        if len(fields) != len(_SACCT_FIELDS) or not fields[0]:
            continue
        job_id, submitted, started, ended, state, node = fields
        jobs[job_id] = _times(submitted, started, ended, state, node)
    return jobs


def parse_scontrol(text: str) -> dict[str, dict[str, Any]]:
    """Job id -> times, state and node from ``scontrol show job --oneliner`` (one job a line
    of ``Key=Value`` pairs; array tasks are named ``<ArrayJobId>_<ArrayTaskId>``)."""
    jobs = {}
    for line in text.splitlines():
        pairs = dict(item.split("=", 1) for item in line.split() if "=" in item)
        if "JobId" not in pairs:
            continue
        job_id = pairs["JobId"]
        if pairs.get("ArrayJobId") and pairs.get("ArrayTaskId", "N/A") != "N/A":
            job_id = f"{pairs['ArrayJobId']}_{pairs['ArrayTaskId']}"
        jobs[job_id] = _times(
            pairs.get("SubmitTime", ""),
            pairs.get("StartTime", ""),
            pairs.get("EndTime", ""),
            pairs.get("JobState", ""),
            pairs.get("NodeList", "") if pairs.get("NodeList") != "(null)" else "",
        )
    return jobs


def section(
    records: Mapping[str, Mapping[str, str]],
    timings: Mapping[str, Mapping[str, Any]],
    source: str | None,
) -> dict[str, Any]:
    """The provenance record's ``slurm`` section: one entry per step (named by its log, relative
    to the build folder) with its SLURM job id and, when ``source`` (``sacct`` or ``scontrol``)
    knew the job, its times; steps in log order."""
    jobs = []
    for log in sorted(records):
        record = records[log]
        entry: dict[str, Any] = {"log": log, **record}
        known = timings.get(record["job_id"])
        if known:
            entry.update({k: v for k, v in known.items() if v is not None and k not in entry})
        jobs.append(entry)
    return {"timing_source": source, "jobs": jobs}


def first_start(slurm: Mapping[str, Any]) -> str | None:
    """When the earliest step of the section started, by SLURM's clock (None if unknown)."""
    starts = [job["started"] for job in slurm["jobs"] if job.get("started")]
    return min(starts, key=datetime.fromisoformat) if starts else None
