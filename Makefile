# The two commands: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= demo-pass-2026
# Calls the simulator offers a minute; DEMO_AGENTS agents, all but agent001 simulated (README).
DEMO_CALLS_PER_MINUTE ?= 4
DEMO_AGENTS ?= 20

.PHONY: demo test install lint format clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# A local .env for the embedded default: DEBUG on and a random secret key, made once.
.env:
	@echo "DEBUG=true" > .env
	@echo "SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env
	@echo "Wrote .env (DEBUG=true, a random SECRET_KEY) for the local demo."

demo: install .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --agents $(DEMO_AGENTS) --password $(DEMO_PASSWORD)
	$(PY) manage.py roll_up_contacts --days 120
	@set -m; pids=(); \
	stop() { trap - INT TERM EXIT; echo; echo "Stopping..."; for pid in "$${pids[@]}"; do kill -TERM -- -$$pid 2>/dev/null; done; wait; }; \
	trap stop INT TERM EXIT; \
	$(BIN)/daphne -b $(HOST) -p $(PORT) console.asgi:application & pids+=($$!); \
	if [ -n "$$REDIS_URL" ]; then \
	  $(BIN)/celery -A console worker --loglevel=warning & pids+=($$!); \
	  $(BIN)/celery -A console beat --loglevel=warning --schedule .demo-celerybeat-schedule & pids+=($$!); \
	fi; \
	$(PY) manage.py simulate --url http://$(HOST):$(PORT) --calls-per-minute $(DEMO_CALLS_PER_MINUTE) --people agent001 --minutes 600 & pids+=($$!); \
	echo; echo "Console: http://$(HOST):$(PORT)/   API docs: http://$(HOST):$(PORT)/api/docs/"; \
	echo "Sign in as agent001 / super001 / steward001 / admin with password $(DEMO_PASSWORD)."; \
	echo "Agents: open /console/ and press Available (Alt+Shift+1): simulated calls arrive. Ctrl-C stops everything."; \
	wait

# Tests run on PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, on the embedded default otherwise.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3* .env
