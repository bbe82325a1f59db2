# Kompis: the single entry point. `make run` and `make test` do all set-up themselves.
# Run `make help` for the list.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.kompis-installed
WEB_STAMP   := web/node_modules/.kompis-installed
CHROMIUM    ?= /usr/bin/chromium
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install install-browser train run test test-fast lint eval bench lock clean

help: ## Show this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(STAMP) $(WEB_STAMP) ## Install what is missing (Python 3.10 venv, pinned packages, web packages)

$(STAMP): requirements.lock
	@set -e; \
	if [ ! -x "$(PY)" ]; then \
	  py=$$(scripts/find-python.sh); \
	  echo "Creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV); \
	fi; \
	echo "Installing pinned Python packages (first time: a few minutes, ~3 GB)"; \
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock; \
	$(PY) -m pip check; \
	touch $(STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18+ (e.g. apt-get install nodejs npm)"; exit 1; }
	@echo "Installing web packages from the npm registry"
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $(WEB_STAMP)

install-browser: ## Install Debian's Chromium for the browser tests, if missing
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	echo "Installing Chromium (Debian package) for the browser tests"; \
	if [ "$$(id -u)" = 0 ]; then apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	elif command -v sudo >/dev/null; then sudo apt-get install -y -q chromium >/dev/null; \
	else echo "Chromium is missing and I cannot install it: run 'apt-get install chromium' as root"; exit 1; fi

train: install ## Train the model if training data or config changed (fingerprint)
	$(PY) -m bot.training

run: install ## Run Kompis: Rasa :5005, actions 127.0.0.1:5055, web chat and console :8080
	$(PY) -m bot.launcher

test: install install-browser ## Install what is missing and run every test
	$(PY) -m pytest

test-fast: install ## Only the fast unit tests (no model, browser or servers)
	$(PY) -m pytest -m "not slow"

lint: install ## ruff and mypy on our own packages
	$(VENV)/bin/ruff check bot actions tests
	$(VENV)/bin/ruff format --check bot actions tests
	$(VENV)/bin/mypy bot actions

eval: install ## Train on the training split, evaluate on held-out sets: eval/results/
	$(PY) -m bot.evaluate

bench: install ## Benchmarks (language detection, ...): bench/results/
	$(PY) -m bot.bench

lock: ## Re-resolve requirements.in into requirements.lock (needs the package registry)
	@set -e; d=$$(mktemp -d); py=$$(scripts/find-python.sh); "$$py" -m venv $$d; \
	$$d/bin/pip install --quiet --upgrade pip; $$d/bin/pip install --quiet -r requirements.in; \
	$$d/bin/pip check; $$d/bin/pip freeze --all > requirements.lock; rm -rf $$d; echo "requirements.lock updated"

clean: ## Remove models, local databases and caches (keeps the venv)
	rm -rf models var .rasa results bench/results eval/results tests/artifacts
