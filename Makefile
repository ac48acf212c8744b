# Estran: `make run` (the embedded default) and `make test` (the whole suite, real services).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := chromium xmlsec1 gettext

# Python writes its bytecode caches (__pycache__/, ignored by git) even where the environment asks
# it not to (PYTHONDONTWRITEBYTECODE, set on some machines): without them every process compiles
# every module it imports from source again, and pytest rewrites the asserts of every test module
# again (collecting the suite: 16 s instead of 6, in each of its processes).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup run test durations test-fast fuzz soak bench-check lint messages clean system-packages

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

setup: $(UV)
	$(UV) sync --locked --quiet

# Chromium drives the browser tests, xmlsec1 signs SAML, ncgen (netcdf-bin) turns the NetCDF tests'
# CDL files into NetCDF, Pango lets WeasyPrint write review reports as PDF; installed from Debian
# when missing.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v xmlsec1 >/dev/null || missing="$$missing xmlsec1"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v ncgen >/dev/null || missing="$$missing netcdf-bin"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

run: setup
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools -v0 2>/dev/null || true
	$(PY) manage.py estran_load_demo
	$(PY) manage.py estran_load_thesaurus vocabularies/data/estran-demo.ttl --keep-other-sources
	$(PY) manage.py estran_load_thesaurus vocabularies/data/gcmd-sciencekeywords-2020.rdf --keep-other-sources
	@echo "Starting the web server and the worker (Ctrl-C stops both)."
	$(VENV)/bin/honcho -f Procfile.dev start

# ruff (rules under [tool.ruff] in pyproject.toml) and its formatter's check, deptry (every package
# imported is declared, every declared one used) and import-linter (the apps' layers). `make test`
# runs it first: a lint error fails the build before any test runs.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/deptry .
	$(VENV)/bin/lint-imports

# The suite in TEST_PROCESSES processes (pytest-xdist, a test file per process at a time), then the
# tests marked `serial` alone: the soak and a worker killed on purpose (they load the machine or time
# a recovery, so the others must not skew them) and the API fuzzing (Schemathesis' items share a node
# id, which pytest-xdist cannot split). Both parts run; either failing fails the build.
# --durations names the slowest tests at the end of the log, to keep the suite's time in view.
TEST_PROCESSES ?= 2
test: setup system-packages lint
	@rc=0; \
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile --durations=25 -m "not serial" $(PYTEST_ARGS) || rc=$$?; \
	[ $$rc -eq 5 ] && rc=0; \
	$(PY) -m pytest -m serial $(PYTEST_ARGS) || { r=$$?; [ $$r -eq 5 ] || rc=$$r; }; \
	exit $$rc

# The seconds each test file takes (tests/durations.json), from which the suite hands the longest
# files out first: refresh it after tests are added or made faster (the parallel part, one run).
durations: setup
	@mkdir -p var
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile --durations=0 -m "not serial" -q $(PYTEST_ARGS) | tee var/durations.log
	$(PY) -m tests.durations var/durations.log > tests/durations.json

test-fast: setup
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

# Nightly: the REST API fuzzed against its OpenAPI description (tests/test_api_fuzz.py) with
# FUZZ_EXAMPLES examples per operation and Schemathesis' coverage phase (`make test` runs 10 each).
FUZZ_EXAMPLES ?= 300
fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_COVERAGE=1 $(PY) -m pytest -o timeout=3600 tests/test_api_fuzz.py $(PYTEST_ARGS)

# The soak of issue 13 for longer than `make test` runs it (tests/test_soak.py: 15 s, both at once): the
# embedded default, then PostgreSQL and Redis, SOAK_SECONDS each; prints the figures, exits 1 if
# anything did not hold.
SOAK_SECONDS ?= 600
soak: setup
	$(PY) bench/soak/run.py --backend both --seconds $(SOAK_SECONDS)

# The benchmarks' anti-rot tests (each runs a bench/*/run.py end to end and checks what it prints and
# writes) at the bigger sizes they had before `make test` ran them at their smallest:
# ESTRAN_BENCH_FULL=1 (tests/conftest.py). Not the benchmarks themselves: bench/README.md gives those.
BENCH_TESTS := tests/test_big_deposit.py::test_the_big_deposit_benchmark_runs_end_to_end_on_a_few_files \
	tests/deposit/test_uploads_s3.py::test_the_upload_benchmark_runs_end_to_end_on_a_small_file \
	tests/repository/test_doi_bench.py tests/repository/test_landing_bench.py tests/oai/test_bench.py \
	tests/search/test_bench.py tests/vocabularies/test_bench.py
bench-check: setup
	ESTRAN_BENCH_FULL=1 $(PY) -m pytest $(BENCH_TESTS) $(PYTEST_ARGS)

messages: setup
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=.tools --ignore=var --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools

clean:
	rm -rf var/broker var/test-storage .pytest_cache
