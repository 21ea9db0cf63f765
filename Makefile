# govplus — two commands: `make run` and `make test`. Everything else is a helper for them.
# The first interpreter that really runs and is 3.11+ (pyenv shims may exist for versions that do not).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
  $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
# The suite runs on both cores (pytest-xdist); `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n 2

.PHONY: run run-city test install lint typecheck imports check messages bench clean vendor-echarts

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "govplus needs Python 3.11 or newer / 需要 Python 3.11 或更新版本"; exit 1; }
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

# A second node beside `make run` (in another terminal): the city of Huzhou (330500) on CITY_PORT with its
# own database under var/city; it registers the county and the county registers it (docs/exchange.md).
CITY_PORT ?= 8001
COUNTY_VAR ?= $(CURDIR)/var
CITY_ENV = GOVPLUS_VAR_DIR=$(CURDIR)/var/city GOVPLUS_NODE_CODE=330500 GOVPLUS_NODE_NAME=湖州市 \
  GOVPLUS_NODE_NAME_EN="Huzhou City" GOVPLUS_NODE_LEVEL=city GOVPLUS_NODE_URL=http://$(HOST):$(CITY_PORT) HUEY_IMMEDIATE=on
run-city: install
	$(CITY_ENV) $(BIN)/govplus migrate --noinput -v0
	$(CITY_ENV) $(BIN)/govplus seed_city --peer http://$(HOST):$(PORT)
	@$(CITY_ENV) $(BIN)/govplus runserver $(HOST):$(CITY_PORT) --noreload & CITY_PID=$$!; \
	  trap 'kill $$CITY_PID 2>/dev/null' EXIT INT TERM; sleep 4; \
	  GOVPLUS_VAR_DIR=$(COUNTY_VAR) $(BIN)/govplus exchange_node register http://$(HOST):$(CITY_PORT) \
	    || echo "在县节点登记市节点 / register the city at the county: govplus exchange_node register http://$(HOST):$(CITY_PORT)"; \
	  echo "湖州市: http://$(HOST):$(CITY_PORT)/"; wait $$CITY_PID

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy src config

# The architecture contracts in pyproject.toml ([tool.importlinter]).
imports: install
	$(BIN)/lint-imports

check: lint typecheck imports

messages: install
	cd src/govplus && ../../$(BIN)/govplus compilemessages

bench: install
	@echo "see bench/README.md"

# The charts' library is kept in the repository (nothing downloads at run time); this refreshes it from npm.
ECHARTS_VERSION ?= 6.1.0
ECHARTS_DIR := src/govplus/portal/static/portal/vendor/echarts
vendor-echarts:
	rm -rf var/echarts && mkdir -p var/echarts
	cd var/echarts && npm pack echarts@$(ECHARTS_VERSION) --silent && tar xzf echarts-$(ECHARTS_VERSION).tgz
	cp var/echarts/package/dist/echarts.min.js var/echarts/package/LICENSE var/echarts/package/NOTICE $(ECHARTS_DIR)/
	printf 'echarts %s from the npm registry (Apache-2.0; LICENSE and NOTICE beside it)\nfile: package/dist/echarts.min.js of `npm pack echarts@%s`\nsha256: %s\nupdate: make vendor-echarts ECHARTS_VERSION=x.y.z\n' \
	  $(ECHARTS_VERSION) $(ECHARTS_VERSION) $$(sha256sum $(ECHARTS_DIR)/echarts.min.js | cut -d' ' -f1) > $(ECHARTS_DIR)/VERSION

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
