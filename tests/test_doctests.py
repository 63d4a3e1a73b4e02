"""Every docstring example of the package runs as written, module by module, by import name
(README "In a notebook"): the examples analysts copy are tested. ``tmp`` in an example is a
fresh folder; examples that need a server or a real case folder are marked ``+SKIP``."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("casegraph", "casegraph.graphs", "casegraph.loaders", "casegraph.queries")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        names += [m.name for m in pkgutil.walk_packages(importlib.import_module(package).__path__, package + ".")
                  if m.name.split(".")[1] in {"graphs", "loaders", "queries"} or package == "casegraph"]
    return sorted(set(names))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name, tmp_path):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"tmp": tmp_path}, report=True,
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (see above)"
