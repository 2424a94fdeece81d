PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
# the docs extra has its own stamp, so that `make test` does not need it
DOCS_STAMP := $(VENV)/.installed-docs
LINT_STAMP := $(VENV)/.installed-lint

.PHONY: demo test docs lint install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

# the demo needs the package alone (no Ray, moto, browser or SageMaker toolkit of the tests)
$(DEMO_STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(DEMO_STAMP)

install: $(STAMP)

demo: $(DEMO_STAMP)
	$(VENV)/bin/syne-mohb demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile tests

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -q -e ".[docs]"
	touch $(DOCS_STAMP)

# the docs site (mkdocs.yml) into site/; --strict: every warning (a broken link, a missing
# reference, a docstring error) fails the build
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

$(LINT_STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q -e ".[lint]"
	touch $(LINT_STAMP)

# flake8 with setup.cfg's settings over the package, the benchmarks, the examples and the tests
# (tests/test_code_style.py checks the line length without it)
lint: $(LINT_STAMP)
	$(PY) -m flake8 syne_mohb benchmarking examples tests

clean:
	rm -rf $(VENV) build site *.egg-info
