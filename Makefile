# 邻里 Linli — the two commands: `make run` (demo) and `make test` (whole suite).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1:8000

.PHONY: run test fuzz setup lint typecheck check ci-checks clean bench-import

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# Python and npm packages install side by side (npm's few packages take as long as pip's first step).
setup:
	@$(MAKE) --no-print-directory -j2 $(VENV)/.installed node_modules/.installed

run: setup
	LINLI_DEBUG=1 $(MANAGE) migrate --noinput
	LINLI_DEBUG=1 $(MANAGE) demo_load --if-empty
	LINLI_DEBUG=1 $(MANAGE) demo_accounts
	LINLI_DEBUG=1 $(MANAGE) db_worker --queue-name '*' & worker=$$!; \
	  LINLI_DEBUG=1 $(MANAGE) scheduler & scheduler=$$!; trap "kill $$worker $$scheduler 2>/dev/null" EXIT; \
	  LINLI_DEBUG=1 $(MANAGE) runserver $(HOST)

test: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The API fuzzed harder than `make test` does: schemathesis with EXAMPLES generated requests per
# operation and account (`make fuzz EXAMPLES=200`; add DATABASE_URL=… for PostgreSQL).
EXAMPLES ?= 100
fuzz: setup
	LINLI_SCHEMATHESIS_EXAMPLES=$(EXAMPLES) $(VENV)/bin/pytest linli/core/tests/test_schemathesis.py -p no:cacheprovider $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check linli bench
	$(VENV)/bin/lint-imports --no-cache
	$(PY) scripts/check-local-imports

typecheck: setup
	LINLI_TESTING=1 $(VENV)/bin/mypy linli

check: setup
	LINLI_DEBUG=1 $(MANAGE) makemigrations --check --dry-run
	LINLI_DEBUG=0 LINLI_SECRET_KEY="$$(python3 -c 'import secrets;print(secrets.token_urlsafe(60))')" \
	  LINLI_FIELD_KEYS="k1:$$(python3 -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
	  LINLI_ALLOWED_HOSTS=linli.example.org $(MANAGE) check --deploy --fail-level WARNING

bench-import: setup
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/import_persons.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var staticfiles
