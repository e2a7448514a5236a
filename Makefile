# Two commands from a fresh clone: `make demo` (train SweepDQN on Catch, evaluate it, write a GIF and
# the learning curve) and `make test` (the whole test suite).
# Both create .venv on first use and install the package with the tested versions in constraints.txt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m agents.train --env Catch-v0 --algo sweep-dqn

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# The documentation site, warnings as errors; open docs/_build/html/index.html.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

bench: $(STAMP)
	$(BIN)/python benchmarks/env_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
