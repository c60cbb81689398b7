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

# pytest-xdist workers (tests/scheduling.py says which tests go together); PYTEST_WORKERS=0 runs serially.
# Three on a 2-core machine: many tests wait on timeouts, retries and round trips rather than compute.
PYTEST_WORKERS ?= 3
PYTEST_N := $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS))

# The tests whose outcome depends on the order of the engine's steps, again under shuffled schedules
# (offline_engine/schedule.py), one run per seed; docs/testing.md says what is left out and why.
SHUFFLE_SEEDS ?= 1 2 3
SHUFFLED_TESTS := tests/program tests/target/test_program.py tests/reliability/test_crash.py tests/reliability/test_fault_matrix.py
SHUFFLE_LEAVES_OUT := tests/program/test_shuffled.py tests/program/test_config_error_properties.py

test: lint
	$(PY) -m pytest $(PYTEST_N)
	@n=$(words $(SHUFFLE_SEEDS)); k=0; for seed in $(SHUFFLE_SEEDS); do k=$$((k + 1)); \
		echo "== shuffled schedules, seed $$seed (fault matrix: share $$k/$$n of the chains)"; \
		OFFLINE_ENGINE_SHUFFLE_SEED=$$seed FAULT_MATRIX_SHARE=$$k/$$n $(PY) -m pytest -q $(PYTEST_N) \
			$(SHUFFLED_TESTS) $(addprefix --ignore=,$(SHUFFLE_LEAVES_OUT)) || exit 1; \
	done

# The demo needs only the runtime requirements (the program, its providers, the simulators and the offline
# engine); a venv that `make test` set up has them already. VERBOSE=1 shows the task logs too.
DEMO_STAMP := $(VENV)/.installed-runtime

$(DEMO_STAMP): requirements.txt | $(PY)
	@if [ -f $(STAMP) ] && [ $(STAMP) -nt requirements.txt ]; then touch $(DEMO_STAMP); else \
	  echo "installing the runtime requirements (requirements.txt) into $(VENV)"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt && touch $(DEMO_STAMP); fi

demo: $(DEMO_STAMP)
	@$(PY) scripts/demo.py $(if $(VERBOSE),--verbose)

demo-stop:
	@$(PY) scripts/demo.py stop

bench: $(STAMP)
	$(PY) -m bench

# The reliability suite alone (also part of `make test`); prints its summary at the end and writes
# the committed report docs/reports/reliability.md + .json (stamped with the commit and date measured).
reliability: $(STAMP)
	$(PY) -m pytest tests/reliability -m reliability -q --reliability-report docs/reports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .demo .pulumi-state .pulumi-cli
