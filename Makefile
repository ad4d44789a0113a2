# The two commands of the README. Each works as the first command on a fresh machine: it creates .venv and
# installs what it needs, showing progress, and re-installs only when pyproject.toml changes.
#
# Installs go through uv when it can be had (on PATH, or bootstrapped into .venv with pip); otherwise through
# pip. uv resolves and installs the ~150 packages in seconds where pip takes about two minutes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := azure_inference langchain_azure_inference llamaindex_azure_inference

# The lowest-versions lane: the declared minimum of every direct dependency (uv --resolution lowest-direct).
# Two environments, because the framework extras pull httpx and pydantic above their own floors: "core" checks
# the transport and emulator floors without them, "all" checks the framework floors.
LOWEST_CORE := .venv-lowest-core
LOWEST_ALL  := .venv-lowest
UNIT_ONLY   := -m "not e2e and not live"

# uv on PATH, else the one bootstrapped into .venv (expanded when a recipe runs, after .venv exists)
UV = $(shell command -v uv 2>/dev/null || { [ -x $(BIN)/uv ] && echo $(BIN)/uv; })

.PHONY: demo test lint typecheck unit notebooks lowest lowest-core lowest-all bench bench-emulator clean

$(BIN)/python:
	@echo "==> Creating $(VENV) with $$($(PYTHON) -V)"
	$(PYTHON) -m venv $(VENV)
	@if command -v uv >/dev/null 2>&1; then \
	    echo "==> Using $$(uv --version) from PATH"; \
	else \
	    echo "==> Bootstrapping uv into $(VENV) (pip install uv); pip does the installs if this fails"; \
	    $(BIN)/python -m pip install --disable-pip-version-check uv || true; \
	fi

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing azure-inference-adapters[all,dev] (editable) into $(VENV)"
	@if [ -n "$(UV)" ]; then \
	    $(UV) pip install --python $(BIN)/python -e '.[all,dev]'; \
	else \
	    $(BIN)/python -m pip install --disable-pip-version-check -e '.[all,dev]'; \
	fi
	@touch $(STAMP)

## demo: start the bundled emulator on a free loopback port and run the main job against it
demo: $(STAMP)
	$(BIN)/python -m demo

## test: every check — lint, types, unit, end-to-end, conformance, README, notebooks, lowest versions
test: lint typecheck unit notebooks lowest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(PACKAGES) tests

typecheck: $(STAMP)
	$(BIN)/mypy --strict $(PACKAGES) demo tests/run_notebooks.py

unit: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

notebooks: $(STAMP)
	$(BIN)/python -m tests.run_notebooks

## lowest: the unit tests again on the declared minimum versions (needs uv; bootstrapped with .venv)
lowest: lowest-core lowest-all

# $(1): environment, $(2): extras. Re-installed from scratch when pyproject.toml changes, so that an earlier
# resolution never hides a floor.
define lowest_env
$(1)/.installed: pyproject.toml | $(BIN)/python
	@if [ -z "$$(UV)" ]; then echo "error: the lowest-versions lane needs uv; install it (pip install uv)" >&2; exit 1; fi
	@echo "==> $(1): the lowest declared versions of .[$(2)]"
	rm -rf $(1)
	$$(UV) venv --quiet --python $(PYTHON) $(1)
	$$(UV) pip install --python $(1)/bin/python --resolution lowest-direct -e '.[$(2)]'
	@touch $(1)/.installed
endef
CORE_EXTRAS := emulator,entra,test
ALL_EXTRAS  := all,dev
$(eval $(call lowest_env,$(LOWEST_CORE),$(CORE_EXTRAS)))
$(eval $(call lowest_env,$(LOWEST_ALL),$(ALL_EXTRAS)))

lowest-core: $(LOWEST_CORE)/.installed
	@echo "==> Unit tests of the transport and emulator on their lowest declared versions"
	$(LOWEST_CORE)/bin/python -m pytest -q -p no:cacheprovider $(UNIT_ONLY) tests/transport tests/emulator tests/reliability

# The transport's own tests ran on its floors in lowest-core; here what depends on the framework extras.
lowest-all: $(LOWEST_ALL)/.installed
	@echo "==> Unit tests of the adapters on the lowest declared versions of every extra"
	$(LOWEST_ALL)/bin/python -m pytest -q -p no:cacheprovider $(UNIT_ONLY) \
	    tests/langchain tests/llamaindex tests/docs tests/test_missing_extras.py tests/test_packaging.py

## bench: side-by-side benchmarks (creates its own environment for the competitors)
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

bench-emulator: $(STAMP)
	$(BIN)/python benchmarks/bench_emulator.py

clean:
	rm -rf $(VENV) $(LOWEST_CORE) $(LOWEST_ALL) .bench-venv .pytest_cache .mypy_cache .ruff_cache
