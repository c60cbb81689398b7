# pbs-replication — the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv test lint demo demo-stop bench reliability clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The program-level tests again under shuffled schedules (offline_engine/schedule.py), one run per seed.
SHUFFLE_SEEDS ?= 1 2 3
SHUFFLED_TESTS := tests/program tests/target/test_program.py tests/reliability/test_crash.py tests/reliability/test_fault_matrix.py

test: lint
	$(PY) -m pytest
	@for seed in $(SHUFFLE_SEEDS); do \
		echo "== shuffled schedules, seed $$seed"; \
		OFFLINE_ENGINE_SHUFFLE_SEED=$$seed $(PY) -m pytest -q $(SHUFFLED_TESTS) || exit 1; \
	done

demo: $(STAMP)
	@bash scripts/demo.sh

demo-stop:
	@bash scripts/demo.sh stop

bench: $(STAMP)
	$(PY) -m bench

# The reliability suite alone (also part of `make test`); prints its summary at the end.
reliability: $(STAMP)
	$(PY) -m pytest tests/reliability -m reliability -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .demo .pulumi-state
