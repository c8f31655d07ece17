# Two commands for a newcomer: `make run` and `make test`. Everything else is below.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# python3.10 may be a pyenv shim that refuses to run outside a 3.10 project; fall back to the pyenv install.
PYTHON310 ?= $(shell (python3.10 -c 'import sys; print(sys.executable)' 2>/dev/null) || ls -d $$HOME/.pyenv/versions/3.10*/bin/python3.10 2>/dev/null | tail -n 1)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Local settings (never committed); see .env.example.
ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: help install lock train run run-cluster shell test eval bench soak lint format db-upgrade clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON310)" || { echo "python3.10 not found; set PYTHON310=/path/to/python3.10"; exit 1; }
	test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" 
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip check
	touch $(STAMP)

install: $(STAMP) ## create .venv, install the locked dependencies, Chromium (browser tests), CJK fonts and nginx (cluster)
	@command -v chromium >/dev/null && test -d /usr/share/fonts/opentype/noto && \
		(command -v nginx >/dev/null || test -x /usr/sbin/nginx) || \
		(apt-get update && apt-get install -y chromium fonts-noto-cjk nginx)

lock: ## re-resolve requirements.in into requirements.lock (needs uv)
	uv pip compile requirements.in --python-version 3.10 --python-platform x86_64-manylinux_2_28 -o requirements.lock

train: install ## train a model if models/ has none for the current data and config
	$(VENV)/bin/bot train

db-upgrade: install ## apply database migrations
	$(VENV)/bin/bot db upgrade

run: install ## migrate, train if needed, start the assistant and the action server
	$(VENV)/bin/bot run

run-cluster: install ## N Rasa processes + action servers behind nginx (N=2; needs DATABASE_URL, REDIS_URL)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || apt-get install -y nginx || \
		(apt-get update && apt-get install -y nginx)
	CLUSTER_PROCESSES=$(or $(N),2) $(VENV)/bin/bot run-cluster

shell: install ## chat with the assistant in the terminal
	$(VENV)/bin/bot shell

test: install ## run the test suite
	$(VENV)/bin/bot train
	$(VENV)/bin/pytest

eval: install ## held-out NLU evaluation against the stock Rasa Chinese recipe
	$(VENV)/bin/bot eval

bench: install ## latency, throughput, memory and training-time figures
	$(VENV)/bin/bot bench

soak: install ## customers complete intakes while Rasa, the action server and the database fail (SOAK_SECONDS=)
	$(VENV)/bin/bot soak $(if $(SOAK_SHORT),--short,) $(if $(SOAK_SECONDS),--seconds $(SOAK_SECONDS),)

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## remove the venv, models, reports and local databases
	rm -rf $(VENV) models/*.tar.gz reports var/*.db*
