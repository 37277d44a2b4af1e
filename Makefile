# MovieVerse: `make up` runs the whole system, `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: up test install services test-services stop migrate seed lint bench clean-data

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

services: install
	$(PY) -m dev.services ensure

migrate: services
	$(PY) -m stores.migrate

# Whatever step fails or is interrupted, the services this run started are stopped again.
up: install
	@trap '$(PY) -m dev.services stop' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(PY) -m dev.services ensure && \
	$(PY) -m stores.migrate && \
	$(PY) -m seeds --if-empty --no-wait $(SEED_ARGS) && \
	$(VENV)/bin/honcho start -p $(PORT)

# ruff and mypy first: either failing stops the run before any service is started.
test: lint
	@$(PY) -m dev.services ensure --env test; \
	status=$$?; \
	if [ $$status -eq 0 ]; then $(PY) -m pytest $(PYTEST_ARGS); status=$$?; fi; \
	$(PY) -m dev.services stop; \
	exit $$status

stop: install
	$(PY) -m dev.services stop

seed: migrate
	$(PY) -m seeds $(SEED_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: services
	@status=0; for script in bench/seed.py bench/actors.py bench/read.py bench/load.py; do \
		echo "== $$script"; $(PY) $$script || { status=1; break; }; done; \
	$(PY) -m dev.services stop; exit $$status

# The local data (the MongoDB stand-in's files, mails, logs) and the seed runs' progress in Redis;
# the queues and the SQL stores are left alone.
clean-data: install
	-$(PY) -m seeds --forget
	rm -rf $${MOVIEVERSE_DATA:-.data}
