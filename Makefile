# Codebridge: `make run` serves the demo site; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app

.PHONY: run test install dev translations services lint check clean

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

translations: install
	$(BIN)/pybabel compile -q -d app/translations

run: install translations
	$(FLASK) db upgrade
	@if [ ! -f instance/.demo-loaded ]; then $(FLASK) demo load && touch instance/.demo-loaded; fi
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

services:
	@bash scripts/ensure-services.sh

lint: dev
	$(BIN)/ruff check app tests bench
	$(BIN)/lint-imports --config setup.cfg

test: dev translations services lint
	$(BIN)/pytest -q -p no:cacheprovider
	TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(BIN)/pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
