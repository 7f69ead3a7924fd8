"""Rule publish_cohort: once every stage of a cohort succeeded, publish its results as a whole
(results/<cohort> switches atomically to the new version) with their provenance record."""

import platform
import uuid
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import cohort_eval
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

ended = datetime.now(UTC)
times = [Path(path).stat().st_mtime for path in staged.values()]
started = datetime.fromtimestamp(min(times), UTC)
run_id = f"{ended:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
outputs = [
    {"path": rel, "sha256": io.sha256_file(path), "size": Path(path).stat().st_size}
    for rel, path in staged.items()
]
markers = [io.read_json(m) for m in snakemake.input.markers]
study_files = [
    {"path": path, "sha256": io.sha256_file(path), "size": Path(path).stat().st_size}
    for path in snakemake.input.study
]
software = {"python": platform.python_version()}
software.update({name: metadata.version(name) for name in provenance.PACKAGES})
code = {
    **io.git_state(Path(cohort_eval.__file__).parents[3]),
    "package_sha256": params.code_version,
}
record = provenance.build_record(
    cohort=snakemake.wildcards.cohort,
    run_id=run_id,
    started=started.isoformat(timespec="seconds"),
    ended=ended.isoformat(timespec="seconds"),
    code=code,
    software=software,
    config_values=params.config_values,
    inputs=provenance.input_entries(markers),
    study_files=study_files,
    outputs=outputs,
)
texts = {
    provenance.RECORD: io.json_text(record),
    provenance.CRATE: io.json_text(provenance.crate(record)),
}
folder = io.publish_folder(staged, texts, root, snakemake.wildcards.cohort, run_id)
removed = io.prune_versions(root, snakemake.wildcards.cohort, params.keep)
io.write_text(texts[provenance.RECORD], snakemake.output.record)
log.info("published %d files as %s; removed %d old versions", len(staged), folder, len(removed))
