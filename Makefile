# Two commands do everything on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml

export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: run test ui setup manifest lint validate eval bench clean help

help:
	@echo "make run    - install, prepare dbt, materialize every asset, check, publish"
	@echo "make test   - install, prepare dbt, run the test suite"
	@echo "make ui     - Dagster UI on http://127.0.0.1:3000 (schedules running)"
	@echo "make lint   - ruff on the Python code, sqlfluff on the dbt SQL"
	@echo "make eval   - extraction precision/recall/F1 on the held-out and development sets"
	@echo "make bench  - throughput and trade-path benchmarks (results in benchmarks/results/)"

$(INSTALLED): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "Python 3.11 is required: set PYTHON=/path/to/python3.11 (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

# dbt parse is done here, never when the code location is imported.
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd dbt_project && DBT_PROFILES_DIR=. ../$(BIN)/dbt parse --quiet --no-partial-parse
	touch $@

manifest: $(MANIFEST)

$(DAGSTER_HOME)/dagster.yaml: dagster_instance.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster_instance.yaml $@

setup: $(INSTALLED) $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml

run: setup
	$(BIN)/python -m pipelines.run

test: setup
	$(BIN)/python -m pytest

validate: setup
	$(BIN)/dagster definitions validate -w workspace.yaml

ui: setup
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

lint: $(INSTALLED)
	$(BIN)/ruff check pipelines tests
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

# The development sets are what the rules were tuned on; the evaluation sets were each written blind
# and scored once before their errors were read (their first scores are in eval/announcements/README*.md).
eval: $(INSTALLED)
	$(BIN)/python -m pipelines.lib.evaluation --summary tests/fixtures/announcements_dev/*.jsonl
	$(BIN)/python -m pipelines.lib.evaluation --summary --check-targets eval/announcements/eval_set*.jsonl

bench: setup
	$(BIN)/python benchmarks/extraction_throughput.py
	$(BIN)/python benchmarks/run_baselines.py
	$(BIN)/python benchmarks/run_trade_benchmark.py

clean:
	rm -rf dbt_project/target data/warehouse
