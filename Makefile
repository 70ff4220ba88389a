# callpool — `make run` starts the product, `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Newest Python ≥ 3.11 that actually runs here (pyenv shims exist but may fail without PYENV_VERSION).
PYTHON ?= $(shell for p in python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) python3; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 11); print(sys.executable)' 2>/dev/null && break; done)
PORT ?= 8000

.PHONY: run test test-fast install install-dev lint bench soak fuzz clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv

# Installs take the exact versions in uv.lock (`uv lock` after editing pyproject.toml's dependencies;
# --locked refuses a lock that no longer matches pyproject.toml instead of resolving anew).
# --inexact keeps what else is in the venv (pip, uv); --no-install-project: the apps run from the checkout.
# --compile-bytecode: every process (gunicorn, qcluster, pytest and the processes tests start) loads compiled modules
# even where PYTHONDONTWRITEBYTECODE is set; phonenumbers' geocoder alone is 38 MB of source to compile otherwise.
UV_SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --locked --inexact --no-install-project --compile-bytecode -q

$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/python
	$(UV_SYNC)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml uv.lock | $(BIN)/python
	$(UV_SYNC) --extra dev
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

.env:
	@echo "Writing .env for local development"
	@printf 'DEBUG=true\nSECRET_KEY=%s\nALLOWED_HOSTS=*\nPUBLIC_BASE_URL=http://localhost:$(PORT)\n' \
		"$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env

run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	PORT=$(PORT) ./scripts/run.sh

# The tests keep their compiled modules (and pytest its rewritten test modules) in __pycache__ even where the shell
# sets PYTHONDONTWRITEBYTECODE: compiling ~250 test files again costs every run seconds.
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest
# pytest-xdist workers of `make test-fast` (0: one process). Each worker has its own test database (pytest-django
# adds _gw0, _gw1…) and its own Redis db, REDIS_URL's number + the worker's index (tests/conftest.py).
FAST_WORKERS ?= 2

test: install-dev
	@# pytest exits 5 when nothing was collected (e.g. a -k filter): report it, don't fail.
	$(PYTEST) $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] && echo 'pytest: no tests collected'; [ $$rc -eq 5 ] || exit $$rc; }

test-fast: install-dev
	@# The development loop (under a minute): no browser, no fuzzing, nothing marked slow (subprocesses, faults,
	@# migrations, seed_demo: pyproject.toml's markers), property tests on a fifth of their examples (TEST_FAST,
	@# tests/support.py), on FAST_WORKERS processes. The fuzz file is not even collected (schemathesis builds its
	@# cases at collection); the test database is made from the models (--no-migrations: the migrations take
	@# seconds per worker and have their own slow tests). `make test` runs everything in full, through the migrations.
	TEST_FAST=1 $(PYTEST) -m "not browser and not fuzz and not slow" --ignore-glob='tests/*/test_fuzz_*.py' \
		--no-migrations -n $(FAST_WORKERS) $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] && echo 'pytest: no tests collected'; [ $$rc -eq 5 ] || exit $$rc; }

lint: install-dev
	$(BIN)/ruff check .
	@# Imports go one way (pyproject [tool.importlinter]): the apps' layers, and no face imports another.
	$(BIN)/lint-imports
	@# Types: [tool.mypy] in pyproject.toml (modest strictness; the django-stubs plugin imports the settings).
	SECRET_KEY=$${SECRET_KEY:-mypy-only-not-secret} $(BIN)/mypy

bench: install-dev
	@# One after another, each on its own database and Redis database; a summary table at the end (bench/run.py).
	@# BENCH=name runs only the benchmarks whose file name contains it.
	$(BIN)/python bench/run.py $(BENCH)

soak: install-dev
	@# Two web nodes + two workers, PostgreSQL + a redis-server of its own, SOAK_MINUTES (10) of realistic traffic
	@# with Redis and a worker restarted midway; exits 1 unless nothing was lost, doubled or failed (bench/soak.py).
	$(BIN)/python -u bench/soak.py

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles

fuzz: install-dev
	@# Schemathesis against /api/schema/ with many more examples than `make test` uses.
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/api/test_fuzz_schemathesis.py -p no:logging $(PYTEST_ARGS)
