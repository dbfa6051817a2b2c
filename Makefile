# One entry point for people and CI. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print)

.PHONY: install run test bench bench-backfill dev docs clean postgres system-deps

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	touch $@

# dbt's manifest is built here, never at import time.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(BIN)/python -m esg_pipeline.warehouse.dbt_runs

install: $(STAMP) $(MANIFEST)

run: install  ## the main job on the bundled catalog, warehouse in data/warehouse/esg.duckdb
	$(BIN)/esg-pipeline run

test: install
	$(BIN)/pytest

bench: install  ## extraction MB/s against a regex pass; PDF pages/s, new reader against the old one
	$(BIN)/python bench/bench_extract.py
	$(BIN)/python bench/bench_pdf.py

bench-backfill: install  ## the whole pipeline on generated reports, then a re-run with nothing changed (ARGS=--companies 100 --years 10)
	$(BIN)/python bench/bench_backfill.py $(ARGS)

dev: install  ## Dagster UI on http://127.0.0.1:3000
	DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/dagster dev -w workspace.yaml

docs: install
	cd dbt_project && ../$(BIN)/dbt docs generate --profiles-dir .

# Debian packages the pipeline uses when present: tesseract-ocr reads PDF pages without a text layer
# (scans). Installs them as root; otherwise prints the command, and nothing else depends on it.
system-deps:
	@if command -v tesseract >/dev/null; then echo "tesseract: $$(command -v tesseract)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; \
	else echo "tesseract not found: install it with 'sudo apt-get install tesseract-ocr' (scanned pages are skipped without it)"; fi

# A local PostgreSQL server for the PostgreSQL tests (Debian packages; needs root).
postgres:
	bash .ci/postgres.sh

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs data/warehouse data/raw
