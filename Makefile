# Two commands do all set-up on a fresh machine:
#   make demo   — install into .venv, then run the whole loop on embedded defaults
#   make test   — install into .venv, then run the suite on SQLite and on PostgreSQL
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NODE_DIR := tests/interop/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed-stamp

.PHONY: demo test lint bench install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# node-smpp, the independent SMSC of tests/interop (needs node and npm)
$(NODE_STAMP): $(NODE_DIR)/package-lock.json
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund
	touch $(NODE_STAMP)

demo: $(STAMP)
	$(VENV)/bin/dunning demo

test: $(STAMP) $(NODE_STAMP)
	DUNNING_TEST_DB=sqlite $(PY) -m pytest -n 2 -q
	DUNNING_TEST_DB=postgresql $(PY) -m pytest -n 2 -q

lint: $(STAMP)
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/plan.py --accounts 1000000
	$(PY) bench/send.py --messages 20000
