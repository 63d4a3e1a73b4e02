# The two commands of the README: `make demo` and `make test`, each from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The fast tier: every test but the seed-scale (slow) and Neo4j ones, on every core; each test
# module runs in one worker (--dist loadscope), so a module's fixtures are built once.
FAST_TIER := -m "not slow and not neo4j" -n auto --dist loadscope

.PHONY: install demo notebooks cjk-font lint test test-fast neo4j-start neo4j-stop

$(BIN)/casegraph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/casegraph

demo: install
	$(BIN)/casegraph demo --out casegraph-demo

# JupyterLab on notebooks/, with a CJK font for the plots' Chinese names (Debian's fonts-noto-cjk).
notebooks: install cjk-font
	$(BIN)/pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab notebooks/

# Debian's package, installed only when no CJK font is there (as root, or through sudo).
cjk-font:
	fc-list 2>/dev/null | grep -q CJK || { \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fontconfig fonts-noto-cjk; }

lint: install
	$(BIN)/ruff check .

test-fast: install
	$(BIN)/python -m pytest $(FAST_TIER) $(PYTEST_ARGS)

# Lint, the fast tier, then the seed-scale and Neo4j tests one at a time (one database, and a
# seed-scale case takes a GiB); Neo4j with GDS is provisioned (first time) and started for the
# integration tests and stopped afterwards, whatever the tests' outcome. Every part runs; the
# first failure's exit code is kept. Exit 5 is "no test selected" (PYTEST_ARGS may select none
# in one part).
test: lint cjk-font
	status=0; \
	$(BIN)/python -m pytest $(FAST_TIER) $(PYTEST_ARGS) || { code=$$?; [ $$code -eq 5 ] || status=$$code; }; \
	$(BIN)/casegraph neo4j start || exit $$?; \
	$(BIN)/python -m pytest -m "slow or neo4j" $(PYTEST_ARGS) || { code=$$?; [ $$code -eq 5 ] || [ $$status -ne 0 ] || status=$$code; }; \
	$(BIN)/casegraph neo4j stop; exit $$status

neo4j-start: install
	$(BIN)/casegraph neo4j start

neo4j-stop: install
	$(BIN)/casegraph neo4j stop
