"""Rule publish_cohort: once every stage of a cohort succeeded, publish its results as a whole
(results/<cohort> switches atomically to the new version) with their provenance record."""

from pathlib import Path
from typing import TYPE_CHECKING

from cohort_eval import io, logs, provenance

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
params = snakemake.params
# results/.build/<cohort>/published.json: the published folders live in results/.
root = Path(snakemake.output.record).parents[2]
staged = dict(zip(params.published, snakemake.input.published, strict=True))
# The full check results are the validation jobs' logs: they exist whenever their markers do.
for marker in snakemake.input.markers:
    result = Path(marker.removesuffix(".ok.json") + ".json")
    staged[f"validation/{result.name}"] = str(result)
    staged[f"validation/{Path(marker).name}"] = marker

run = provenance.run_context(
    staged.values(), Path(snakemake.output.record).parent / "logs", params.code_version
)
markers = [io.read_json(m) for m in snakemake.input.markers]
record = provenance.build_record(
    cohort=snakemake.wildcards.cohort,
    config_values=params.config_values,
    inputs=provenance.input_entries(markers),
    study_files=provenance.file_entries({path: path for path in snakemake.input.study}),
    outputs=provenance.file_entries(staged),
    **run,
)
texts = {
    provenance.RECORD: io.json_text(record),
    provenance.CRATE: io.json_text(provenance.crate(record)),
}
folder = io.publish_folder(staged, texts, root, snakemake.wildcards.cohort, run["run_id"])
removed = io.prune_versions(root, snakemake.wildcards.cohort, params.keep)
io.write_text(texts[provenance.RECORD], snakemake.output.record)
log.info("published %d files as %s; removed %d old versions", len(staged), folder, len(removed))
