# The two commands a newcomer needs: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB_NAME ?= branch_rhythm

.PHONY: install infra tools database run test test-unit fuzz topology bench clean

# Debian ships venv's pip bootstrap apart from Python itself (python3.11-venv): installed if missing.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || bin/install-debian-packages \
	  "$$($(PYTHON) -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $@

install: $(VENV)/.installed

tools:
	bin/ensure-tools

infra:
	bin/ensure-infra

database: infra
	@psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(DB_NAME)'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE "$(DB_NAME)"'

## Run the whole system locally (gateway on :8000). Ctrl-C stops it.
run: install database
	DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/$(DB_NAME) $(PY) bin/run-local

## Run every test against the real RabbitMQ and PostgreSQL.
test: install infra tools
	$(PY) -m pytest $(PYTEST_ARGS)

## The tests that need no server (pure logic, contracts, the import rules), in seconds.
test-unit: install
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

## Fuzz every API operation harder than CI does (nightly): FUZZ_EXAMPLES requests each, default 1000.
fuzz: install infra
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-1000} $(PY) -m pytest tests/fuzz -s -p no:logging $(PYTEST_ARGS)

## Which service consumes which event, through which queue (services/subscriptions.py).
topology: install
	@$(PY) -W ignore -m services.subscriptions

bench: install infra
	$(PY) benchmarks/golden_path.py

clean:
	rm -rf $(VENV) var .pytest_cache
