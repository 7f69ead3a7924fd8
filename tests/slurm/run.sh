#!/usr/bin/env bash
# `make test-slurm`: start a single-node SLURM cluster (cluster.sh), run the SLURM tests
# (pytest -m slurm) against it, and stop it again whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=$(mktemp -d "${TMPDIR:-/tmp}/cohort-eval-slurm.XXXXXX")
cleanup() {
	local status=$?
	trap - EXIT INT TERM
	bash tests/slurm/cluster.sh stop "$dir" || status=1
	if [[ $status != 0 ]]; then
		echo "SLURM daemon logs kept in $dir" >&2
	else
		rm -rf "$dir"
	fi
	exit "$status"
}
trap cleanup EXIT INT TERM

bash tests/slurm/cluster.sh start "$dir"
SLURM_CONF=$dir/slurm.conf COHORT_EVAL_SLURM_STATE=$dir/state \
	.venv/bin/pytest -m slurm --durations=5 tests/slurm "$@"
