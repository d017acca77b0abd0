# Thân Thiết: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test install migrate seed lint lock serve worker bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Whatever pip the machine's Python came with, the venv's installer is first brought to the pinned,
# hashed pip of requirements-installer.lock; then the lock is installed as it is (--no-deps: the
# lock is the whole set, nothing is resolved again) and checked. A constraint file from the user's
# pip configuration is replaced by an empty one: the lock's pins are the only constraint. Extra
# indexes and find-links stay usable, since every file must match a hash in the lock.
PIP := PIP_CONSTRAINT=/dev/null PIP_BUILD_CONSTRAINT=/dev/null PIP_REQUIRE_VIRTUALENV=false \
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip

$(VENV)/.installed: requirements.lock requirements-installer.lock pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes --only-binary :all: --no-deps -r requirements-installer.lock
	$(PIP) install --quiet --require-hashes --no-deps -r requirements.lock
	$(PIP) check
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/piccolo migrations forwards all

seed: migrate
	$(BIN)/piccolo loyalty seed_demo

## make run: install, migrate the database, seed the demo, serve API + admin (+ embedded worker).
# In development the API accepts Firebase Auth emulator tokens (piccolo loyalty dev_token), and
# Zalo, SMS and e-mail without settings write to the console (one-time codes included).
run: seed
	@if [ "$${APP_ENV:-development}" != production ]; then \
	  export FIREBASE_AUTH_EMULATOR_HOST="$${FIREBASE_AUTH_EMULATOR_HOST:-127.0.0.1:9099}"; \
	  export CHANNELS_CONSOLE="$${CHANNELS_CONSOLE:-true}"; fi; \
	exec $(BIN)/uvicorn api.app:app --host $(HOST) --port $(PORT) --proxy-headers --no-access-log

## make serve: the API for production: API_PROCESSES uvicorn processes (default 2), no embedded
# worker; SIGTERM lets requests in flight finish (GRACEFUL_SHUTDOWN_SECONDS). Migrate first.
serve: install
	EMBEDDED_WORKER=false exec $(BIN)/python -m api.serve

## make worker: WORKERS worker processes (default 1); SIGTERM or SIGINT stops each after its batch.
# Under systemd or Kubernetes run `python -m notifications.worker` once per unit instead.
WORKERS ?= 1
worker: install
	@pids=(); for _ in $$(seq 1 $(WORKERS)); do $(BIN)/python -m notifications.worker & pids+=($$!); done; \
	trap 'kill -TERM "$${pids[@]}" 2>/dev/null' TERM INT; \
	for pid in "$${pids[@]}"; do while kill -0 "$$pid" 2>/dev/null; do wait "$$pid"; done; done

## make test: install and run the whole suite (DATABASE_URL picks the engine; SQLite by default).
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy api admin loyalty notifications tests bench piccolo_conf.py
	$(BIN)/lint-imports --no-cache

## Refresh the lock file after changing dependencies in pyproject.toml.
lock:
	$(PIP) install --quiet uv==0.13.9
	$(BIN)/uv pip compile pyproject.toml --extra dev -p 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
