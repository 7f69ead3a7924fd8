"""Rule tabulate_demographics: participant characteristics under the configured disclosure mode."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.disclosure import demographics

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
participants = io.read_csv(snakemake.input.participants)
table = demographics(participants, snakemake.params.mode, snakemake.params.threshold)
io.write_csv(table, snakemake.output.table)
log.info("%d cells, %d suppressed", len(table), int(table["suppressed"].sum()))
