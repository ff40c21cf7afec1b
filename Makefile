# The two commands of the README:  make synth  and  make test.
# Each installs what it needs first (a .venv with Python >= 3.11, the CDK CLI pinned in
# package-lock.json) and is safe to run again.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: synth test unit typecheck clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[aws]'
	touch $@

$(VENV)/.test: $(VENV)/.runtime pyproject.toml
	$(PY) -m pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Synthesize the example into cdk.out/ (templates: cdk.out/*.template.json).
synth: $(VENV)/.runtime node_modules/.installed
	npx cdk synth --quiet
	@echo "Templates written:"; ls -1 cdk.out/*.template.json

# The inner loop: the tests of pure Python logic (both custom-resource handlers, modules and inline
# bundles, against generated hostile events; the roster reader; token recognition). ~20 s on 2 cores.
UNIT_TESTS := tests/handler/test_diff.py tests/handler/test_physical_id_versions.py \
	tests/handler/test_hostile_events.py tests/handler/test_protocol.py \
	tests/cleanup/test_hostile_events.py tests/cleanup/test_protocol.py \
	tests/handler/test_inline_source.py tests/roster/test_loader_and_schema.py tests/unit/test_tokens.py

## Fast inner loop (well under a minute): pure-Python tests only; make test runs everything.
unit: $(VENV)/.test
	$(PY) -m pytest -q -n 2 $(UNIT_TESTS)

## Type-check the whole package and app.py (mypy; settings in pyproject.toml [tool.mypy]).
typecheck: $(VENV)/.test
	$(PY) -m mypy

## Run every test: type check, unit, rule pack, handler, roster, the independent judges (own venv)
## and the LocalStack tier (own Python 3.13 venv, started on 127.0.0.1 and stopped by its pid).
test: $(VENV)/.test node_modules/.installed typecheck
	$(PY) scripts/judges.py install
	$(PY) scripts/localstack.py install
	$(PY) scripts/localstack.py run -- env IAM_CONSTRUCTS_REQUIRE_LOCALSTACK=1 IAM_CONSTRUCTS_REQUIRE_JUDGES=1 \
		IAM_CONSTRUCTS_REQUIRE_EVALUATOR=1 \
		$(PY) -m pytest -n 2 --dist loadgroup

clean:
	rm -rf cdk.out .pytest_cache .localstack.log
