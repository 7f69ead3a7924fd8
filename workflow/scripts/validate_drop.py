"""Rule validate_drop: check every raw input of a drop against its suites, the roster first
(the other inputs are checked against its participant references)."""

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cohort_eval import forms, io, logs, sources
from cohort_eval.checks import cohort_context, roster_keys
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.errors import DropError
from cohort_eval.guard import load_suite
from cohort_eval.validation import Report, validate_raw_input

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log.messages)
params, inputs = snakemake.params, snakemake.input
results = dict(zip(params.inputs, snakemake.log.results, strict=True))
markers = dict(zip(params.inputs, snakemake.output.markers, strict=True))
study = {name: io.read_yaml(inputs[name]) for name in ("instrument", "codebook", "activities")}
base = cohort_context(params.start, params.months, params.date_format, study)
settings = sources.ImportSettings(**params.importing)


def check(name: str, keys: frozenset[str] | None) -> tuple[Report, object]:
    """Validate raw input ``name``; also return its raw table (the roster's keys come from it)."""
    spec = RAW_INPUTS[name]
    data, extra = Path(inputs[name]), list(params.companions[name])
    checked = forms.checked_files(data, extra)
    size = sum(Path(f).stat().st_size for f in checked)
    report = Report(
        input=name, file=str(data), sha256=io.sha256_checked(checked), companions=extra, size=size
    )
    raw = None
    try:
        raw, imported = sources.read_raw_input(
            name, data, extra, settings, base.activities, base.codebook
        )
        ctx = replace(base, roster_keys=roster_keys(raw) if keys is None else keys)
        suites = [load_suite(path) for path in params.suites[name]]
        report = validate_raw_input(spec, raw, str(data), report.sha256, ctx, suites)
        report.companions, report.imported, report.size = extra, imported, size
    except DropError as err:
        report.error = str(err)
    io.write_json(report.to_dict(), results[name])
    log.info(
        "%s: %d rows, %d problems, %d warnings",
        data,
        report.rows,
        len(report.messages),
        len(report.warnings),
    )
    return report, raw


roster, roster_raw = check("roster", None)
reports = [roster]
others = [name for name in params.inputs if name != "roster"]
if roster.success:
    keys = roster_keys(roster_raw)
    reports += [check(name, keys)[0] for name in others]
else:
    for name in others:  # a result from an earlier run would describe files not checked now
        Path(results[name]).unlink(missing_ok=True)
failed = [r for r in reports if not r.success]
if failed:
    message = "\n  ".join(m for r in failed for m in r.messages)
    if not roster.success:
        message += "\n  (the other inputs are checked once the roster passes)"
    raise DropError(message, forms.calendar_note(inputs.activity_diary, message))
for report in reports:
    io.write_json(report.marker(), markers[report.input])
