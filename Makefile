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

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/piccolo migrations forwards all

seed: migrate
	$(BIN)/piccolo loyalty seed_demo

## make run: install, migrate the database, seed the demo, serve API + admin (+ embedded worker).
# In development the API accepts Firebase Auth emulator tokens (piccolo loyalty dev_token).
run: seed
	@if [ "$${APP_ENV:-development}" != production ]; then \
	  export FIREBASE_AUTH_EMULATOR_HOST="$${FIREBASE_AUTH_EMULATOR_HOST:-127.0.0.1:9099}"; fi; \
	exec $(BIN)/uvicorn api.app:app --host $(HOST) --port $(PORT) --proxy-headers --no-access-log

## make test: install and run the whole suite (DATABASE_URL picks the engine; SQLite by default).
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy api admin loyalty notifications tests bench piccolo_conf.py

## Refresh the lock file after changing dependencies in pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev -p 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
