# The two commands of the README: `make demo` and `make test`, each from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test neo4j-start neo4j-stop

$(BIN)/casegraph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/casegraph

demo: install
	$(BIN)/casegraph demo --out casegraph-demo

# Unit and integration tests; Neo4j with GDS is provisioned (first time) and started for
# the integration tests and stopped afterwards, whatever the tests' outcome.
test: install
	$(BIN)/casegraph neo4j start
	status=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	$(BIN)/casegraph neo4j stop; exit $$status

neo4j-start: install
	$(BIN)/casegraph neo4j start

neo4j-stop: install
	$(BIN)/casegraph neo4j stop
