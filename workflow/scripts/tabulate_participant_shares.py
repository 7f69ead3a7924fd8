"""Rule tabulate_participant_shares: each participant's time share per activity and phase
(internal mode only: the rule is not requested in publication mode)."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.activity import participant_shares, work_categories
from cohort_eval.config import load_activities

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
categories = load_activities(io.read_yaml(snakemake.input.categories))
activities = io.read_csv(snakemake.input.activities)
shares = participant_shares(activities, snakemake.params.phases, work_categories(categories))
io.write_csv(shares, snakemake.output.shares)
log.info("%d rows", len(shares))
