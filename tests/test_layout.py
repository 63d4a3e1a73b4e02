"""The layout issue 11 asks for, held as it stands: each package of the data's way says where it
sits, no function takes more than five positional parameters, and the analyses write no files
(every output file is written by casegraph.outputs)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("casegraph", "loaders", "graphs", "queries")
# Each step of the data's way: its folder, its import name, and the import name of the step it
# hands to (None: the last step, which says so).
STEPS = {
    "loaders": ("casegraph.loaders", "casegraph.queries"),
    "graphs": ("casegraph.graphs", "casegraph.queries"),
    "queries": ("casegraph.queries", "casegraph.outputs"),
    "casegraph/outputs": ("casegraph.outputs", None),
}
MAX_POSITIONAL = 5
# Calls that write a file, by the name called (a method or a function).
FILE_WRITES = frozenset({"write_text", "write_bytes", "to_csv", "to_excel", "to_parquet", "write_csv", "ZipFile",
                         "write_graphml", "write_gexf", "dump"})
# queries/ may write this one file: Spark's logging settings, for its JVM to read (not an output).
WRITES_ALLOWED = {"queries/spark/runner.py": "_quiet_log4j2"}


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py")
                  if "__pycache__" not in path.parts)


@pytest.mark.parametrize("folder", STEPS)
def test_each_step_says_its_folder_its_import_name_and_the_next_step(folder):
    name, next_step = STEPS[folder]
    doc = " ".join(ast.get_docstring(ast.parse((ROOT / folder / "__init__.py").read_text(encoding="utf-8"))).split())
    assert f"``{folder}/``" in doc and f"``{name}``" in doc, doc
    assert (f":mod:`{next_step}`" in doc) if next_step else ("last step" in doc), doc


def test_no_function_takes_more_than_five_positional_parameters():
    crowded = []
    for path in python_files(*FOLDERS):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                positional = [a for a in node.args.posonlyargs + node.args.args if a.arg not in ("self", "cls")]
                if len(positional) > MAX_POSITIONAL:
                    crowded.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not crowded, crowded


def _open_for_writing(call: ast.Call) -> bool:
    modes = [arg for arg in call.args[1:2]] + [kw.value for kw in call.keywords if kw.arg == "mode"]
    return any(isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax")
               for mode in modes)


def test_the_analyses_write_no_files():
    """queries/ makes tables; casegraph/outputs writes them (a writer that crept back into an
    analysis module would be found here)."""
    writes = []
    for path in python_files("queries"):
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            if WRITES_ALLOWED.get(relative) == function.name:
                continue
            for call in (node for node in ast.walk(function) if isinstance(node, ast.Call)):
                called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                if called in FILE_WRITES or (called in ("open", "fdopen") and _open_for_writing(call)):
                    writes.append(f"{relative}:{call.lineno} {function.name} calls {called}")
    assert not writes, writes
