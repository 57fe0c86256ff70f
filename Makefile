# Aviso: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# pytest-xdist workers: three on the two-core machines, since many tests spend their
# time waiting on the processes and servers they start. Whole files go to one
# worker (--dist loadfile), so a module's shared fixture runs once.
TEST_WORKERS ?= 3
# The PostgreSQL pass waits on the server more than it computes.
PG_TEST_WORKERS ?= 4
PYTEST := $(PY) -m pytest --dist loadfile

.PHONY: run test lint browser-deps bench-deps clean

$(PY):
	"$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/aviso up --demo

# Debian's Chromium for the browser tests; installed when missing and we are root.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# nginx and wrk for bench/public_load.py; installed when missing and we are root.
bench-deps:
	@if { ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; } \
		&& [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's nginx and wrk for bench/public_load.py"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk >/dev/null; \
	fi

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .

test: $(VENV)/.dev-installed browser-deps
	$(PY) -m ruff check .
	AVISO_DATA_DIR=$$(mktemp -d) $(PY) -m aviso manage makemigrations --check --dry-run >/dev/null
	AVISO_DATABASE_URL= $(PYTEST) -n $(TEST_WORKERS)
	@if $(PY) scripts/pg_reachable.py "$(PG_URL)"; then \
		echo "PostgreSQL reachable: running the engine-specific tests again on it (conftest.py ENGINE_SPECIFIC)"; \
		AVISO_DATABASE_URL="$(PG_URL)" $(PYTEST) -n $(PG_TEST_WORKERS) -m "postgres or (engine_specific and django_db)"; \
	else \
		echo "PostgreSQL not reachable at $(PG_URL): database tests ran on SQLite only"; \
	fi

clean:
	rm -rf $(VENV) data
