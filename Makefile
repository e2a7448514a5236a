# Two commands from a fresh clone: `make demo` (train SweepDQN on Catch, evaluate it, write a GIF and
# the learning curve) and `make test` (the whole test suite).
# Both create .venv on first use and install the package with the tested versions in constraints.txt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench dist clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m agents.train --env Catch-v0 --algo sweep-dqn

# One pytest-xdist worker per core, a test file to a worker: the Ray tests (all in tests/test_ray.py)
# never start two Ray instances at once. (--dist loadgroup would say it per test, but its groups are
# ignored under pytest 9.2 with pytest-xdist 3.8: the tests spread over both workers.)
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# The documentation site, warnings as errors; open docs/_build/html/index.html.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

bench: $(STAMP)
	$(BIN)/python benchmarks/env_throughput.py

# The files the wheel must hold besides the modules: the typing markers and the agents' YAML data.
export WHEEL_CHECK := import sys, zipfile; names = set(zipfile.ZipFile(sys.argv[1]).namelist()); \
	need = {'gym_catchgames/py.typed', 'agents/py.typed', 'agents/targets.yml', \
	'agents/hyperparams/dqn.yml', 'agents/hyperparams/double-dqn.yml', 'agents/hyperparams/sweep-dqn.yml', \
	'agents/hyperparams/ppo.yml', 'agents/hyperparams/a2c.yml', 'agents/search_spaces/dqn.yml', \
	'agents/search_spaces/sweep-dqn.yml', 'agents/search_spaces/ppo.yml', 'agents/search_spaces/a2c.yml'}; \
	missing = sorted(need - names); print('wheel: missing', missing) if missing else print('wheel: package data present'); \
	sys.exit(1 if missing else 0)

# Build the wheel and the sdist into a temporary folder and check them (the README must render on PyPI).
dist: $(STAMP)
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(BIN)/python -m build --outdir "$$dir" . ; \
	$(BIN)/twine check --strict "$$dir"/*; \
	$(BIN)/python -c "$$WHEEL_CHECK" "$$dir"/*.whl

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
