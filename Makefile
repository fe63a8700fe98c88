# Two commands do all set-up on a fresh machine:
#   make demo   — install into .venv, then run the whole loop on embedded defaults
#   make test   — install into .venv, then run the suite on SQLite and on PostgreSQL
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/dunning demo

test: $(STAMP)
	DUNNING_TEST_DB=sqlite $(PY) -m pytest -n 2 -q
	DUNNING_TEST_DB=postgresql $(PY) -m pytest -n 2 -q

lint: $(STAMP)
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/plan.py --accounts 1000000
