"""graphs/SCHEMA.md is generated from the model and must match it."""

from pathlib import Path

from casegraph.graphs.model import NODES, RELATIONSHIPS
from casegraph.graphs.schema_doc import render

SCHEMA = Path(__file__).parents[1] / "graphs" / "SCHEMA.md"


def test_schema_document_is_up_to_date():
    assert SCHEMA.read_text(encoding="utf-8") == render(), (
        "regenerate: python -m casegraph.graphs.schema_doc > graphs/SCHEMA.md")


def test_schema_document_names_every_label_and_type():
    text = render()
    for node in NODES:
        assert f"| `{node.label}` |" in text
    for rel in RELATIONSHIPS:
        assert f"-->|{rel.type}|" in text and f"| `{rel.type}` |" in text
