"""Rule tabulate_code_participants: code x participant counts (internal mode only: the rule
is not requested in publication mode)."""

from typing import TYPE_CHECKING

from cohort_eval import io, logs
from cohort_eval.config import load_codebook
from cohort_eval.diaries import code_participant_matrix

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
codebook = load_codebook(io.read_yaml(snakemake.input.codebook))
segments = io.read_csv(snakemake.input.segments, dtype={"text": "str", "coder": "str"})
pids = io.read_csv(snakemake.input.participants)["pid"].tolist()
matrix = code_participant_matrix(segments, codebook, pids)
io.write_csv(matrix, snakemake.output.matrix)
log.info("%d codes x %d participants", len(matrix), len(pids))
