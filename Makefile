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

test: lint
	$(PY) -m pytest

demo: $(STAMP)
	@bash scripts/demo.sh

demo-stop:
	@bash scripts/demo.sh stop

bench: $(STAMP)
	$(PY) -m bench

# The reliability suite alone (also part of `make test`); prints its summary at the end and writes
# the committed report docs/reports/reliability.md + .json (stamped with the commit and date measured).
reliability: $(STAMP)
	$(PY) -m pytest tests/reliability -m reliability -q --reliability-report docs/reports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .demo .pulumi-state
