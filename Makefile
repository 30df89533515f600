PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes

# Why: most tests wait on sockets, subprocesses and sleeps rather than the CPU, so more workers than
# cores still pays; CI machines have 2 cores. `make test TEST_WORKERS=0` runs one process.
TEST_WORKERS ?= 4
PYTEST := $(BIN)/pytest -q -n $(TEST_WORKERS)

.PHONY: demo test test-sqlite postgres-check bench chart install lint lock clean

# Installs exactly the locked versions (hashes checked); the project itself goes in without its own
# dependency resolution so nothing outside the lock file is ever picked.
$(BIN)/backorder-bot: pyproject.toml requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(BIN)/backorder-bot

demo: install
	$(BIN)/backorder-bot demo $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The whole suite on both databases: store tests run once on SQLite and once on PostgreSQL. The
# PostgreSQL server is BACKORDER_TEST_POSTGRES_URL when set, else a throwaway cluster started in a
# temporary folder and stopped (and deleted) when pytest ends, whatever its result.
test: postgres-check lint
	$(BIN)/python -m tests.postgres_cluster run -- $(PYTEST)

# The SQLite half only, for a machine without PostgreSQL.
test-sqlite: lint
	$(PYTEST) -m "not postgresql"

postgres-check:
	@$(PYTHON) -m tests.postgres_cluster check

# Database benchmarks run on SQLite and on PostgreSQL: BACKORDER_BENCH_POSTGRES_URL (an admin URL;
# each benchmark creates and drops its own database) when set, else a throwaway cluster
# (tests/postgres_cluster.py) for the run. `python -m bench --sqlite-only` skips PostgreSQL.
bench: install
	$(BIN)/python -m bench

# Regenerates the README's backlog chart from the demo shop at a frozen moment (bot/demo/chart.py).
chart: install
	$(BIN)/python -m bot.demo.chart bot/demo/stats-chart.png

# Refreshes both lock files to the newest versions pyproject.toml allows (test tools on top of the
# runtime set, so the two never disagree). Run `make test` afterwards and commit the lock files.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(UV_COMPILE) --upgrade --extra test pyproject.toml requirements-build.in -o requirements-test.txt
	$(UV_COMPILE) pyproject.toml requirements-build.in -c requirements-test.txt -o requirements.txt

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
