"""Rule plot_diaries: thread x stage heat map, code frequency bars, diary compliance grid."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.figures_diaries import code_frequency_bars, compliance_grid, thread_stage_heatmap

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
params, output = snakemake.params, snakemake.output
segments = io.read_csv(snakemake.input.segments, dtype={"text": "str", "coder": "str"})
pids = io.read_csv(snakemake.input.participants)["pid"].tolist()
figures = {
    (output.threads_png, output.threads_svg): thread_stage_heatmap(
        io.read_csv(snakemake.input.threads)
    ),
    (output.codes_png, output.codes_svg): code_frequency_bars(
        io.read_csv(snakemake.input.frequencies)
    ),
    (output.compliance_png, output.compliance_svg): compliance_grid(
        segments, pids, params.start, params.months
    ),
}
for paths, figure in figures.items():
    for path in paths:
        io.save_figure(figure, path)
log.info("figures written")
