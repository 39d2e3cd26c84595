# borderwatch: the two commands a new user runs are `make demo` and `make test`.
# Both create .venv when it is missing and install everything first; nothing is installed by hand.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install when the dependency list changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements/constraints.txt | sha1sum | cut -c1-12)

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch/torchvision: the CPU-capable pair that works here (FIELD-NOTES.md); the rest pinned.
	$(BIN)/pip install --disable-pip-version-check -q -c requirements/constraints.txt \
		torch==2.14.1 torchvision==0.29.1 -e '.[runtime,dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/borderwatch demo

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: setup
	$(BIN)/borderwatch bench planning

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
