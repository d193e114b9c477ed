# Codebridge: `make run` serves the demo site; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test install dev translations extract-messages services lint test-sqlite test-postgres test-reliability bench bench-matching clean

$(BIN)/activate: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BIN)/activate

install: $(BIN)/activate

$(VENV)/.dev: $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.dev

dev: $(VENV)/.dev

# Compiled catalogues are build output (not committed); the .po files are the source.
translations: install
	$(BIN)/pybabel -q compile --use-fuzzy -d app/translations

# For developers adding strings: refresh the template and both catalogues, then translate zh_CN.
extract-messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --ignore-dirs ".* __pycache__ node_modules" -o app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

services:
	@bash scripts/ensure-services.sh

lint: dev
	$(BIN)/ruff check app tests $(wildcard bench)
	$(BIN)/lint-imports --config setup.cfg --no-cache

test-sqlite: dev translations services
	$(BIN)/pytest -q -p no:cacheprovider -m "not reliability"

test-postgres: dev translations services
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/pytest -q -p no:cacheprovider -m "not reliability"

# The long fault checks of the attacker's battery (docs/reliability.md), on both databases.
test-reliability: dev translations services
	$(BIN)/pytest -q -p no:cacheprovider -m reliability tests/reliability
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/pytest -q -p no:cacheprovider -m reliability tests/reliability

test: lint test-sqlite test-postgres test-reliability

# The search benchmark (bench/search_bench.py): figures in the README's Performance section.
bench: install
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python bench/search_bench.py

# The event matching benchmark (bench/matching_bench.py): 5,000 engineers, 1,000 requests; figures in the README.
bench-matching: install
	$(BIN)/python bench/matching_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
