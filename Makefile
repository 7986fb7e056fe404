# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?=

.PHONY: run test bench lint lock messages clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed; $(PYTHON) is $$($(PYTHON) --version 2>&1). Try: make run PYTHON=python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/base.txt requirements/dev.txt tests/contract/node/package-lock.json | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	@# ical.js, the calendar reader of the contract tests (tests/contract), pinned by its lock file.
	cd tests/contract/node && npm ci --no-audit --no-fund --silent
	touch $(VENV)/.base-installed $@

## make run: migrate, load the demo committee, create the admin login, start web + worker + beat.
run: $(VENV)/.base-installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py ensure_admin
	$(PY) manage.py collectstatic --noinput --verbosity 0
	exec $(PY) manage.py runstack

## make test: install the test tools, lint, check migrations, run the whole suite.
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

## make bench: the benchmark table (python -m bench; about 10 minutes on 2 cores) on PostgreSQL and
## Redis, started if they are down; make bench BENCH_ARGS=--quick takes about 3. Not part of make test.
bench: $(VENV)/.dev-installed
	.ci/services
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench $(BENCH_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make messages: refresh the Spanish and English catalogs from the code and compile them
## (needs GNU gettext: apt-get install gettext). Both .po and .mo files are committed.
messages: $(VENV)/.dev-installed
	$(PY) manage.py makemessages -l es -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages -l es -l en --ignore=.venv

## make lock: recompile the pinned requirements after editing requirements/*.in.
lock: $(VENV)/.dev-installed
	$(PY) -m pip install --quiet pip-tools
	cd requirements && ../$(BIN)/pip-compile --quiet --strip-extras --no-header --allow-unsafe \
		--no-emit-index-url --no-emit-find-links base.in -o base.txt
	cd requirements && ../$(BIN)/pip-compile --quiet --strip-extras --no-header --allow-unsafe \
		--no-emit-index-url --no-emit-find-links dev.in -o dev.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
