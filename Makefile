# Two commands on a fresh machine: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install lock demo test lint format worker beat bench drills soak clean

$(INSTALLED): pyproject.toml requirements.lock package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	# Front-end packages served as static files (Chart.js): exactly the locked versions.
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(INSTALLED)

# The .mo Django reads, compiled from the .po in git (Babel: no GNU gettext needed).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
$(MO_FILES): %.mo: %.po $(INSTALLED)
	$(BIN)/python -m config.locale_compile

install: $(INSTALLED) $(MO_FILES)

## lock: re-pin requirements.lock to what pyproject.toml resolves to today
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,3p' requirements.lock; .lock-venv/bin/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

## demo: install, migrate SQLite, seed the demo shop, serve on http://$(HOST):$(PORT)
demo: export DEBUG = 1
# Links the demo prints and sends (images, payment pages) point at the port it serves.
demo: export SOUK_PUBLIC_URL ?= http://$(HOST):$(PORT)
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: install and run every test (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## worker / beat: Celery processes (need REDIS_URL)
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO --queues=intake,send,checkout,default

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

bench: install
	$(BIN)/python -m bench

## drills: every fault drill at full size on private PostgreSQL/Redis (docs/reliability.md)
drills: install
	$(BIN)/python -m bench.drills all

## soak: the production stack at a steady mixed load for MINUTES (10) minutes
MINUTES ?= 10
soak: install
	$(BIN)/python -m bench.drills soak --minutes $(MINUTES)

clean:
	rm -rf $(VENV) node_modules db.sqlite3 media staticfiles .pytest_cache .ruff_cache
