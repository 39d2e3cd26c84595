# borderwatch: the two commands a new user runs are `make demo` and `make test`.
# Both create .venv when it is missing and install everything first; nothing is installed by hand.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install when the dependency list changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements/constraints.txt | sha1sum | cut -c1-12)

.PHONY: setup web-assets browser demo test lint bench train-demo-model clean

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch/torchvision: the pair that works here (FIELD-NOTES.md); everything else pinned.
	$(BIN)/pip install --disable-pip-version-check -q -c requirements/constraints.txt \
		torch==2.14.1 torchvision==0.29.1 -e '.[runtime,dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# The map's JavaScript/CSS from the npm registry, served by the console itself (not committed).
web-assets: $(STAMP)
	$(BIN)/python -m ui.console.assets

# Debian's Chromium for the real-browser tests (Playwright drives it; it downloads no browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

setup: $(STAMP) web-assets

demo: setup
	$(BIN)/borderwatch demo

test: setup browser
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: setup
	$(BIN)/borderwatch bench planning
	$(BIN)/borderwatch bench sim
	$(BIN)/borderwatch bench link

# One-off, not part of `make test`: retrains the committed demo detection model (see its model card).
train-demo-model: setup
	$(BIN)/borderwatch model train-demo

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
