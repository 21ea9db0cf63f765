# govplus — two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test install lint typecheck messages bench clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "govplus needs Python 3.11 or newer / 需要 Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/govplus migrate --noinput
	$(BIN)/govplus seed_demo
	@echo ""
	@echo "govplus: http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	@$(BIN)/govplus run_huey --quiet & HUEY_PID=$$!; \
	  trap 'kill $$HUEY_PID 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/govplus runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy src config

messages: install
	cd src/govplus && ../../$(BIN)/govplus compilemessages

bench: install
	@echo "see bench/README.md"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
