"""Rule publish_summary: publish the cross-cohort summary as a whole (results/summary switches
atomically to the new version) with its provenance record, once it was rebuilt and every
cohort it summarises was published."""

from pathlib import Path
from typing import TYPE_CHECKING

from cohort_eval import io, logs, provenance, summary

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
params, inputs = snakemake.params, snakemake.input
# results/.build/summary/published.json: the published folders live in results/.
root = Path(snakemake.output.record).parents[2]
staged = dict(zip(params.published, inputs.published, strict=True))

run = provenance.run_context(
    staged.values(), Path(snakemake.output.record).parent / "logs", params.code_version
)
cohort_inputs = []
for cohort, table, record in zip(params.cohorts, inputs.domains, inputs.records, strict=True):
    (entry,) = provenance.file_entries({f"{cohort}/tables/survey_domains.csv": table})
    cohort_inputs.append(summary.summary_input(cohort, entry, io.read_json(record)))
changed = [i["cohort"] for i in cohort_inputs if not i["same_as_published"]]
if changed:
    raise RuntimeError(
        f"the survey tables of {', '.join(changed)} differ from their published version; "
        "run the workflow again so that those cohorts are published first"
    )
record = summary.summary_record(
    config_values=params.config_values,
    inputs=cohort_inputs,
    study_files=provenance.file_entries({inputs.study: inputs.study}),
    outputs=provenance.file_entries(staged),
    **run,
)
texts = {provenance.RECORD: io.json_text(record)}
folder = io.publish_folder(staged, texts, root, summary.NAME, run["run_id"])
removed = io.prune_versions(root, summary.NAME, params.keep)
io.write_text(texts[provenance.RECORD], snakemake.output.record)
log.info(
    "published %d files of %d cohorts as %s; removed %d old versions",
    len(staged),
    len(cohort_inputs),
    folder,
    len(removed),
)
