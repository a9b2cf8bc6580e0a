# Set-up and everyday commands. Each target creates the virtual environment when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATABASE ?= sqlite:///$(CURDIR)/reports/out/demo-registry.sqlite
SCALE ?= 100000
BACKEND ?= both

.PHONY: install bytecode demo test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

install: $(STAMP)

# An editable install has no compiled bytecode (a wheel install does); with
# PYTHONDONTWRITEBYTECODE set, every command would compile the package again on start.
bytecode:
	$(BIN)/python -m compileall -q procurement migrations > /dev/null

demo: $(STAMP) bytecode
	mkdir -p reports/out
	$(BIN)/procurement --database $(DEMO_DATABASE) init
	$(BIN)/procurement --database $(DEMO_DATABASE) demo --output-dir reports/out
	$(BIN)/procurement --database $(DEMO_DATABASE) site build reports/out/site

test: $(STAMP) bytecode
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check procurement migrations tests benchmarks
	$(BIN)/ruff format --check procurement migrations tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format procurement migrations tests benchmarks
	$(BIN)/ruff check --fix procurement migrations tests benchmarks

bench: $(STAMP) bytecode
	$(BIN)/python -m benchmarks.run --scale $(SCALE) --backend $(BACKEND)

clean:
	rm -rf $(VENV) reports/out dist build
