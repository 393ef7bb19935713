# The two commands: `make run` (set up, then the service on embedded defaults with the simulator)
# and `make test` (set up, start PostgreSQL / Redis / Rasa if they are down, run every test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
REQ_HASH := $(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(REQ_HASH)
FLASK := $(BIN)/flask --app bot
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup models lint run test test-fast test-unit db worker telegram-poll rasa rasa-stop services bench-nlu bench-worker bench-ingress bench-reports chaos sample-directory clean

# requirements-dev.txt is requirements.txt plus the tests and linters (the image installs only the first).
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

db: setup
	$(FLASK) db upgrade

# The embedded classifier and the danger / urgency models, built into var/cache once (or found there).
models: setup
	$(BIN)/python -m nlu train

run: db models
	$(FLASK) directory load data/directory/sample_offices.csv --if-empty
	@echo
	@echo "  Simulator: http://$(HOST):$(PORT)/simulator   (Ctrl-C to stop)"
	@echo "  Officials: $(FLASK) officials invite --office SAMPLE-JSC-0203 --name 'Your Name'"
	@echo
	SIMULATOR=$${SIMULATOR:-1} $(FLASK) run --host $(HOST) --port $(PORT)

# Lint: ruff (rules and formatting) and mypy (on the modules listed in pyproject.toml), and
# shellcheck on the scripts.
# shellcheck comes from Debian's package; it is installed when missing (as root) and skipped with a
# warning only where it cannot be installed.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@command -v shellcheck >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -q shellcheck >/dev/null 2>&1; } || true
	@if command -v shellcheck >/dev/null 2>&1; then shellcheck -S warning .ci/run nlu/rasa_server.sh tests/services.sh && echo "shellcheck: ok"; \
	  else echo "shellcheck not available: scripts not checked" >&2; fi

test: setup models services
	$(BIN)/pytest

# The unit tests: no database, Redis or Rasa (pointed at closed ports, so that one that tries fails).
test-unit: setup models
	TEST_DATABASE_URL=postgresql+psycopg://nobody@127.0.0.1:9/none TEST_REDIS_URL=redis://127.0.0.1:9/0 RASA_URL= \
	  $(BIN)/pytest tests/unit

# Everything but the tests that need a running Rasa server.
test-fast: setup models
	$(BIN)/pytest -m "not rasa"

services:
	tests/services.sh start

worker: setup
	$(BIN)/python -m worker

telegram-poll: setup
	$(FLASK) telegram poll

rasa:
	nlu/rasa_server.sh start

rasa-stop:
	nlu/rasa_server.sh stop

bench-nlu: setup
	RASA_URL=$${RASA_URL:-http://127.0.0.1:5005} $(BIN)/python -m nlu.bench

bench-worker: setup services
	$(BIN)/python -m worker.bench

# Fault injection on private PostgreSQL / Redis servers (never the shared ones): see tests/chaos.py.
chaos: setup
	$(BIN)/python -m tests.chaos $(CHAOS_ARGS)

sample-directory: setup
	$(BIN)/python data/directory/build_sample.py

clean:
	rm -rf var/jsc.db var/*.log .pytest_cache

# The signed SMS webhook under gunicorn as shipped, beside a bare Flask app, with wrk (32
# connections); then with PostgreSQL unreachable. Its own database (created, dropped) and Redis db 13.
bench-ingress: setup
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
	timeout 900 $(BIN)/python -m bot.bench_ingress

# The reports on a generated year (30,000 cases, 200,000 messages) in a PostgreSQL database of its
# own, created and dropped: each dashboard query, page and export beside a plain count(*).
bench-reports: setup
	$(BIN)/python -m bot.reports.bench
