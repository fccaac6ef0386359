# urbis — the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: setup demo test lint benchmarks clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

WEB_VENDOR := src/urbis/interfaces/web/static/vendor
RULES_EDITOR := src/urbis/interfaces/web/static/rules-editor
NODE_MODULES := frontend/node_modules/.package-lock.json

# Installs the locked Python dependencies and urbis itself into .venv, the locked front-end
# packages from npm, htmx into the web app's static files, and builds the rules editor island
# (React + @gorules/jdm-editor, with Vite) beside them. Built files are never committed.
setup: $(BIN)/uv $(WEB_VENDOR)/htmx.min.js $(RULES_EDITOR)/rules-editor.js
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .

$(NODE_MODULES): frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund --silent

$(WEB_VENDOR)/htmx.min.js: $(NODE_MODULES)
	mkdir -p $(WEB_VENDOR)
	cp frontend/node_modules/htmx.org/dist/htmx.min.js $(WEB_VENDOR)/htmx.min.js

$(RULES_EDITOR)/rules-editor.js: $(NODE_MODULES) frontend/vite.config.js $(wildcard frontend/rules-editor/*)
	cd frontend && npx --no-install vite build --logLevel warn

# Sets up, creates the SQLite database, seeds the demo utility and serves http://127.0.0.1:8000
demo: setup
	$(BIN)/urbis demo

# Sets up and runs every quality gate and the whole test suite.
test: setup
	bash scripts/test.sh

lint: setup
	bash scripts/test.sh --lint-only

benchmarks: setup
	bash scripts/benchmarks.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .ci-results var frontend/node_modules $(WEB_VENDOR) $(RULES_EDITOR)
