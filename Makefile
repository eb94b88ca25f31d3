# Forewarn: `make up` runs the whole stack, `make test` runs the whole suite.
# Installing is idempotent: a stamp keyed on the hash of pyproject.toml skips pip when nothing changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)

.PHONY: install system-deps up demo test test-fast check lint typecheck clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and alone: it takes the CPU build on disk (any other torch requirement pulls CUDA).
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

up: install
	$(VENV)/bin/forewarn up

demo: install
	$(VENV)/bin/forewarn demo

# Servers the tests start themselves (Redis, for rate limits shared by replicas); as root on
# Debian, install them if missing, else the tests that need them say why they skip.
system-deps:
	@command -v redis-server >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; } \
		|| echo "redis-server is not installed: the Redis rate-limit tests will be skipped"

# Lint, formatting and types first (about a minute): CI fails on a regression of any of them.
test: install system-deps check
	$(PY) -m pytest

# The quick loop: every test that starts no server (tests/conftest.py marks the others
# `integration`). Both targets print the slowest tests (--durations in pyproject.toml).
test-fast: install
	$(PY) -m pytest -m "not integration"

check: lint typecheck

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

clean:
	rm -rf .forewarn
