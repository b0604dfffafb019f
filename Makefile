# daservice: `make run` sets everything up and serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app daservice
HOST ?= 127.0.0.1
PORT ?= 5000

# WeasyPrint (PDFs) needs Pango; libharfbuzz-subset0 makes its font subsetting ~10x faster.
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# The test suite also drives Chromium and starts a throwaway PostgreSQL cluster.
TEST_DEBS := chromium postgresql

.PHONY: help run serve setup test test-sqlite test-postgresql check assets system-deps bench clean

help:
	@echo "make run    install everything, set up instance/, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   install dev dependencies and run the whole suite on SQLite and PostgreSQL"
	@echo "make check  ruff and mypy"
	@echo "make bench  benchmarks (figures in docs/performance.md)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "daservice needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

daservice/static/build/.built: node_modules/.installed scripts/build-assets.mjs $(shell find assets -type f)
	npm run --silent build
	@touch $@

assets: daservice/static/build/.built

system-deps:
	@scripts/system-deps.sh $(RUNTIME_DEBS)

setup: system-deps $(VENV)/.installed assets
	@$(BIN)/python -m daservice.bootstrap
	@$(FLASK) keys init
	@$(FLASK) db upgrade
	@$(FLASK) demo load

# Links in messages and on certificates (QR codes) point where `make run` serves, unless
# DASERVICE_SERVICE_URL says otherwise.
setup run: export DASERVICE_SERVICE_URL ?= http://$(HOST):$(PORT)

# The scheduled jobs (notifications, SLA breaches, retention) run beside gunicorn and stop with it.
run: setup
	@echo "Serving daservice at http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@$(FLASK) jobs schedule & jobs=$$!; trap 'kill $$jobs 2>/dev/null; wait $$jobs' EXIT; \
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: $(VENV)/.installed assets
	@scripts/system-deps.sh $(RUNTIME_DEBS)
	@scripts/system-deps.sh --required $(TEST_DEBS)
	$(BIN)/pytest -p no:cacheprovider
	$(BIN)/pytest -p no:cacheprovider --db=postgresql

test-sqlite: $(VENV)/.installed assets
	$(BIN)/pytest

test-postgresql: $(VENV)/.installed assets
	$(BIN)/pytest --db=postgresql

check: $(VENV)/.installed
	$(BIN)/ruff check daservice tests bench
	$(BIN)/ruff format --check daservice tests bench
	$(BIN)/mypy daservice

bench: $(VENV)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules daservice/static/build .pytest_cache .mypy_cache .ruff_cache build
