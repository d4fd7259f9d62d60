# Two commands matter: `make run` and `make test`. Both create or reuse .venv at the repo root
# and install only what is missing (a stamp file tracks pyproject.toml).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint fmt bench install system-packages browser serve-dev clean help

help:
	@echo "make run    : installe si besoin, diagnostique, importe le corpus si l'index est vide, puis sert"
	@echo "make test   : installe si besoin, puis lint (ruff) et tous les tests (tests/ et eval/)"
	@echo "make lint | make fmt | make bench"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 ou plus récent est requis")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need, installed only when missing: Chromium for the browser tests
# (never a downloaded browser build), PostgreSQL for the database tests (they start their own
# server with initdb + pg_ctl in a temporary folder, never the system service).
system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium chromium-driver"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

browser: system-packages

run: $(STAMP)
	$(BIN)/assistant doctor || true
	$(BIN)/assistant serve

lint: $(STAMP)
	$(BIN)/ruff check assistant guardrails ui tests eval

fmt: $(STAMP)
	$(BIN)/ruff format assistant guardrails ui tests eval
	$(BIN)/ruff check --fix assistant guardrails ui tests eval

test: $(STAMP) system-packages lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@for script in eval/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
