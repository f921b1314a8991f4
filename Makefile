# Comity: `make run` serves the product with demonstration data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export COMITY_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-sqlite test-postgres bench setup setup-system clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP)

setup-system:
	bash scripts/setup-system.sh --browser --postgres --documents

run: setup
	bash scripts/setup-system.sh --documents
	$(VENV)/bin/comity init --demo
	$(VENV)/bin/comity serve

test: setup setup-system
	bash scripts/run-tests.sh

test-sqlite: setup
	bash scripts/run-tests.sh sqlite

test-postgres: setup setup-system
	bash scripts/run-tests.sh postgres

bench: setup setup-system
	bash scripts/run-benchmarks.sh

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
