# Comity: `make run` serves the product with demonstration data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export COMITY_DATA_DIR ?= $(CURDIR)/var

PIP := $(PY) -m pip --disable-pip-version-check
LOCK_VENV := $(VENV)/lock-tools
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

.PHONY: run test test-sqlite test-postgres bench setup setup-system clean lock

# Exact versions with their hashes (requirements.txt: what runs; requirements-dev.txt: tests and tools),
# then Comity itself without dependencies, built with the pinned setuptools.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --require-hashes -r requirements.txt
	$(PIP) install -q --require-hashes -r requirements-dev.txt
	$(PIP) install -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Re-pin both files from pyproject.toml (runtime ranges, postgres extra) and requirements-dev.in.
# Existing pins are kept where they still fit; `make lock LOCK_ARGS=--upgrade` moves everything to the latest.
lock:
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install -q pip-tools==7.6.2; }
	$(PIP_COMPILE) $(LOCK_ARGS) --extra postgres -o requirements.txt pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) -o requirements-dev.txt requirements-dev.in

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

# Every benchmark, on the instance in COMITY_DATA_DIR (re-runnable: each reuses or names its own accounts and
# data). A benchmark that timed the wrong thing stops with "BENCHMARK FAILED"; make bench then fails too.
bench: setup setup-system
	bash scripts/setup-system.sh --screening  # ICU headers: the screening benchmark builds PyICU for logic-v2
	@log=$$(mktemp); bash scripts/run-benchmarks.sh 2>&1 | tee "$$log"; \
	if grep -qE '^(BENCHMARK FAILED|Traceback \(most recent call last\))' "$$log"; then \
	  rm -f "$$log"; echo "make bench: a benchmark failed (see above)" >&2; exit 1; fi; rm -f "$$log"

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
