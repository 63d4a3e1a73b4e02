"""The Cypher playbooks (:mod:`casegraph.queries.playbooks`) as a file Neo4j Browser imports:
``casegraph playbook export``.

>>> write_browser_favourites(Path("casegraph-playbooks.zip"))   # doctest: +SKIP
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from casegraph.queries.playbooks import Playbook, library


def write_browser_favourites(path: Path, books: list[Playbook] | None = None) -> Path:
    """A zip of the playbooks, one folder per category, that Neo4j Browser imports in one
    step as saved favourites (the zip dropped on Browser's window); each keeps its title as its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for book in books if books is not None else library():
            archive.writestr(f"casegraph {book.header.category}/{book.name}.cypher", book.query)
    return path
