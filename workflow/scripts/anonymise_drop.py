"""Rule anonymise_drop: the only job that reads identifiable data; writes pseudonymised,
redacted tables once the output guard has passed."""

import os
from typing import TYPE_CHECKING

from cohort_eval import forms, io, logs, sources
from cohort_eval.anonymise import anonymise
from cohort_eval.checks import cohort_context
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.disclosure import demographics
from cohort_eval.errors import DropError
from cohort_eval.guard import load_suite, run_suites
from cohort_eval.redact import PID_PATTERN

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log.messages)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
for marker in inputs.validated:
    checked = io.read_json(marker)
    files = forms.checked_files(checked["file"], checked.get("companions", []))
    if io.sha256_checked(files) != checked["sha256"]:
        raise DropError(
            f"{checked['file']} changed after it was validated; run the pipeline again."
        )
study = {name: io.read_yaml(inputs[name]) for name in ("instrument", "codebook", "activities")}
ctx = cohort_context(params.start, params.months, params.date_format, study)
settings = sources.ImportSettings(**params.importing)
raw = {
    name: sources.read_raw_input(
        name, inputs[name], list(inputs.companions), settings, ctx.activities, ctx.codebook
    )[0]
    for name in RAW_INPUTS
}
extra_names = io.read_drop_settings(inputs.settings[0] if inputs.settings else None)
result = anonymise(
    raw, ctx, io.read_key(os.environ), params.pid_digits, extra_names.get("redact_names", [])
)
suites = [load_suite(path) for path in inputs.suites]
outcomes = run_suites(suites, result.guard, {"pid_regex": PID_PATTERN}, "anonymised output")
io.write_json([o.result for o in outcomes], snakemake.log.guard)
problems = [m for o in outcomes for m in o.messages]
if problems:
    raise DropError("the anonymised tables failed their guard:\n  " + "\n  ".join(problems))
for name, table in result.tables.items():
    io.write_csv(table, outputs[name])
io.write_csv(result.redactions, outputs.redactions)
io.write_json(result.summary, outputs.summary)
log.info("anonymised: %s", result.summary)
table1 = demographics(result.tables["participants"], params.mode, params.threshold)
io.write_csv(table1, outputs.demographics)
log.info("demographics: %d cells, %d suppressed", len(table1), int(table1["suppressed"].sum()))
