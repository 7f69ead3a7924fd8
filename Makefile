# Two commands do everything on a fresh machine with Python 3.11:
#   make run    set up .venv, then run the pipeline on the bundled example cohort
#   make test   set up .venv, then lint and run the test suite
# and, for clusters (README, "Running on a cluster"):
#   make setup-slurm   add the SLURM executor plugin to .venv (for profiles/slurm)
#   make test-slurm    run the SLURM tests on a single-node SLURM started here (root, Debian)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SLURM_STAMP := $(VENV)/.installed-slurm

.PHONY: setup setup-slurm run test test-slurm slurm-packages lint format example clean verify \
	browser bench determinism

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements.lock -e ".[dev]"
	@touch $@

setup-slurm: $(SLURM_STAMP)

$(SLURM_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements.lock -e ".[dev,slurm]"
	@touch $@

# The example runs with the demo key; real drops need a key of your own (see README).
run: setup
	COHORT_EVAL_KEY_FILE=$${COHORT_EVAL_KEY_FILE:-resources/demo.key} $(BIN)/snakemake --cores all
	@echo
	@echo "Done. Results are in results/example/: report.html, tables/ (Table 2, Fig. 1 data,"
	@echo "code frequencies, threads by stage, ...), figures/, anonymised/, validation/ and"
	@echo "provenance.json (check with: make verify). Logs: results/.build/example/logs/."
	@echo "docs/outputs.md describes every file."

# Re-hash a cohort's published results against its provenance record: make verify COHORT=example
COHORT ?= example
verify: setup
	$(BIN)/python -m cohort_eval.verify results/$(COHORT)

# Benchmarks (not tests): prints wall, CPU and peak memory of scenarios A-F against their
# floors and writes the table into docs/performance.md. Full size takes a long while (C and D
# run 100 cohorts three times); e.g. BENCH_ARGS="--runs 1 --only A,B,F" for a quick look.
BENCH_ARGS ?=
bench: setup
	$(BIN)/python tests/benchmarks/bench.py --write $(BENCH_ARGS)

# Two cold runs of 100 synthetic cohorts must write byte-identical results (not in make test:
# it takes the better part of an hour). Fewer cohorts: make determinism COHORTS_N=10
COHORTS_N ?= 100
determinism: setup
	COHORT_EVAL_DETERMINISM_COHORTS=$(COHORTS_N) $(BIN)/pytest -m slow tests/workflow/test_determinism.py

# The report test opens the report in Debian's headless Chromium (needs root to install).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup lint browser
	$(BIN)/pytest

# Debian's SLURM and munge, for the single-node cluster of test-slurm (needs root).
slurm-packages:
	@command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends slurm-wlm munge >/dev/null; }

# Starts munged, slurmctld and slurmd in a temporary folder, runs the example and three synthetic
# cohorts locally and through profiles/slurm, compares them, and stops the daemons (even on failure).
test-slurm: setup-slurm slurm-packages
	bash tests/slurm/run.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/snakefmt Snakefile workflow/rules

# Rewrite the bundled example drop from the seeded simulator (byte-identical).
example: setup
	$(BIN)/python -m cohort_eval.simulate --out resources/example

clean:
	rm -rf results .snakemake .bench
