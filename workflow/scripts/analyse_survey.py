"""Rule analyse_survey: pair pre and post answers, test each domain, write Table 2, the item
table and the Likert and domain charts."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.config import load_instrument
from cohort_eval.errors import DropError
from cohort_eval.figures import domain_chart, likert_chart
from cohort_eval.guard import load_suite, run_suites
from cohort_eval.survey import (
    domain_guard_frame,
    domain_table,
    item_table,
    pair_answers,
    statements_only,
    table2,
    table2_html,
    table2_markdown,
)

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log.messages)
params, output = snakemake.params, snakemake.output
instrument = load_instrument(io.read_yaml(snakemake.input.instrument))
survey = statements_only(io.read_csv(snakemake.input.survey, dtype={"score": "Int64"}))
pairs, pairing = pair_answers(survey)
domains = domain_table(
    pairs, instrument, seed=params.seed, draws=params.draws, max_exact=params.max_exact
)
frame, guard_params = domain_guard_frame(domains, instrument)
outcomes = run_suites(
    [load_suite(p) for p in snakemake.input.suites],
    {"domains": frame},
    guard_params,
    output.domains,
)
io.write_json([o.result for o in outcomes], snakemake.log.guard)
problems = [m for o in outcomes for m in o.messages]
if problems:
    raise DropError("the survey domain table failed its guard:\n  " + "\n  ".join(problems))
published = table2(domains, instrument.domain_labels)
io.write_csv(domains, output.domains)
io.write_csv(published, output.table2)
io.write_text(table2_markdown(published), output.table2_md)
io.write_text(
    table2_html(published, "Pre and post secondment confidence scores by category."),
    output.table2_html,
)
io.write_csv(
    item_table(pairs, instrument, low_answer=params.low_answer, low_mean=params.low_mean),
    output.item_table,
)
io.write_json(pairing, output.pairing)
likert = likert_chart(survey, instrument, labels=instrument.domain_labels)
domain_figure = domain_chart(io.read_csv(output.domains), labels=instrument.domain_labels)
for figure, paths in (
    (likert, (output.likert_png, output.likert_svg)),
    (domain_figure, (output.domains_png, output.domains_svg)),
):
    for path in paths:
        io.save_figure(figure, path)
log.info("pairing: %s; figures written", pairing["participants"])
