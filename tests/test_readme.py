"""The README's notebook example runs as written (on a generated case at the path it names)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from casegraph.generator import generate_case
from casegraph.queries.output_tables import OUTPUT_TABLES

README = Path(__file__).parents[1] / "README.md"


def python_block(heading: str) -> str:
    section = README.read_text(encoding="utf-8").split(heading, 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_notebook_example_runs(tmp_path, monkeypatch):
    generate_case(tmp_path / "casegraph-demo" / "case", scale="tiny", seed=1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(python_block("## In a notebook"), "README.md", "exec"), namespace)
    assert set(namespace["tables"]) == set(OUTPUT_TABLES)
    assert len(namespace["clients"]) == len(namespace["case"]["clients"])
    assert namespace["graph"].number_of_nodes() > len(namespace["clients"])
    # the example after it: some questions only, on the case the first opened
    exec(compile(python_block("To ask some questions only"), "README.md", "exec"), namespace)
    found, ran = namespace["found"], namespace["found"]["coverage"].set_index("analysis")["ran"]
    assert ran[ran].index.tolist() == ["gang_evidence"]
    pd.testing.assert_frame_equal(found["communities"], namespace["tables"]["communities"])
    assert found["flow_patterns"].empty and not namespace["tables"]["flow_patterns"].empty
