"""Rule plot_survey: the Likert chart of every statement and the domain chart."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.config import load_instrument
from cohort_eval.figures import domain_chart, likert_chart
from cohort_eval.survey import statements_only

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
output = snakemake.output
instrument = load_instrument(io.read_yaml(snakemake.input.instrument))
survey = statements_only(io.read_csv(snakemake.input.survey, dtype={"score": "Int64"}))
likert = likert_chart(survey, instrument, labels=instrument.domain_labels)
domains = domain_chart(io.read_csv(snakemake.input.domains), labels=instrument.domain_labels)
for figure, paths in (
    (likert, (output.likert_png, output.likert_svg)),
    (domains, (output.domains_png, output.domains_svg)),
):
    for path in paths:
        io.save_figure(figure, path)
log.info("figures written")
