import datetime
import functools
import hashlib
import os
import re
import sys
from pathlib import Path

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.io import strip_wildcard_constraints

SCRIPTS = Path(workflow.basedir) / "workflow" / "scripts"
SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"
SUITES = Path(workflow.basedir) / "workflow" / "suites"
sys.path.insert(0, str(SCRIPTS))

from cohort_eval.config import (  # noqa: E402
    check_cohort_ids,
    check_ranges,
    load_activities,
    load_codebook,
    load_instrument,
)
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.errors import ConfigError, RunError  # noqa: E402
from cohort_eval.io import (  # noqa: E402
    KEY_FILE_VARIABLE,
    KEY_VARIABLE,
    SAFE_LOADER,
    check_writable,
    claim_run,
    key_id,
    read_key,
    sha256_checked,
)
from cohort_eval.forms import candidates, checked_files, companions, form_of  # noqa: E402


def _dates_to_text(value):
    """YAML reads 2023-09-04 as a date; the schema and the scripts want ISO text."""
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@functools.cache
def _validator(schema):
    """A schema of workflow/schemas/, read once per start (a drop.yaml per cohort uses it)."""
    with open(SCHEMAS / schema, encoding="utf-8") as handle:
        return jsonschema.Draft202012Validator(yaml.load(handle, Loader=SAFE_LOADER))


def validate(data, schema, source):
    """Check ``data`` against a schema of workflow/schemas/, naming every place that does not
    match (snakemake.utils.validate stops at the first)."""
    errors = sorted(
        _validator(schema).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
    )
    if errors:
        places = [f"{e.json_path}: {e.message}" for e in errors]
        raise WorkflowError(
            f"configuration error: {source} does not match {schema}:\n  " + "\n  ".join(places)
        )


def _load_checked(path, schema):
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=SAFE_LOADER)
    except OSError as err:
        raise WorkflowError(f"cannot read {path}: {err.strerror}")
    validate(data, schema, path)
    return data


# A --configfile that lists cohorts (or phases) replaces those of config/config.yaml instead
# of being merged into them.
_cli_config = workflow.config_settings.overwrite_config or {}
for _key in ("cohorts", "phases"):
    if _key in _cli_config:
        config[_key] = dict(_cli_config[_key])
config.update(_dates_to_text(dict(config)))
try:
    check_cohort_ids(list(config.get("cohorts") or {}))
except ConfigError as err:
    raise WorkflowError(f"configuration error: {err}")
validate(config, "config.schema.yaml", "the configuration")


def _check_study_config():
    """Schema and cross-checks of the study files and dates, before any job starts."""
    loaders = {
        "instrument": load_instrument,
        "codebook": load_codebook,
        "activities": load_activities,
    }
    try:
        loaded = {
            key: load(_load_checked(config[key], f"{key}.schema.yaml"))
            for key, load in loaders.items()
        }
        leave_category = config["calendars"]["leave_category"]
        if leave_category not in loaded["activities"].leave:
            raise ConfigError(
                f"calendars: leave_category '{leave_category}' is not a leave category of "
                f"{config['activities']}; expected one of {sorted(loaded['activities'].leave)}"
            )
        check_ranges(list(config["phases"].items()), "phases")
        for cohort_id, settings in config["cohorts"].items():
            try:
                datetime.date.fromisoformat(settings["start"])
            except ValueError:
                raise ConfigError(
                    f"cohort {cohort_id}: start {settings['start']} is not a real date"
                )
            stages_end = max(last for _, last in loaded["codebook"].stages.values())
            if stages_end < settings["months"]:
                raise ConfigError(
                    f"cohort {cohort_id}: the secondment has {settings['months']} months but "
                    f"the stages of {config['codebook']} end at month {stages_end}; extend "
                    "the last stage so that every diary entry falls in a stage"
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

# The key reaches jobs only through the environment; params carry its one-way fingerprint so
# that a new key reruns anonymisation without the key itself ever being stored.
try:
    KEY_ID = key_id(read_key(os.environ))
except ConfigError as err:
    raise WorkflowError(str(err))

# Same as an `envvars:` directive, for whichever of the two variables holds the key.
workflow.register_envvars(KEY_VARIABLE if os.environ.get(KEY_VARIABLE) else KEY_FILE_VARIABLE),

# One run at a time in a working directory, held until this process ends, even by SIGKILL;
# Snakemake lock files a killed run left behind are removed (cohort_eval.io.claim_run).
if workflow.is_main_process:
    try:
        RUN_LOCK, _stale_locks = claim_run(".")
        check_writable("results")
    except RunError as err:
        raise WorkflowError(str(err))
    if _stale_locks:
        print(
            f"Removed {_stale_locks} Snakemake lock files left by a run that was stopped "
            "(killed, or the machine went down); no other run is active here.",
            file=sys.stderr,
        )


COHORTS = sorted(config["cohorts"])
RAW_INPUT_NAMES = sorted(RAW_INPUTS)


# `from cohort_eval[.x] import a, b` (one line or parenthesised) and `import cohort_eval.x`,
# wherever they are in a file; a regular expression is much faster than parsing every module
# at every start.
_IMPORT = re.compile(
    r"^\s*(?:from\s+(cohort_eval[\w.]*)\s+import\s+(\([^)]*\)|[^\n]*)"
    r"|import\s+(cohort_eval[\w.]*))",
    re.M,
)


@functools.cache
def _imported_modules(path):
    """The cohort_eval modules that the file ``path`` imports directly (read once per start:
    many rules share modules)."""
    found = set()
    for module, names, plain in _IMPORT.findall(path.read_text(encoding="utf-8")):
        candidates = [plain] if plain else [module]
        for name in re.split(r"[\s,()]+", names):
            if name and name not in ("as", "noqa:", "#"):
                candidates.append(f"{module}.{name}")
        for name in candidates:
            stem = SCRIPTS / Path(*name.split("."))
            for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
                if candidate.exists():
                    found.add(candidate)
    return frozenset(found)


def _package_modules(path, seen):
    """cohort_eval modules imported by ``path``, transitively."""
    for module in _imported_modules(path):
        if module not in seen:
            seen.add(module)
            _package_modules(module, seen)
    return seen


def code_hash(script):
    """Content hash of a script and of the package modules it imports. Snakemake notices
    edits to the script only, so this goes into params to rerun what a code change affects."""
    digest = hashlib.sha256()
    for path in sorted(_package_modules(SCRIPTS / script, {SCRIPTS / script})):
        digest.update(str(path.relative_to(SCRIPTS)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cohort(wildcards):
    return config["cohorts"][wildcards.cohort]


def drop_dir(wildcards):
    return Path(cohort(wildcards)["drop"])


@functools.cache
def raw_input_file(cohort_id, name):
    """The drop's file (or calendars/ folder) holding raw input ``name``, in whichever of its
    forms the drop holds (see cohort_eval.forms); looked up once per start."""
    drop = Path(config["cohorts"][cohort_id]["drop"])
    found = [drop / c for c in candidates(name) if (drop / c).exists()]
    if len(found) > 1:
        raise WorkflowError(
            f"cohort {cohort_id}: the drop {drop} holds both {found[0].name} and {found[1].name}; "
            "keep one of them."
        )
    if not found:
        *others, last = candidates(name)
        names = f"{', '.join(others)} or {last}" if others else last
        raise WorkflowError(
            f"cohort {cohort_id}: the drop {drop} has no {names} (see docs/data-contract.md)."
        )
    return str(found[0])


@functools.cache
def companion_files(cohort_id, name):
    """Optional files read with a tool's export (code mapping, source manifest), if present."""
    drop = Path(config["cohorts"][cohort_id]["drop"])
    if form_of(raw_input_file(cohort_id, name)) == "table":
        return []
    return [str(drop / c) for c in companions(name) if (drop / c).exists()]


def input_companions(wildcards):
    """Each raw input's companion files, by input name."""
    return {name: companion_files(wildcards.cohort, name) for name in RAW_INPUT_NAMES}


def all_companions(wildcards):
    return [f for name in RAW_INPUT_NAMES for f in companion_files(wildcards.cohort, name)]


@functools.cache
def _calendar_checksum(cohort_id):
    path = raw_input_file(cohort_id, "activity_diary")
    return sha256_checked(checked_files(path)) if form_of(path) == "calendars" else ""


def calendar_checksum(wildcards):
    """Snakemake sees a calendars/ folder's time, not its files' contents: their checksum goes
    into params so that an edited calendar reruns the cohort (names are not stored). Read once
    per cohort, though the validation and anonymisation jobs both ask for it."""
    return _calendar_checksum(wildcards.cohort)


def import_settings(wildcards):
    """What the importers need (cohort_eval.sources.ImportSettings), as plain values."""
    settings = drop_settings(wildcards)
    contract = config["contract"]
    return {
        "encoding": settings.get("encoding"),
        "calendar_locale": settings.get("calendar_locale", "en-GB"),
        "daily_hours": contract["weekly_hours"] * contract["wte"] / 5,
        "calendars": config["calendars"],
        "qda_source_pattern": settings.get("qda_source_pattern"),
        "qda_date_variable": settings.get("qda_date_variable"),
        "start": cohort(wildcards)["start"],
        "months": cohort(wildcards)["months"],
        "max_file_bytes": round(config["limits"]["max_file_mb"] * 1_000_000),
    }


def drop_settings_file(wildcards):
    path = drop_dir(wildcards) / "drop.yaml"
    return [str(path)] if path.exists() else []


def _drop_settings(cohort_id):
    path = Path(config["cohorts"][cohort_id]["drop"]) / "drop.yaml"
    settings = (_load_checked(path, "drop.schema.yaml") or {}) if path.exists() else {}
    pattern = settings.get("qda_source_pattern")
    if pattern:
        try:
            groups = re.compile(pattern).groupindex
        except re.error as err:
            raise WorkflowError(f"configuration error: {path}: qda_source_pattern: {err}")
        if not set(groups) & {"participant_ref", "entry_date"}:
            raise WorkflowError(
                f"configuration error: {path}: qda_source_pattern has no group named "
                "participant_ref or entry_date, e.g. (?P<participant_ref>...)"
            )
    return settings


DROP_SETTINGS = {c: _drop_settings(c) for c in COHORTS}


def drop_settings(wildcards):
    """The cohort's drop.yaml, checked against its schema at start ({} when there is none)."""
    return DROP_SETTINGS[wildcards.cohort]


def input_suites():
    """The suite files that check each raw input, by input name."""
    return {
        name: [str(SUITES / f"{suite}.yaml") for suite in RAW_INPUTS[name].suites]
        for name in RAW_INPUT_NAMES
    }


def all_input_suites():
    return sorted({path for paths in input_suites().values() for path in paths})


def raw_inputs(wildcards):
    """Every raw input file of the cohort's drop, by name."""
    return {name: raw_input_file(wildcards.cohort, name) for name in RAW_INPUT_NAMES}


def validation_markers(wildcards):
    return [
        f"results/.build/{wildcards.cohort}/validation/{name}.ok.json" for name in RAW_INPUT_NAMES
    ]


def guard_suites(*names):
    return [str(SUITES / f"{name}.yaml") for name in names]


# The cross-cohort summary's build folder (published as results/summary; the schema keeps
# `summary` from being a cohort id).
SUMMARY_PREFIX = "results/.build/summary/"


def all_outputs():
    """One publication record per cohort and one of the cross-cohort summary: publishing
    needs every output of the cohort (of the summary)."""
    cohorts = expand("results/.build/{cohort}/published.json", cohort=COHORTS)
    return cohorts + [f"{SUMMARY_PREFIX}published.json"]


# Rules whose outputs are not published (the record is written by publishing itself).
UNPUBLISHED_RULES = {"all", "publish_cohort", "publish_summary"}
BUILD_PREFIX = "results/.build/{cohort}/"


def published_map(wildcards):
    """Relative path in the published folder -> the built file, for every output of every rule
    of the cohort (logs and benchmarks stay in the build folder)."""
    return _published_map(wildcards.cohort)


# Cached, like the drop's files above: a 1,000-cohort job graph asks for each many times.
@functools.cache
def _published_map(cohort_id):
    files = {}
    for step in workflow.rules:
        if step.name in UNPUBLISHED_RULES:
            continue
        for pattern in step.output:
            pattern = strip_wildcard_constraints(str(pattern))
            if not pattern.startswith(BUILD_PREFIX):
                continue
            path = pattern.format(cohort=cohort_id)
            files[path.removeprefix(BUILD_PREFIX.format(cohort=cohort_id))] = path
    return dict(sorted(files.items()))


def published_files(wildcards):
    return list(published_map(wildcards).values())


def published_names(wildcards):
    return list(published_map(wildcards))


def summary_map(wildcards):
    """Relative path in results/summary -> the built file, for every output of the summary's
    rules (its log and benchmark stay in the build folder)."""
    files = {}
    for step in workflow.rules:
        if step.name in UNPUBLISHED_RULES:
            continue
        for pattern in step.output:
            path = str(pattern)
            if path.startswith(SUMMARY_PREFIX):
                files[path.removeprefix(SUMMARY_PREFIX)] = path
    return dict(sorted(files.items()))


def summary_files(wildcards):
    return list(summary_map(wildcards).values())


def summary_names(wildcards):
    return list(summary_map(wildcards))


def cohort_tables(name):
    """A table of every cohort's build folder, e.g. cohort_tables("survey_domains")."""
    return expand("results/.build/{cohort}/tables/{name}.csv", cohort=COHORTS, name=name)


def summary_config_values():
    """The configuration behind the summary, for its provenance record: the cohorts as
    configured, the instrument and the survey and publication settings."""
    return {
        "cohorts": {c: dict(config["cohorts"][c]) for c in COHORTS},
        "instrument": config["instrument"],
        "survey": config["survey"],
        "publish": config["publish"],
    }


def participant_level(**outputs):
    """Outputs that name participants (by pid): declared in internal mode only, so that
    publication mode can never produce them, even when asked for by name."""
    return outputs if config["disclosure"]["mode"] == "internal" else {}


def report_result(path, caption, category, label, participant_level=False):
    """``path`` marked for Snakemake's own report (snakemake --report report.zip): its
    caption is workflow/report/<caption>.rst, it is filed under ``category`` and, for a
    cohort's file, under the cohort as subcategory. The path itself is unchanged. Files that
    name participants stay out of the report in publication mode."""
    if participant_level and config["disclosure"]["mode"] != "internal":
        return path
    return report(
        path,
        # Relative to workflow/rules/, where every rule is defined.
        caption=f"../report/{caption}.rst",
        category=category,
        subcategory="{cohort}" if "{cohort}" in path else "All cohorts",
        labels={"Output": label, "File": path.removeprefix("results/.build/")},
    )


def cohort_config_values(wildcards):
    """The configuration behind a cohort's results, for its provenance record (no drop.yaml:
    its redact_names are names of people)."""
    keys = ("instrument", "codebook", "activities", "phases", "contract", "calendars")
    keys += ("anonymisation", "survey", "disclosure", "publish")
    values = {"cohort": dict(cohort(wildcards)), **{k: config[k] for k in keys}}
    settings = drop_settings(wildcards)
    values["drop_settings"] = {k: v for k, v in settings.items() if k not in ("redact_names",)} | {
        "redact_names": len(settings.get("redact_names", []))
    }
    values["key_id"] = KEY_ID
    return values


def _code_version():
    """SHA-256 over the workflow's code and checks: the Snakefile, rules, scripts, suites
    and schemas."""
    base = Path(workflow.basedir)
    files = [base / "Snakefile"] + sorted(
        p
        for folder in ("rules", "scripts", "suites", "schemas")
        for p in (base / "workflow" / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


CODE_VERSION = _code_version()
