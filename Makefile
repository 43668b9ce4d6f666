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

# The example's predictions were served between 09:30 and 09:50 on
# 2024-01-16, so the health window ends at 10:00 that day.
demo: $(STAMP)
	$(BIN)/mlspec validate examples/churn.yaml examples/churn.json
	$(BIN)/mlspec db init
	$(BIN)/mlspec db load examples/churn.yaml
	$(BIN)/mlspec db report experiment-summary
	$(BIN)/mlspec db report model-performance --metric accuracy
	$(BIN)/mlspec db report deployments
	$(BIN)/mlspec db monitor DEP-20240116090000 --window 1h --as-of 2024-01-16T10:00:00Z
	$(BIN)/mlspec db report compare RUN-20240115103500
	$(BIN)/mlspec db stop

PYTEST_ARGS ?= -n 2

test: $(STAMP)
	$(BIN)/mlspec check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
