"""The notebooks of notebooks/ run top to bottom in a real Jupyter kernel, and show what they
promise: their checks pass (assert cells), their pictures are drawn, and the Neo4j section
runs when a server is up (tests/integration/test_notebooks_neo4j.py; README "Notebooks")."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"


def execute(notebook: str, workdir: Path, **env: str) -> nbformat.NotebookNode:
    """The notebook executed in ``workdir`` with ``env`` set for its kernel; an error in any
    cell fails the test with that cell's traceback."""
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                resources={"metadata": {"path": str(workdir)}}).execute()
    return nb


def outputs(nb) -> list[dict]:
    return [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]


def pictures(nb) -> int:
    return sum("image/png" in output.get("data", {}) for output in outputs(nb))


def printed(nb) -> str:
    return "".join(output.get("text", "") for output in outputs(nb) if output["output_type"] == "stream")


@pytest.mark.slow
def test_case_to_chain_and_money_without_a_server(tmp_path):
    nb = execute("01-case-to-chain-and-money.ipynb", tmp_path, CASEGRAPH_CASE=str(tmp_path / "case"),
                 CASEGRAPH_SCALE="small", NEO4J_URI="bolt://127.0.0.1:9")  # nothing listens on port 9
    assert pictures(nb) >= 5  # provinces, platforms, courts' bases, the agent tree, rebates
    text = printed(nb)
    assert "1 vendor, " in text and " gangs in " in text
    assert "section 6 skipped" in text


def test_notebooks_are_committed_without_outputs():
    """Outputs belong to a run, not to the repository: a committed output could show figures
    the code no longer computes."""
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert not outputs(nb), f"{path.name} holds outputs: clear them before committing"



@pytest.mark.slow
def test_bank_statements_first(tmp_path):
    nb = execute("02-bank-statements-first.ipynb", tmp_path, CASEGRAPH_WORK=str(tmp_path), CASEGRAPH_SCALE="small")
    assert pictures(nb) >= 2  # money per account, the traced path
    text = printed(nb)
    assert "statements of " in text and " transfers reached from " in text
    assert (tmp_path / "case" / "ingest_report.csv").is_file()
