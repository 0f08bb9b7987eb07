# The README's commands. Each one sets up what it needs first.
PY := .venv/bin/python
PORT ?= 8080

.PHONY: demo test bench lint typecheck setup setup-dev clean

setup:
	@bash scripts/setup.sh demo

setup-dev:
	@bash scripts/setup.sh dev

demo: setup
	$(PY) -m magen demo --port $(PORT)

lint: setup-dev
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

typecheck: setup-dev
	.venv/bin/mypy

test: setup-dev lint typecheck
	bash scripts/run-tests.sh

bench: setup-dev
	$(PY) -m magen bench all

clean:
	rm -rf .venv build *.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
