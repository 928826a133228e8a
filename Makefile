# jxtrack — two commands: `make run` and `make test`.  Everything installs from this file.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export JXTRACK_DB ?= var/jxtrack.duckdb

.PHONY: install run test bench lint browser-deps db clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Create (or upgrade) the database; demo data only when no database exists yet.
db: install
	$(BIN)/jxtrack init --demo-if-new

run: db
	@$(BIN)/jxtrack accounts
	$(BIN)/streamlit run serve.py --server.port 8501 --server.headless true --browser.gatherUsageStats false

# Debian's Chromium and a CJK font for the real-browser test (never downloaded at run time).
browser-deps:
	@bash scripts/install-browser-deps.sh

test: install browser-deps
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m jxtrack.bench

lint: install
	$(BIN)/ruff check src tests pages app.py serve.py

clean:
	rm -rf $(VENV) var .pytest_cache
