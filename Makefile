# podchaos developer and CI entry points. Every target installs what it needs first (idempotent).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
SCENARIO ?= sidecar-kill
PYTEST_ARGS ?=
WORKERS ?= 4
# The Kubernetes release the targets bring the local cluster up on: default, or 1.36.3, 1.36 ...
KUBERNETES ?= default

.PHONY: setup test-tools test-lowest scenario test lint cluster-up cluster-down cluster-status bench clean \
	compare-versions nightly test-disturbed-catalogue

# Building the local cluster needs Go 1.21+: the one on PATH, else one fetched from the Go module proxy
# into ~/.cache/podchaos (.ci/ensure-go). Recipes that may start the cluster run with it on PATH.
WITH_GO = PATH="$$(.ci/ensure-go):$$PATH"

# Python deps in a venv; the cluster's Debian packages and Go-built binaries are installed by
# `podchaos cluster up` itself (also called on demand by the tests).
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# Programs the e2e tests run on this machine (binary:Debian package). The tests never install them:
# they fail, naming this target, when one is missing.
TEST_TOOLS := /usr/bin/prometheus-pushgateway:prometheus-pushgateway /usr/bin/chromium:chromium /usr/bin/prometheus:prometheus

## test-tools: the Pushgateway, Prometheus and headless chromium the e2e tests use (apt-get only for what is missing),
## and helm and kubectl for the Helm and kustomize workloads, built from Go modules (cached; helm's cold build 3.6 min)
test-tools: setup
	@missing=""; for tool in $(TEST_TOOLS); do \
		[ -x "$${tool%%:*}" ] || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		echo "installing:$$missing"; \
		apt-get install -y -q --no-install-recommends $$missing \
			|| { apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; }; \
	fi
	$(WITH_GO) $(VENV)/bin/podchaos helm version --short
	$(WITH_GO) $(VENV)/bin/podchaos kubectl version --client

## scenario: run one scenario (default sidecar-kill) on the embedded local cluster
scenario: setup
	$(WITH_GO) $(VENV)/bin/podchaos cluster up --kubernetes $(KUBERNETES)
	$(WITH_GO) $(VENV)/bin/pytest --scenario=$(SCENARIO) --podchaos-cluster=local -p no:cacheprovider $(PYTEST_ARGS)

## lint: ruff, formatting, mypy --strict (podchaos, the three test layers, the example project) and the import-linter contracts
lint: setup
	$(VENV)/bin/ruff check podchaos tests conftest.py bench docs/example-project
	$(VENV)/bin/ruff format --check podchaos tests conftest.py bench docs/example-project
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict docs/example-project
	@# Test modules import their layer's helpers by bare name (pytest's rootdir-less import mode), so
	@# each layer is checked on its own: the same strictness as podchaos/.
	MYPYPATH=tests/unit $(VENV)/bin/mypy tests/unit
	MYPYPATH=tests/plugin $(VENV)/bin/mypy tests/plugin
	MYPYPATH=tests/e2e $(VENV)/bin/mypy tests/e2e
	$(VENV)/bin/lint-imports

# pytest's exit status 5 (nothing collected) means a broken selection, never a pass.
define run_pytest
	set +e; $(WITH_GO) $(VENV)/bin/pytest -p no:cacheprovider $(1); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: treating as failure" >&2; exit 1; fi; exit $$rc
endef

# The lower bounds in pyproject.toml are tested: a venv of its own with every dependency at exactly
# its lowest pinned version (">=" read as "=="), running the unit and plugin tests (no cluster).
LOWEST_VENV ?= .venv-lowest
$(LOWEST_VENV)/.installed: pyproject.toml
	rm -rf $(LOWEST_VENV)
	python3 -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/python -m pip install -q --upgrade pip
	python3 -c 'import re, tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; \
		print("\n".join(re.sub(r">=", "==", d) for d in deps))' > $(LOWEST_VENV)/lowest.txt
	$(LOWEST_VENV)/bin/python -m pip install -q -r $(LOWEST_VENV)/lowest.txt 'hypothesis>=6.100' 'setuptools>=77' 'jsonschema>=4.18'
	$(LOWEST_VENV)/bin/python -m pip install -q --no-deps -e .
	touch $@

## test-lowest: unit and plugin tests with every dependency at its lowest pinned version
test-lowest: $(LOWEST_VENV)/.installed
	$(LOWEST_VENV)/bin/pip freeze --exclude-editable | grep -iE '^(pytest|kubernetes|tenacity|pytest-xdist|prometheus.client|pyyaml|cryptography)=='
	$(LOWEST_VENV)/bin/python -m pytest -p no:cacheprovider tests/unit tests/plugin -q -n 2

## test: quality gates; unit, plugin and e2e tests; then the whole catalogue in parallel, as nightly runs do
test: lint test-tools test-lowest
	$(WITH_GO) $(VENV)/bin/podchaos cluster up --kubernetes $(KUBERNETES)
	@# kind's tooling and node image (a cold build takes some 20 min) build at the lowest priority while
	@# the tests before the kind e2e test run; that test waits for the build's lock.
	@mkdir -p reports; setsid nice -n 19 env $(WITH_GO) $(VENV)/bin/podchaos kind-build \
		> reports/kind-build.log 2>&1 & echo $$! > reports/.kind-build.pid
	@# The pure layers in parallel; the e2e tests one at a time (they share the cluster's nodes and
	@# restart its daemons), with the slowest listed so CI's time budget can be watched.
	$(call run_pytest,tests/unit tests/plugin -n 2 $(PYTEST_ARGS))
	$(call run_pytest,tests/e2e --podchaos-cluster=local --durations=25 $(PYTEST_ARGS))
	@pid=$$(cat reports/.kind-build.pid); while kill -0 $$pid 2>/dev/null; do sleep 2; done; \
		rm -f reports/.kind-build.pid; tail -n 3 reports/kind-build.log
	$(call run_pytest,--scenario='*' -n $(WORKERS) --podchaos-cluster=local --podchaos-report-dir=reports $(PYTEST_ARGS))
	@# One release on two clusters: the kind e2e test's run (tests/e2e/test_kind_cluster.py) beside the
	@# catalogue's run on the embedded cluster, in reports/kind-vs-embedded.md and .html.
	@kind=$$(ls -d reports/kind-e2e/*/ 2>/dev/null | tail -1); embedded=$$(ls -td reports/2*/ | head -1); \
	if [ -n "$$kind" ]; then \
		$(VENV)/bin/podchaos compare "$$kind" "$$embedded" -o reports/kind-vs-embedded.md -o reports/kind-vs-embedded.html; \
	fi

# Catalogue scenarios under -n 4 across apiserver restarts at random points (part of `make test`).
DISTURBED_CATALOGUE := tests/e2e/test_truth_under_disturbance.py::test_a_catalogue_run_under_n4_across_apiserver_restarts_is_right_or_names_the_gap

## test-disturbed-catalogue: that run alone (disruptive: restarts the local cluster's apiserver at random
## points; PODCHAOS_DISTURBED_SCENARIOS='*' for the whole catalogue, PODCHAOS_DISTURB_SEED to replay)
test-disturbed-catalogue: setup
	$(WITH_GO) $(VENV)/bin/podchaos cluster up --kubernetes $(KUBERNETES)
	$(call run_pytest,$(DISTURBED_CATALOGUE) --podchaos-cluster=local $(PYTEST_ARGS))

## compare-versions: the whole catalogue on each tested Kubernetes version in turn on the local cluster,
## then one comparison report (reports/compare-versions.md, .html); not part of `make test` (11 min here)
compare-versions: setup
	$(WITH_GO) .ci/compare-versions

## nightly: the whole catalogue with every scenario run REPEAT (5) times, kept under reports/nightly/<run-id>,
## then `podchaos trend` over every night kept there (reports/nightly/trend.md, .html); exit 1 on a regression
REPEAT ?= 5
nightly: setup
	$(WITH_GO) $(VENV)/bin/podchaos cluster up --kubernetes $(KUBERNETES)
	$(WITH_GO) REPEAT=$(REPEAT) WORKERS=$(WORKERS) .ci/nightly

cluster-up: setup
	$(WITH_GO) $(VENV)/bin/podchaos cluster up --kubernetes $(KUBERNETES)

cluster-down: setup
	$(VENV)/bin/podchaos cluster down

cluster-status: setup
	$(VENV)/bin/podchaos cluster status

## bench: speed and memory numbers (pure code, then the running local cluster)
bench: setup
	$(WITH_GO) $(VENV)/bin/podchaos cluster up --kubernetes $(KUBERNETES)
	$(PY) bench/run.py --cluster
	$(WITH_GO) $(PY) bench/engine.py
