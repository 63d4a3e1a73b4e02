# The two commands of the README: `make demo` and `make test`, each from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The fast tier: every test but the seed-scale (slow), Neo4j and Spark ones, on every core; each
# test module runs in one worker (--dist loadscope), so a module's fixtures are built once.
FAST_TIER := -m "not slow and not neo4j and not spark" -n auto --dist loadscope

# Debian packages of the browser and office tests (tests/browsers.py, tests/test_exports_open.py):
# headless Chromium and its driver, CJK fonts, LibreOffice Calc without its GUI; and Java 17, on
# which the tests' Neo4j and Spark run. `make test` installs the missing ones (apt-get, as root or
# with sudo); `make demo` needs none of them.
TEST_DEBS := chromium chromium-driver fonts-noto-cjk libreoffice-calc-nogui openjdk-17-jre-headless

.PHONY: install demo notebooks lint test test-deps test-fast neo4j-start neo4j-stop

# casegraph's own modules compiled once here, as pip does for a package it installs whole: an
# editable install leaves that to the first import, which never writes them where
# PYTHONDONTWRITEBYTECODE is set (as on this project's machines), so each command compiled
# 21,000 lines again (0.1 s of a seed-scale `casegraph analyze`). A module edited later is
# compiled again on import; its old bytecode is not used.
$(BIN)/casegraph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q casegraph loaders queries graphs
	touch $@

install: $(BIN)/casegraph

demo: install
	$(BIN)/casegraph demo --out casegraph-demo

# JupyterLab on notebooks/, with a CJK font for the plots' Chinese names (Debian's fonts-noto-cjk).
notebooks: install
	$(call apt_install,fonts-noto-cjk)
	$(BIN)/pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab notebooks/

# The Debian packages of $(1) that are missing, installed with apt-get (as root, or with sudo).
define apt_install
	@missing=$$(for deb in $(1); do dpkg -s $$deb >/dev/null 2>&1 || echo $$deb; done); \
	[ -z "$$missing" ] && exit 0; \
	command -v apt-get >/dev/null || { echo "no apt-get; install:" $$missing; exit 0; }; \
	sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	$$sudo apt-get update -q && $$sudo env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $$missing
endef

lint: install
	$(BIN)/ruff check .

test-deps:
	$(call apt_install,$(TEST_DEBS))

test-fast: install
	$(BIN)/python -m pytest $(FAST_TIER) $(PYTEST_ARGS)

# Lint, the fast tier, the Spark engine's tests (the extra 'spark': PySpark on the Java that runs
# Neo4j, one local[2] session), then the seed-scale and Neo4j tests in two workers: the Neo4j
# tests one at a time in one of them (one database; tests/conftest.py keeps them together), the
# other seed-scale modules (a GiB each) meanwhile in the other. Neo4j with GDS is provisioned
# (first time) and started for the integration tests and stopped afterwards, whatever the tests'
# outcome. Every part runs; the first failure's exit code is kept. Exit 5 is "no test selected"
# (PYTEST_ARGS may select none in one part).
test: lint test-deps
	$(BIN)/pip install --quiet -e '.[test,spark]'
	status=0; \
	$(BIN)/python -m pytest $(FAST_TIER) $(PYTEST_ARGS) || { code=$$?; [ $$code -eq 5 ] || status=$$code; }; \
	$(BIN)/python -m pytest -m "spark and not neo4j" $(PYTEST_ARGS) || { code=$$?; [ $$code -eq 5 ] || [ $$status -ne 0 ] || status=$$code; }; \
	$(BIN)/casegraph neo4j start || exit $$?; \
	$(BIN)/python -m pytest -m "(slow or neo4j) and not spark" -n 2 --dist loadscope $(PYTEST_ARGS) || { code=$$?; [ $$code -eq 5 ] || [ $$status -ne 0 ] || status=$$code; }; \
	$(BIN)/casegraph neo4j stop; exit $$status

neo4j-start: install
	$(BIN)/casegraph neo4j start

neo4j-stop: install
	$(BIN)/casegraph neo4j stop
