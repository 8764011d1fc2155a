# Two commands do everything on a fresh machine with Python 3.11, Node and make:
#   make run    the app with demo data at http://127.0.0.1:8000 (plus a Celery worker and beat)
#   make test   the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DEBUG=true

.PHONY: run test install frontend lint format typecheck check migrations bench-search bench-expiry bench-import bench-figures clean

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@echo
	@echo "Serving at http://127.0.0.1:8000 (Ctrl+C stops the web server, worker and beat)"
	$(DEV_ENV) $(BIN)/honcho -f Procfile.dev start

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed static/dist/css/main.css

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/dist/css/main.css: node_modules/.installed static/scss/main.scss scripts/build-frontend.mjs
	npm run build

frontend: static/dist/css/main.css

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# mypy with django-stubs over the app packages (settings in pyproject.toml); the
# django-stubs plugin imports the settings, which run on the development defaults.
# About 10 s cold, 1 s warm. The cache does not notice when a setting's type changes
# (code reading django.conf.settings is not rechecked): delete .mypy_cache then.
# CI starts from a fresh clone, so its run is always a full one.
typecheck: install
	$(DEV_ENV) $(BIN)/mypy

# Fails when a model change has no migration.
migrations: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

check: lint migrations
	$(DEV_ENV) $(BIN)/python manage.py check

# Benchmarks: each prints its own figures.
# make bench-search BENCH_ARGS=--quick: a smoke run of about a minute.
bench-search: install
	$(BIN)/python bench/search.py $(BENCH_ARGS)

bench-expiry: install
	$(BIN)/python bench/expire_requests.py

bench-import: install
	$(BIN)/python bench/import_bios.py

# make bench-figures BENCH_ARGS=--quick: a shorter run.
bench-figures: install
	$(BIN)/python bench/scheme_figures.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles var db.sqlite3 .mypy_cache
