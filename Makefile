# Two commands do everything on a fresh machine with Python 3.11:
#   make run    set up .venv, then run the pipeline on the bundled example cohort
#   make test   set up .venv, then lint and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format example clean verify browser bench

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements.lock -e ".[dev]"
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

# The report test opens the report in Debian's headless Chromium (needs root to install).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup lint browser
	$(BIN)/pytest

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
