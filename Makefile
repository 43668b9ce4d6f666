# Two entry points: `make demo` runs mlspec end to end on the bundled
# examples, `make test` runs the whole test suite. Both create the virtual
# environment in .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,mlflow]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/mlspec validate examples/churn.yaml examples/churn.json

PYTEST_ARGS ?= -n 2

test: $(STAMP)
	$(BIN)/mlspec check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
