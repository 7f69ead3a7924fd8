"""Rule validate_raw_input: check one raw input of a drop against its suites."""

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cohort_eval import io, logs, sources
from cohort_eval.checks import CohortContext, roster_keys
from cohort_eval.config import load_activities, load_codebook, load_instrument
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.errors import DropError
from cohort_eval.guard import load_suite
from cohort_eval.validation import Report, validate_raw_input

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log.messages)
params = snakemake.params
spec = RAW_INPUTS[snakemake.wildcards.raw_input]
data = Path(snakemake.input.data)
extra = list(snakemake.input.companions)
checked = sources.checked_files(data, extra)
sha256 = io.sha256_checked(checked)
size = sum(Path(f).stat().st_size for f in checked)
report = Report(input=spec.name, file=str(data), sha256=sha256, companions=extra, size=size)
try:
    ctx = CohortContext(
        start=params.start,
        months=params.months,
        date_format=params.date_format,
        instrument=load_instrument(io.read_yaml(snakemake.input.instrument)),
        codebook=load_codebook(io.read_yaml(snakemake.input.codebook)),
        activities=load_activities(io.read_yaml(snakemake.input.activities)),
    )
    raw, imported = sources.read_raw_input(
        spec.name,
        data,
        extra,
        sources.ImportSettings(**params.importing),
        ctx.activities,
        ctx.codebook,
    )
    roster = (
        raw if spec.kind == "roster" else io.read_raw_table(snakemake.input.roster, params.encoding)
    )
    ctx = replace(ctx, roster_keys=roster_keys(roster))
    suites = [load_suite(path) for path in snakemake.input.suites]
    report = validate_raw_input(spec, raw, str(data), sha256, ctx, suites)
    report.companions, report.imported, report.size = extra, imported, size
except DropError as err:
    report.error = str(err)
io.write_json(report.to_dict(), snakemake.log.result)
log.info(
    "%s: %d rows, %d problems, %d warnings",
    data,
    report.rows,
    len(report.messages),
    len(report.warnings),
)
if not report.success:
    message = "\n  ".join(report.messages)
    raise DropError(message, sources.calendar_note(data, message))
io.write_json(report.marker(), snakemake.output.checked)
