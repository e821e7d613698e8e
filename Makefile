# THE BOT: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run serve test test-fast lint cov cov-report bench install translations migrate-check clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,gevent]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -d thebot/translations >/dev/null

run: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python wsgi.py

# The production shape on loopback: migrations, two app processes (eventlet; ASYNC_MODE=gevent
# for the alternative) on one Redis, nginx in front on SERVE_PORT; Ctrl-C stops it all. The
# database is DATABASE_URL (PostgreSQL), else the SQLite file of `make run`. See docs/deploy.md.
SERVE_PORT ?= 8080
APP_PORTS ?= 5001,5002
REDIS_DB ?= 0
REDIS_URL ?= redis://127.0.0.1:6379/$(REDIS_DB)
serve: install
	$(BIN)/python deploy/serve.py serve --port $(SERVE_PORT) --app-ports $(APP_PORTS) \
	  --redis-url $(REDIS_URL) --demo

# pytest-xdist workers; JOBS=0 runs serially. Two workers on the 2-core reference machine: the
# figures are in docs/development.md ("Test suite speed").
JOBS ?= 2
XDIST := -n $(JOBS)

# The whole suite on SQLite; with TEST_POSTGRES_URL set (CI sets it), again on PostgreSQL.
# COV_ARGS (CI: --cov) measures coverage during the SQLite pass.
test: install
	$(BIN)/python -m pytest $(XDIST) $(COV_ARGS) $(PYTEST_ARGS)
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
	  echo "== again on PostgreSQL =="; \
	  TEST_DATABASE_URL="$$TEST_POSTGRES_URL" $(BIN)/python -m pytest -m "not browser" $(XDIST) $(PYTEST_ARGS); \
	fi

# The inner loop: SQLite, no browser, no extra server processes, stop at the first failure.
test-fast: install
	$(BIN)/python -m pytest -m "not browser and not realtime" $(XDIST) -x -q $(PYTEST_ARGS)

# Style guards (also run by .ci/run): zero findings.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Line coverage of the services (in-process tests), with the floor CI enforces (.ci/run measures
# it during `make test` and checks it with `make cov-report`).
COV_FLOOR ?= 90
cov: install
	$(BIN)/python -m pytest -m "not browser" -q $(XDIST) --cov=thebot --cov-report= $(PYTEST_ARGS)
	$(MAKE) --no-print-directory cov-report

cov-report:
	$(BIN)/python -m coverage report --include='thebot/services/*' --fail-under=$(COV_FLOOR)

# All benchmarks (bench/README.md); BENCH=load (or fanout, pages, memory) runs some, BENCH_QUICK=1
# a CI-sized subset. PostgreSQL and Redis on loopback are used when they answer (BENCH_POSTGRES_URL,
# BENCH_REDIS_URL); what cannot run is reported with the reason.
BENCH ?=
bench: install
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) instance .pytest_cache
