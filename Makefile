# Three commands matter: `make run` (serve), `make test` (everything CI runs) and `make quick`
# (the inner loop). All create or reuse .venv at the repo root and install only what is missing:
# two stamp files track pyproject.toml, one for what serving needs, one for the dev extras
# (pytest, ruff, Playwright, llama.cpp's server, which compiles for about 13 minutes).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.installed-serve
DEV_STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=
QUICK_MARKERS := not slow and not llm

.PHONY: run test quick lint fmt bench install install-dev system-packages browser clean help

help:
	@echo "make run    : installe ce que le service demande, diagnostique, importe le corpus si l'index est vide, puis sert"
	@echo "make test   : installe aussi les outils de test (et Chromium), puis lint (ruff) et tous les tests (tests/ et eval/)"
	@echo "make quick  : boucle courte du développeur : ruff et les tests unitaires (ni « slow » ni « llm »), moins de 2 minutes"
	@echo "make lint | make fmt | make bench"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 ou plus récent est requis")'
	$(PYTHON) -m venv $(VENV)

# Serving: the runtime dependencies only.
$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(SERVE_STAMP)

# Development: the runtime dependencies and the dev extra; it covers serving too, so that
# `make run` after `make test` installs nothing.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(DEV_STAMP) $(SERVE_STAMP)

install: $(SERVE_STAMP)

install-dev: $(DEV_STAMP)

# Debian packages the tests need, installed only when missing: Chromium for the browser tests
# (never a downloaded browser build), PostgreSQL for the database tests (they start their own
# server with initdb + pg_ctl in a temporary folder, never the system service), poppler's
# pdftoppm to draw the bilan's PDF pages as pictures.
system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium chromium-driver"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

browser: system-packages

run: $(SERVE_STAMP)
	$(BIN)/assistant doctor || true
	$(BIN)/assistant serve

lint: $(DEV_STAMP)
	$(BIN)/ruff check assistant guardrails ui tests eval

fmt: $(DEV_STAMP)
	$(BIN)/ruff format assistant guardrails ui tests eval
	$(BIN)/ruff check --fix assistant guardrails ui tests eval

# The whole suite, as CI runs it; it fails if it left the working tree changed (the quality
# history grows only with EVAL_HISTORY=1, artifacts go to ignored folders).
test: $(DEV_STAMP) system-packages lint
	@before="$$(git status --porcelain --untracked-files=all 2>/dev/null)"; \
	$(BIN)/python -m pytest $(PYTEST_ARGS) || exit $$?; \
	after="$$(git status --porcelain --untracked-files=all 2>/dev/null)"; \
	if [ "$$before" != "$$after" ]; then \
		echo "Les tests ont modifié l'arbre de travail :"; \
		diff <(echo "$$before") <(echo "$$after"); \
		exit 1; \
	fi

# The inner loop: lint and the unit tests, without the tests that start servers, browsers or
# subprocesses (`slow`) or llama.cpp (`llm`).
quick: $(DEV_STAMP) lint
	$(BIN)/python -m pytest tests -q -m "$(QUICK_MARKERS)" $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	@for script in eval/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
