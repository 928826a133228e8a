# jxtrack — two commands: `make run` and `make test`.  Everything installs from this file.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export JXTRACK_DB ?= var/jxtrack.duckdb
# the address `make run` serves on: this machine only unless set (e.g. JXTRACK_ADDRESS=0.0.0.0
# behind a firewall or reverse proxy)
JXTRACK_ADDRESS ?= 127.0.0.1
JXTRACK_PORT ?= 8501

.PHONY: install run test fuzz bench lint browser-deps postgres-deps db clean

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
	$(BIN)/streamlit run serve.py --server.address $(JXTRACK_ADDRESS) --server.port $(JXTRACK_PORT) \
		--server.headless true --browser.gatherUsageStats false

# Debian's Chromium and a CJK font for the real-browser test (never downloaded at run time).
browser-deps:
	@bash scripts/install-browser-deps.sh

# Debian's PostgreSQL server programs: the tests start (and remove) a throwaway cluster of their own.
postgres-deps:
	@bash scripts/install-postgres.sh

# Everything on DuckDB (the default) and, in parallel, the shared suite on PostgreSQL.
test: install browser-deps postgres-deps
	PY=$(BIN)/python bash scripts/test-all.sh

# The round-trip property over thousands of generated sheet shapes (tests/ingest/shapes.py); not in
# `make test` or CI.  JXTRACK_FUZZ_EXAMPLES=N sets how many (default 3000).
fuzz: install
	JXTRACK_FUZZ=1 $(BIN)/python -m pytest tests/ingest/test_shapes_property.py -m fuzz -p no:cacheprovider

bench: install
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff check src tests pages app.py serve.py benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache
