# Tanzhong: `make run` serves the app on http://127.0.0.1:8000; `make test` runs lint and every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: i18n-update run test lint unit integration web browser bench migrate seed translations system-deps browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# System packages the service needs, installed only when missing. Certificates are typeset in AR PL UMing
# (Ming) and UKai (Kai): TrueType-outline CJK fonts, which every PDF viewer draws well (CFF-outline CJK fonts,
# such as Noto CJK, render badly in pdf.js and Preview).
CERTIFICATE_FONTS := fonts-arphic-uming fonts-arphic-ukai
SYSTEM_PACKAGES := fonts-noto-cjk $(CERTIFICATE_FONTS)
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	fi

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser), and the
# Cairo library with which cairosvg rasterises QR-code SVGs for the decoder in the tests; poppler-utils
# (pdftotext, pdftoppm, pdffonts) reads the certificates' PDFs back.
BROWSER_PACKAGES := chromium fonts-noto-cjk libcairo2 poppler-utils $(CERTIFICATE_FONTS)
browser-deps:
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(BROWSER_PACKAGES)"

translations: $(VENV)/.runtime
	@$(BIN)/pybabel -q compile -d translations

migrate: $(VENV)/.runtime
	$(BIN)/alembic upgrade head

seed: migrate translations
	$(FLASK) factors load
	$(FLASK) demo seed

# The task consumer runs in the background (its queue: instance/tasks.sqlite3, or Redis when REDIS_URL is set)
# and gunicorn in the foreground; stopping gunicorn (Ctrl-C) stops the consumer too.
run: $(VENV)/.runtime system-deps seed
	@echo "Serving Tanzhong on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@$(BIN)/huey_consumer tasks.huey --workers 2 --worker-type thread & consumer=$$!; \
	trap 'kill $$consumer 2>/dev/null; wait $$consumer 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) 'app:create_app()'

lint: $(VENV)/.dev
	$(BIN)/ruff check .

test: $(VENV)/.dev translations browser-deps lint
	$(BIN)/pytest -q tests

unit: $(VENV)/.dev
	$(BIN)/pytest -q tests/unit

integration: $(VENV)/.dev translations
	$(BIN)/pytest -q tests/integration

web: $(VENV)/.dev translations
	$(BIN)/pytest -q tests/web

browser: $(VENV)/.dev translations browser-deps
	$(BIN)/pytest -q tests/browser

bench: $(VENV)/.dev translations
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="wrk"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

# After adding visible strings: refresh the catalogs, then translate the new zh_CN entries.
i18n-update: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot \
	  --ignore-dirs='.venv tests migrations static bench tools' .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
