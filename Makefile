# The two commands of the README:  make synth  and  make test.
# Each installs what it needs first (a .venv with Python >= 3.11, the CDK CLI pinned in
# package-lock.json) and is safe to run again.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: synth test unit clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
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

## Run every test.
test: $(VENV)/.test node_modules/.installed
	$(PY) -m pytest -n 2

clean:
	rm -rf cdk.out .pytest_cache
