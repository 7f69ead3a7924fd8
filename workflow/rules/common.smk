import datetime
import hashlib
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCRIPTS = Path(workflow.basedir) / "workflow" / "scripts"
SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"
SUITES = Path(workflow.basedir) / "workflow" / "suites"
sys.path.insert(0, str(SCRIPTS))

from cohort_eval.config import (  # noqa: E402
    check_ranges,
    load_activities,
    load_codebook,
    load_instrument,
)
from cohort_eval.contract import RAW_INPUTS  # noqa: E402
from cohort_eval.errors import ConfigError  # noqa: E402


def _dates_to_text(value):
    """YAML reads 2023-09-04 as a date; the schema and the scripts want ISO text."""
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _load_checked(path, schema):
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as err:
        raise WorkflowError(f"cannot read {path}: {err.strerror}")
    validate(data, schema=str(SCHEMAS / schema))
    return data


# A --configfile that lists cohorts (or phases) replaces those of config/config.yaml instead
# of being merged into them.
_cli_config = workflow.config_settings.overwrite_config or {}
for _key in ("cohorts", "phases"):
    if _key in _cli_config:
        config[_key] = dict(_cli_config[_key])
config.update(_dates_to_text(dict(config)))
validate(config, schema=str(SCHEMAS / "config.schema.yaml"))


def _check_study_config():
    """Schema and cross-checks of the study files and dates, before any job starts."""
    loaders = {
        "instrument": load_instrument,
        "codebook": load_codebook,
        "activities": load_activities,
    }
    try:
        for key, load in loaders.items():
            load(_load_checked(config[key], f"{key}.schema.yaml"))
        check_ranges(list(config["phases"].items()), "phases")
        for cohort_id, settings in config["cohorts"].items():
            try:
                datetime.date.fromisoformat(settings["start"])
            except ValueError:
                raise ConfigError(
                    f"cohort {cohort_id}: start {settings['start']} is not a real date"
                )
            last = max(last for _, last in config["phases"].values())
            if last > settings["months"]:
                raise ConfigError(
                    f"cohort {cohort_id}: phases run to month {last} but the secondment has "
                    f"{settings['months']} months"
                )
    except ConfigError as err:
        raise WorkflowError(f"configuration error: {err}")


_check_study_config()

COHORTS = sorted(config["cohorts"])
RAW_INPUT_NAMES = sorted(RAW_INPUTS)


def package_hash():
    """Content hash of the cohort_eval package, so that code changes rerun the rules using it."""
    digest = hashlib.sha256()
    for path in sorted((SCRIPTS / "cohort_eval").rglob("*")):
        if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(SCRIPTS)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


PACKAGE_HASH = package_hash()


def cohort(wildcards):
    return config["cohorts"][wildcards.cohort]


def drop_dir(wildcards):
    return Path(cohort(wildcards)["drop"])


def raw_input_file(cohort_id, name):
    """The drop's file for raw input ``name`` (.csv or, where allowed, .xlsx)."""
    drop = Path(config["cohorts"][cohort_id]["drop"])
    spec = RAW_INPUTS[name]
    found = [
        drop / f"{name}{suffix}" for suffix in spec.suffixes if (drop / f"{name}{suffix}").exists()
    ]
    if len(found) > 1:
        raise WorkflowError(
            f"cohort {cohort_id}: the drop {drop} holds both {found[0].name} and {found[1].name}; "
            "keep one of them."
        )
    if not found:
        names = " or ".join(f"{name}{suffix}" for suffix in spec.suffixes)
        raise WorkflowError(
            f"cohort {cohort_id}: the drop {drop} has no {names} (see docs/data-contract.md)."
        )
    return str(found[0])


def drop_settings_file(wildcards):
    path = drop_dir(wildcards) / "drop.yaml"
    return [str(path)] if path.exists() else []


def _drop_settings(cohort_id):
    path = Path(config["cohorts"][cohort_id]["drop"]) / "drop.yaml"
    return (_load_checked(path, "drop.schema.yaml") or {}) if path.exists() else {}


DROP_SETTINGS = {c: _drop_settings(c) for c in COHORTS}


def drop_settings(wildcards):
    """The cohort's drop.yaml, checked against its schema at start ({} when there is none)."""
    return DROP_SETTINGS[wildcards.cohort]


def validated_inputs(wildcards):
    """Validation markers a raw input's check needs first (the roster, for membership)."""
    if wildcards.raw_input == "roster":
        return []
    return [f"results/{wildcards.cohort}/validation/roster.ok.json"]


def suite_files(wildcards):
    return [str(SUITES / f"{name}.yaml") for name in RAW_INPUTS[wildcards.raw_input].suites]


def all_outputs():
    return expand(
        "results/{cohort}/validation/{raw_input}.ok.json",
        cohort=COHORTS,
        raw_input=RAW_INPUT_NAMES,
    )
