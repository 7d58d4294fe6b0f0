# Redraft: `make demo` serves the seeded demo, `make test` runs the whole suite.
# Both start from a fresh clone: they create .venv and install the project first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
BENCH ?=
comma := ,
# Production-like settings for `check --deploy` (never used to serve).
DEPLOY_ENV := DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ ALLOWED_HOSTS=redraft.example.org

.PHONY: install demo test lint format bench clean browser-deps pdf-deps office-deps locale-deps \
	serve serve-env load

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) is required (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The French catalogue is committed as locale/fr/LC_MESSAGES/django.po; the .mo that
# Django reads is compiled here on every install, so it never lags behind the .po.
install: pdf-deps locale-deps $(VENV)/.installed
	$(BIN)/python manage.py compilemessages --ignore=.venv

# compilemessages needs GNU gettext's msgfmt (and the i18n tests use it); installed
# here only when missing.
locale-deps:
	@command -v msgfmt >/dev/null 2>&1 || { \
		echo "Installing Debian's gettext to compile the translations"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; }

# The PDF export (WeasyPrint) needs Debian's pango, and its tests read PDFs with
# poppler's pdftotext; installed here only when missing.
pdf-deps:
	@{ ldconfig -p | grep -q libpango-1.0 && command -v pdftotext >/dev/null 2>&1; } || { \
		echo "Installing pango and poppler-utils for the PDF export and its tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils; }

demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed
	$(BIN)/python manage.py demo_users
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production: gunicorn with production settings (DEBUG off, HTTPS behind a proxy that
# sets X-Forwarded-Proto, secure cookies, HSTS) against DATABASE_URL. SECRET_KEY and
# ALLOWED_HOSTS come from the environment and are never made up here.
# WEB_CONCURRENCY: gunicorn's sync workers, 2 x cores + 1 (5 on 2 cores) by default.
# CONN_MAX_AGE: seconds a worker keeps its database connection (60 by default here).
# No control socket: it lives in ~/.gunicorn, shared by every gunicorn of the user.
SERVE_ENV = DEBUG=0 CONN_MAX_AGE=$${CONN_MAX_AGE:-60}
serve-env:
	@test -n "$$SECRET_KEY" || { echo "make serve: set SECRET_KEY in the environment (production settings; no default key)" >&2; exit 1; }
	@test -n "$$ALLOWED_HOSTS" || { echo "make serve: set ALLOWED_HOSTS in the environment (comma-separated host names)" >&2; exit 1; }

serve: serve-env install
	mkdir -p var
	env $(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	env $(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	exec env $(SERVE_ENV) $(BIN)/gunicorn config.wsgi:application \
		--bind 127.0.0.1:$(PORT) \
		--workers $${WEB_CONCURRENCY:-$$(( $$(nproc) * 2 + 1 ))} \
		--timeout 30 --graceful-timeout 10 \
		--access-logfile - --error-logfile - \
		--access-logformat '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(a)s" %(M)sms' \
		--no-control-socket

# Load test of `make serve` on PostgreSQL (bench/load.py starts and stops the server).
load: install
	$(BIN)/python bench/load.py

# Browser tests drive Debian's chromium; installed here only when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The Word round-trip tests convert tracked changes to PDF with LibreOffice (Debian's
# writer without the GUI); installed here only when missing.
office-deps:
	@command -v libreoffice >/dev/null 2>&1 || { \
		echo "Installing Debian's libreoffice-writer-nogui for the Word round-trip tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends libreoffice-writer-nogui; }

test: install browser-deps office-deps
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run
	env $(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every script in bench/ (but load.py), then one table of all their rows; the scale run
# (bench/scale.py) needs PostgreSQL at BENCH_DATABASE_URL. BENCH=compare,scale for some.
bench: install
	$(BIN)/python bench/run_all.py $(subst $(comma), ,$(BENCH))

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
