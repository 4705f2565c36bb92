# Two commands for a fresh machine: `make demo` and `make test`. Each builds .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint clean

$(BIN)/ldp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/ldp

demo: $(BIN)/ldp
	$(BIN)/ldp demo

test: $(BIN)/ldp
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

bench: $(BIN)/ldp
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
