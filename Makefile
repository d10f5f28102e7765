# BulkSales: `make run` serves the app with its worker and scheduler; `make test` runs the suite.
# Both set everything up first (virtual environment, Python and npm packages, translations,
# database), and reuse what is already installed.

# The interpreter of the virtual environment: the system's python3 when it is 3.11 or newer and can make one
# (a distribution builds it with profile-guided and link-time optimisation: 8-22 % less processor time a page
# than pyenv's default build, docs/benchmark.md), else the first python3 on the PATH. `make PYTHON=...` chooses.
# Linux only: macOS's /usr/bin/python3 is a stub that may offer to install Apple's developer tools.
SYSTEM_PYTHON := $(if $(filter Linux,$(shell uname -s)),$(shell /usr/bin/python3 -c \
	'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo /usr/bin/python3))
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)

.PHONY: setup run test bench migrate messages translations screenshots clean

setup: $(VENV)/.installed node_modules/.installed translations migrate

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

CATALOGUES := $(wildcard locale/*/LC_MESSAGES/django.po)
translations: $(CATALOGUES:.po=.mo)

locale/%.mo: locale/%.po
	msgfmt --check -o $@ $<

migrate: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput -v0

# Serve on http://127.0.0.1:8000 with a Celery worker and beat; Ctrl-C stops all three.
run: setup
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --if-empty
	DEBUG=$${DEBUG:-1} $(BIN)/honcho start

test: $(VENV)/.installed node_modules/.installed translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmark, not a test (never run by `make test`): queries per page and API list, latency under load, the
# closed-loop capacity, the search box and the scorecard recompute, on PostgreSQL and Redis, at each size; writes
# docs/benchmark.md and var/bench/. Quick run: make bench BENCH_SIZES=demo BENCH_SECONDS=20
# Settings (environment or make variables; tests/bench/run.py describes each): BENCH_PARTS (any of
# "queries search recompute load capacity", all by default), BENCH_SIZES, BENCH_LOAD_SIZE, BENCH_SECONDS,
# BENCH_USERS, BENCH_SPAWN_RATE, BENCH_CAPACITY_CLIENTS (20), BENCH_CAPACITY_SECONDS (20 a page), BENCH_WORKERS,
# BENCH_PASSWORD, BENCH_DEBUG, DATABASE_URL ("{size}" replaced), BENCH_DATABASE_URL_<SIZE>,
# BENCH_SEED_ARGS_<SIZE>, REDIS_URL (flushed), BENCH_REPORT, BENCH_OUT.
# Their defaults are tests/bench/run.py's; a variable given to make (`make bench BENCH_SECONDS=20`) reaches it
# through the environment, as make passes its command line's variables on.
bench: $(VENV)/.installed node_modules/.installed translations
	$(BIN)/python tests/bench/run.py

# Refresh the translation catalogue after changing user-facing strings.
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete

screenshots: setup
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python tests/screenshots.py --all-languages

clean:
	rm -rf $(VENV) node_modules var staticfiles
