# victimcare: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
VICTIMCARE := $(VENV)/bin/victimcare
PYTEST := $(VENV)/bin/pytest
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/victimcare
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help demo test test-sqlite test-postgres lint format bench install install-test assets system-test-deps clean

help: ## List the make targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed assets ## Create .venv and install victimcare with its front-end assets

install-test: $(VENV)/.installed-test assets system-test-deps ## Install what the tests need too

assets: node_modules/.installed ## Build GOV.UK Frontend into the static files
	$(PY) scripts/build_assets.py

system-test-deps: ## Debian packages for browser tests and the R cross-check (CI installs them)
	@if [ "$$CI" = "true" ]; then bash .ci/system-deps; \
	else for p in chromium Rscript; do command -v $$p >/dev/null || echo "note: $$p is not installed; tests that need it will skip (sudo bash .ci/system-deps installs it)"; done; fi

demo: install ## Build the synthetic demo world in var/ and serve it on http://127.0.0.1:8000 with the background worker (email in var/email/)
	$(VICTIMCARE) demo

test: install-test ## Run every test: SQLite, then PostgreSQL (skipped with a reason when none answers, outside CI)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# Tests run on every core (pytest-xdist); each worker has its own test database.
PYTEST_WORKERS ?= auto

test-sqlite: $(VENV)/.installed-test
	$(PYTEST) -q -p no:cacheprovider -n $(PYTEST_WORKERS)

# The estimation library never touches Django's database, so the PostgreSQL pass leaves it out.
test-postgres: $(VENV)/.installed-test
	@if $(PY) scripts/postgres_ready.py "$(POSTGRES_URL)"; then \
		DATABASE_URL="$(POSTGRES_URL)" $(PYTEST) -q -p no:cacheprovider -n $(PYTEST_WORKERS) --ignore=tests/estimation -m "not browser"; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is required in CI but does not answer at $(POSTGRES_URL)"; exit 1; \
	else echo "SKIPPED PostgreSQL tests: no server answers at $(POSTGRES_URL) (set POSTGRES_URL to point at one)"; fi

lint: $(VENV)/.installed-test ## ruff lint and format check, mypy, the apps' layers (import-linter); no model change without its migration
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	PYTHONPATH=src $(VENV)/bin/mypy
	PYTHONPATH=src $(VENV)/bin/lint-imports
	@tmp="$$(mktemp -d)"; VICTIMCARE_VAR_DIR="$$tmp" $(VICTIMCARE) manage makemigrations --check --dry-run >/dev/null; \
		rc=$$?; rm -rf "$$tmp"; \
		if [ $$rc -ne 0 ]; then echo "lint: a model changed without its migration (victimcare manage makemigrations)"; exit 1; fi

format: $(VENV)/.installed-test ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix src tests benchmarks scripts
	$(VENV)/bin/ruff format src tests benchmarks scripts

bench: install-test ## Run the benchmarks (prints figures with a same-run baseline)
	$(PIP) install -q -e '.[bench]' || echo "note: the bench extra (svy) could not be installed; svy's lines will be skipped"
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean: ## Remove the virtualenv, node_modules, built assets and var/
	rm -rf $(VENV) node_modules var src/victimcare/core/static/govuk
