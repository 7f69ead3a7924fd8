"""Rule plot_activity_phases: the study's Fig. 1, time share per activity, phase beside phase."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.figures_activity import activity_chart

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
figure = activity_chart(io.read_csv(snakemake.input.phases), phases=snakemake.params.phases)
for path in (snakemake.output.png, snakemake.output.svg):
    io.save_figure(figure, path)
log.info("figure written")
