"""Rule count_diary_codes: code frequencies, co-occurrence, threads by stage, critical events,
diary compliance and coder agreement, from the anonymised segments, and their figures."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.config import load_codebook
from cohort_eval.diaries import (
    co_occurrence,
    code_frequencies,
    code_participant_matrix,
    coder_agreement,
    critical_events,
    diary_compliance,
    diary_guard_frames,
    stage_labels,
    threads_by_stage,
)
from cohort_eval.errors import DropError
from cohort_eval.figures_diaries import code_frequency_bars, compliance_grid, thread_stage_heatmap
from cohort_eval.guard import load_suite, run_suites

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log.messages)
params, output = snakemake.params, snakemake.output
raw_codebook = io.read_yaml(snakemake.input.codebook)
codebook = load_codebook(raw_codebook)
segments = io.read_csv(snakemake.input.segments, dtype={"text": "str", "coder": "str"})
pids = io.read_csv(snakemake.input.participants)["pid"].tolist()
frequencies = code_frequencies(segments, codebook, pids)
threads = threads_by_stage(segments, codebook, stage_labels(raw_codebook))
frames, guard_params = diary_guard_frames(frequencies, threads, segments, codebook)
suites = [load_suite(p) for p in snakemake.input.suites]
outcomes = run_suites(suites, frames, guard_params, output.frequencies)
io.write_json([o.result for o in outcomes], snakemake.log.guard)
problems = [m for o in outcomes for m in o.messages]
if problems:
    raise DropError("the diary tables failed their guard:\n  " + "\n  ".join(problems))
per_code, overall, disagreements = coder_agreement(segments, codebook)
io.write_csv(frequencies, output.frequencies)
io.write_csv(co_occurrence(segments, codebook), output.cooccurrence)
io.write_csv(threads, output.threads)
io.write_csv(critical_events(segments, codebook, params.months), output.events)
io.write_csv(diary_compliance(segments, pids, params.start, params.months), output.compliance)
io.write_csv(per_code, output.agreement)
io.write_csv(disagreements, output.disagreements)
io.write_json(overall, output.agreement_summary)
if params.mode == "internal":
    matrix = code_participant_matrix(segments, codebook, pids)
    io.write_csv(matrix, output.code_participants)
    log.info("%d codes x %d participants", len(matrix), len(pids))
figures = {
    (output.threads_png, output.threads_svg): thread_stage_heatmap(io.read_csv(output.threads)),
    (output.codes_png, output.codes_svg): code_frequency_bars(io.read_csv(output.frequencies)),
    (output.compliance_png, output.compliance_svg): compliance_grid(
        segments, pids, params.start, params.months
    ),
}
for paths, figure in figures.items():
    for path in paths:
        io.save_figure(figure, path)
log.info("%d segments counted; coder agreement: %s; figures written", len(segments), overall)
