# `make run` and `make test` do all the set-up on a fresh machine (Python 3.11+ and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test check bench install install-test messages messages-update clean reset-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when the dependency list or the constraints change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

messages: $(VENV)/.installed
	$(BIN)/python -m portal.i18n compile

# After changing translatable strings: re-extract into the .po files (then translate, commit).
messages-update: $(VENV)/.installed
	$(BIN)/python -m portal.i18n update

# `make run PORT=8001` when 8000 is taken (links in messages follow BASE_URL: set it to match).
run: install messages
	$(BIN)/creneau migrate
	$(BIN)/creneau demo --if-empty
	$(BIN)/creneau serve$(if $(PORT), --port $(PORT))

# The layers (import-linter contracts), lint (ruff) and types (mypy on the typed core modules),
# all configured in pyproject.toml. `make test` runs it first, so CI does too.
check: install-test
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check .
	$(BIN)/mypy

# One test process per core (pytest-xdist), a test file's tests together in one of them: its
# module fixtures (a server, a browser) start once. PYTEST_ARGS='-n 0' runs in this process.
test: check messages
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

bench: install-test messages
	$(BIN)/python -m benchmarks

# Build products only: the virtualenv, compiled catalogs, caches, test screenshots. Never var/
# (the database, the secret key that seals manage links, the outbox): see reset-demo.
clean:
	rm -rf $(VENV) test-artifacts .mypy_cache .ruff_cache
	rm -f portal/locale/*/LC_MESSAGES/messages.mo
	find . -path ./var -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Deletes the local SQLite database and the file outbox on purpose, then loads the demo afresh.
# The secret key stays (nothing signed with it survives the reset anyway).
VAR_DIR ?= var
reset-demo: install messages
	rm -f $(VAR_DIR)/creneau.sqlite3 $(VAR_DIR)/creneau.sqlite3-wal $(VAR_DIR)/creneau.sqlite3-shm
	rm -rf $(VAR_DIR)/outbox
	CRENEAU_VAR_DIR=$(VAR_DIR) DATABASE_URL=sqlite://$(VAR_DIR)/creneau.sqlite3 $(BIN)/creneau migrate
	CRENEAU_VAR_DIR=$(VAR_DIR) DATABASE_URL=sqlite://$(VAR_DIR)/creneau.sqlite3 $(BIN)/creneau demo
