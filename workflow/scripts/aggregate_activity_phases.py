"""Rule aggregate_activity_phases: time share per activity and phase (with the study's Fig. 1),
and contract hours."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.activity import (
    COHORT_ROW,
    contract_hours,
    participant_shares,
    phase_change,
    phase_guard_frame,
    phase_table,
    work_categories,
)
from cohort_eval.config import load_activities
from cohort_eval.errors import DropError
from cohort_eval.figures_activity import activity_chart
from cohort_eval.guard import load_suite, run_suites

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log.messages)
params, output = snakemake.params, snakemake.output
categories = load_activities(io.read_yaml(snakemake.input.categories))
activities = io.read_csv(snakemake.input.activities)
table = phase_table(activities, params.phases, work_categories(categories), categories.labels)
frame, guard_params = phase_guard_frame(table, params.phases, work_categories(categories))
suites = [load_suite(p) for p in snakemake.input.suites]
outcomes = run_suites(suites, {"phases": frame}, guard_params, output.phases)
io.write_json([o.result for o in outcomes], snakemake.log.guard)
problems = [m for o in outcomes for m in o.messages]
if problems:
    raise DropError("the activity phase table failed its guard:\n  " + "\n  ".join(problems))
hours = contract_hours(
    activities,
    io.read_csv(snakemake.input.participants),
    params.start,
    params.months,
    params.wte,
    params.weekly_hours,
)
if params.mode == "publication":
    hours = hours[hours["pid"] == COHORT_ROW]
io.write_csv(table, output.phases)
io.write_csv(phase_change(table), output.change)
io.write_csv(hours, output.contract)
if params.mode == "internal":
    shares = participant_shares(activities, params.phases, work_categories(categories))
    io.write_csv(shares, output.shares)
    log.info("%d participant share rows", len(shares))
figure = activity_chart(io.read_csv(output.phases), phases=params.phases)
for path in (output.png, output.svg):
    io.save_figure(figure, path)
log.info("%d phase rows; contract hours for %d rows; figure written", len(table), len(hours))
