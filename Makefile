# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-packages system-packages-run messages check-translations run serve test lint format worker beat migrate demo bench load backup restore clean

# The product with its dev extra, and the development tools (benchmarks, generators, demo records: `devtools/`, a
# distribution of its own that a production install never carries).
$(INSTALLED): pyproject.toml devtools/pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required.") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./devtools
	touch $(INSTALLED)

install: $(INSTALLED)

# Debian/Ubuntu packages (WeasyPrint's libraries; for the tests also Poppler and Chromium): installed when
# make runs as root with apt, otherwise make stops at once and names the command to run.
system-packages:
	scripts/system-packages test

system-packages-run:
	scripts/system-packages run

# The translations, compiled from locale/*/LC_MESSAGES/*.po (committed) into .mo files (not committed), again
# whenever a catalogue changes.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
messages: $(MO_FILES)
locale/%.mo: locale/%.po
	msgfmt --check --output-file $@ $<

# CI's check: every string has its French translation, and locale/ holds every string of the code.
check-translations: install
	scripts/check-translations

migrate: install messages
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: system-packages-run demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite runs on every core (pytest-xdist), each test worker with its own database and its own Redis database
# (tests/xdist_redis.py, which `python -m` can import); `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= auto
test: system-packages install messages
	$(BIN)/python -m pytest -p tests.xdist_redis -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A citiesalliance worker --loglevel=info

beat: install
	$(BIN)/celery -A citiesalliance beat --loglevel=info

# Only `make bench` defaults to PostgreSQL: it times on a database of its own, created and dropped.
# (A shell default, not a make variable: a target-specific DATABASE_URL would stop make passing the
# environment's DATABASE_URL to every other recipe, `make test` included.)
bench: install
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/citiesalliance}" $(BIN)/python manage.py bench $(BENCH_ARGS)

# gunicorn with production's settings on a throw-away database of its own (load_<name>), driven by Locust; sizes
# and flags are overridable: `make load LOAD_PROJECTS=50000 LOAD_WORKERS=2,3 LOAD_ARGS="--worker-class gthread"`.
# Figures to var/load/results.json and var/load/results.md. REDIS_URL, when set, holds the cache as in production.
LOAD_PROJECTS ?= 5000
LOAD_WORKERS ?= 2,3,4,5
LOAD_USERS ?= 40
LOAD_DURATION ?= 120
load: install
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/citiesalliance}" $(BIN)/python devtools/load/run.py \
	  --projects $(LOAD_PROJECTS) --workers $(LOAD_WORKERS) --users $(LOAD_USERS) --duration $(LOAD_DURATION) $(LOAD_ARGS)

# A timestamped folder under BACKUP_DIR (var/backups unless set): the database and the uploaded files.
backup: install
	$(BIN)/python manage.py backup

# `make restore BACKUP=var/backups/<folder>`; add CONFIRM=1 to replace a database or media folder that holds data.
restore: install
	$(BIN)/python manage.py restore "$(or $(BACKUP),$(error Name the backup: make restore BACKUP=var/backups/<folder>))" $(if $(CONFIRM),--confirm)

clean:
	rm -rf $(VENV) var/db.sqlite3 var/static
