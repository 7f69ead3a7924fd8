"""Rule summarise_cohorts: every cohort's survey domain results side by side, a forest plot of
the participant-unit estimates and the cross-cohort summary page."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs, summary
from cohort_eval.config import load_instrument

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
inputs, output = snakemake.input, snakemake.output
cohorts = list(snakemake.params.cohorts)
instrument = load_instrument(io.read_yaml(inputs.instrument))
domains = {cohort: io.read_csv(path) for cohort, path in zip(cohorts, inputs.domains, strict=True)}
table = summary.cohort_summary(domains, instrument.domains)
io.write_csv(table, output.table)
for path in (output.forest_png, output.forest_svg):
    io.save_figure(summary.forest_plot(table, labels=instrument.domain_labels), path)
# Files by their place in results/ (no absolute path in the page), the instrument by name.
checksums = {
    f"{cohort}/tables/survey_domains.csv": io.sha256_file(path)
    for cohort, path in zip(cohorts, inputs.domains, strict=True)
}
checksums[inputs.instrument.rsplit("/", 1)[-1]] = io.sha256_file(inputs.instrument)
page = summary.render_summary(
    table,
    io.read_bytes(output.forest_svg),
    labels=instrument.domain_labels,
    checksums=checksums,
    code=snakemake.params.code,
)
io.write_text(page, output.page)
log.info("%d cohorts, %d rows; summary written: %d characters", len(cohorts), len(table), len(page))
