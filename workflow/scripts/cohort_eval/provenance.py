"""Provenance of a published cohort: what went in, what came out, with which code and settings.

The record (``provenance.json``) and its Workflow Run RO-Crate (``ro-crate-metadata.json``)
hold checksums, sizes, row counts, versions and parameters: never a participant reference,
a name, a calendar file name (those are participant references) or the key itself (only its
one-way fingerprint, which changes when the key does).
"""

from __future__ import annotations

import hashlib
import json
import platform
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from cohort_eval import io, slurm

RECORD = "provenance.json"
CRATE = "ro-crate-metadata.json"
SCHEMA_VERSION = 1
PACKAGES = (
    "snakemake",
    "great-expectations",
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "pyyaml",
    "jsonschema",
    "openpyxl",
)


def file_entries(files: Mapping[str, str | Path]) -> list[dict[str, Any]]:
    """``path`` (the name given in ``files``), ``sha256`` and ``size`` of each file, in order."""
    return [
        {"path": name, "sha256": io.sha256_file(path), "size": Path(path).stat().st_size}
        for name, path in files.items()
    ]


def run_identity(files: Iterable[str | Path], started: str | None = None) -> tuple[str, str, str]:
    """(run id, started, ended) of a publication: ended is now (UTC), started when the oldest
    of ``files`` was written unless ``started`` is given (SLURM's start of the first step);
    the run id is the time of publication and eight random hex digits, so that versions sort
    by time."""
    ended = datetime.now(UTC)
    if started is None:
        oldest = min(Path(path).stat().st_mtime for path in files)
        started = datetime.fromtimestamp(oldest, UTC).isoformat(timespec="seconds")
    run_id = f"{ended:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    return run_id, started, ended.isoformat(timespec="seconds")


def slurm_jobs(logs: str | Path) -> dict[str, Any] | None:
    """The record's ``slurm`` section: the SLURM job of each step whose log is under ``logs``
    and its times as SLURM reports them (``sacct``, else ``scontrol``; none if neither knows
    the jobs any more). None when no step ran under SLURM (a local run)."""
    records = io.read_slurm_records(logs, slurm.RECORD_SUFFIX)
    if not records:
        return None
    ids = sorted({record["job_id"] for record in records.values()})
    timings: dict[str, dict[str, Any]] = {}
    source = None
    queries = (
        ("sacct", ["sacct", *slurm.SACCT_ARGS, "--jobs=" + ",".join(ids)], slurm.parse_sacct),
        ("scontrol", ["scontrol", *slurm.SCONTROL_ARGS], slurm.parse_scontrol),
    )
    for name, command, parse in queries:
        output = io.command_output(command, environ=slurm.TIME_FORMAT)
        found = parse(output) if output else {}
        if set(ids) & found.keys():
            timings, source = found, name
            break
    return slurm.section(records, timings, source)


def run_context(
    staged: Iterable[str | Path], logs: str | Path, code_version: str
) -> dict[str, Any]:
    """What every publication's record says of its run: id, start and end (the start by
    SLURM's clock when its steps ran as SLURM jobs, see :func:`slurm_jobs`), code, software
    and those jobs; keyword arguments of :func:`build_record` and the summary's record."""
    jobs = slurm_jobs(logs)
    run_id, started, ended = run_identity(staged, slurm.first_start(jobs) if jobs else None)
    return {
        "run_id": run_id,
        "started": started,
        "ended": ended,
        "code": code_state(code_version),
        "software": software_versions(),
        "slurm_section": jobs,
    }


def software_versions() -> dict[str, str]:
    """Versions of Python and of :data:`PACKAGES`, as installed now."""
    software = {"python": platform.python_version()}
    software.update({name: metadata.version(name) for name in PACKAGES})
    return software


def code_state(package_sha256: str) -> dict[str, Any]:
    """The git state of the checkout holding this package, and the workflow's code hash."""
    return {**io.git_state(Path(__file__).parents[3]), "package_sha256": package_sha256}


def config_hash(values: Mapping[str, Any]) -> str:
    """SHA-256 of configuration values written as canonical JSON (sorted keys)."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def input_entries(markers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per raw input, from its validation marker (the checksum that was checked)."""
    entries = []
    for marker in sorted(markers, key=lambda m: m["input"]):
        entries.append(
            {
                "input": marker["input"],
                "path": marker["file"],
                "form": (marker.get("imported") or {}).get("form", "table"),
                "companions": marker.get("companions", []),
                "sha256": marker["sha256"],
                "rows": marker["rows"],
                "size": marker.get("size"),
                "checks": marker.get("suites", {}),
            }
        )
    return entries


def build_record(
    *,
    cohort: str,
    run_id: str,
    started: str,
    ended: str,
    code: Mapping[str, Any],
    software: Mapping[str, str],
    config_values: Mapping[str, Any],
    inputs: list[dict[str, Any]],
    study_files: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    slurm_section: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance record of one publication of a cohort's results; with a ``slurm``
    section (:func:`slurm_jobs`) only when steps ran under SLURM."""
    record = {
        "schema_version": SCHEMA_VERSION,
        "cohort": cohort,
        "run_id": run_id,
        "started": started,
        "ended": ended,
        "code": dict(code),
        "software": dict(software),
        "config_sha256": config_hash(config_values),
        "config": dict(config_values),
        "inputs": inputs,
        "study_files": study_files,
        "outputs": sorted(outputs, key=lambda o: o["path"]),
    }
    if slurm_section is not None:
        record["slurm"] = dict(slurm_section)
    return record


def crate(record: Mapping[str, Any]) -> dict[str, Any]:
    """A Workflow Run RO-Crate (JSON-LD) describing the published folder and its run."""
    run = f"#run-{record['run_id']}"
    workflow = "#cohort-eval"
    inputs = [
        {
            "@id": f"#input-{entry['input']}",
            "@type": "File",
            "name": entry["input"],
            "description": f"raw input '{entry['input']}' ({entry['form']}), {entry['rows']} rows",
            "sha256": entry["sha256"],
            **({"contentSize": entry["size"]} if entry.get("size") is not None else {}),
        }
        for entry in record["inputs"]
    ]
    outputs = [
        {
            "@id": out["path"],
            "@type": "File",
            "sha256": out["sha256"],
            "contentSize": out["size"],
            "encodingFormat": _media_type(out["path"]),
        }
        for out in record["outputs"]
    ]
    graph: list[dict[str, Any]] = [
        {
            "@id": CRATE,
            "@type": "CreativeWork",
            "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
            "about": {"@id": "./"},
        },
        {
            "@id": "./",
            "@type": "Dataset",
            "name": f"cohort-eval results of cohort {record['cohort']}",
            "description": (
                "Validated, pseudonymised data, survey, activity and reflective-diary analyses "
                f"and the report of cohort {record['cohort']}, as published by cohort-eval."
            ),
            "conformsTo": [
                {"@id": "https://w3id.org/ro/wfrun/process/0.5"},
                {"@id": "https://w3id.org/ro/wfrun/workflow/0.5"},
            ],
            "datePublished": record["ended"],
            "hasPart": [{"@id": o["@id"]} for o in outputs] + [{"@id": RECORD}],
            "mentions": {"@id": run},
            "mainEntity": {"@id": workflow},
        },
        {
            "@id": workflow,
            "@type": ["SoftwareSourceCode", "ComputationalWorkflow"],
            "name": "cohort-eval",
            "version": _version(record["code"]),
            "programmingLanguage": {"@id": "#snakemake"},
        },
        {
            "@id": "#snakemake",
            "@type": "ComputerLanguage",
            "name": "Snakemake",
            "version": record["software"].get("snakemake", ""),
        },
        {
            "@id": run,
            "@type": "CreateAction",
            "name": f"cohort-eval run {record['run_id']}",
            "instrument": {"@id": workflow},
            "startTime": record["started"],
            "endTime": record["ended"],
            "object": [{"@id": i["@id"]} for i in inputs],
            "result": [{"@id": o["@id"]} for o in outputs],
        },
        {
            "@id": RECORD,
            "@type": "File",
            "name": "provenance record",
            "encodingFormat": "application/json",
        },
        *inputs,
        *outputs,
    ]
    return {"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}


def _version(code: Mapping[str, Any]) -> str:
    """The git commit (marked -dirty when the checkout differed from it), else the code hash."""
    if not code.get("git_commit"):
        return f"sha256:{code['package_sha256']}"
    return code["git_commit"] + ("-dirty" if code.get("git_dirty") else "")


def _media_type(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower()
    return {
        "csv": "text/csv",
        "json": "application/json",
        "png": "image/png",
        "svg": "image/svg+xml",
        "html": "text/html",
        "md": "text/markdown",
    }.get(suffix, "application/octet-stream")


def compare(record: Mapping[str, Any], found: Mapping[str, str]) -> list[str]:
    """What differs between a record's outputs and ``found`` (path -> sha256 of the files now
    in the published folder, the record itself and the crate excluded); [] when all match."""
    recorded = {o["path"]: o["sha256"] for o in record["outputs"]}
    problems = []
    for path in sorted(recorded.keys() | found.keys()):
        if path not in found:
            problems.append(f"{path}: missing (recorded sha256 {recorded[path][:12]}…)")
        elif path not in recorded:
            problems.append(f"{path}: not in the record (added after publication)")
        elif found[path] != recorded[path]:
            problems.append(
                f"{path}: changed (recorded sha256 {recorded[path][:12]}…, now {found[path][:12]}…)"
            )
    return problems
