# The two commands of the README. Each works as the first command on a fresh machine: it creates .venv and
# installs what it needs (re-installing only when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := azure_inference langchain_azure_inference llamaindex_azure_inference

.PHONY: demo test lint typecheck unit notebooks bench bench-emulator clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

## demo: start the bundled emulator on a free loopback port and run the main job against it
demo: $(STAMP)
	$(BIN)/python -m demo

## test: every check — lint, types, unit, end-to-end, conformance, notebooks
test: lint typecheck unit notebooks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(PACKAGES) tests

typecheck: $(STAMP)
	$(BIN)/mypy --strict $(PACKAGES) demo tests/run_notebooks.py

unit: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

notebooks: $(STAMP)
	$(BIN)/python -m tests.run_notebooks

## bench: side-by-side benchmarks (creates its own environment for the competitors)
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

bench-emulator: $(STAMP)
	$(BIN)/python benchmarks/bench_emulator.py

clean:
	rm -rf $(VENV) .bench-venv .pytest_cache .mypy_cache .ruff_cache
