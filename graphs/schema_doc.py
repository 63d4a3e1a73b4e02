"""Render ``graphs/SCHEMA.md`` from :mod:`.model`, so the document never drifts from the
loaders: ``python -m casegraph.graphs.schema_doc > graphs/SCHEMA.md`` (a test checks it)."""

from __future__ import annotations

from casegraph.loaders.neo4j import MERGE_KEYS, schema_statements
from casegraph.queries.neo4j.findings import FINDING_CONSTRAINTS

from .model import NODES, POLYMORPHIC_ENDS, RELATIONSHIPS, stored_name


def _ends(label: str) -> list[str]:
    return [option[0] for option in POLYMORPHIC_ENDS[label]] if label in POLYMORPHIC_ENDS else [label]


def render() -> str:
    lines = [
        "# The case graph (generated from `graphs/model.py`; do not edit by hand)",
        "",
        "Regenerate with `python -m casegraph.graphs.schema_doc > graphs/SCHEMA.md`.",
        "",
        "Every node has `id` (unique per label) and its provenance, `source` (the case file) and",
        "`line` (the row's line in it); every relationship has `source` and `line` too. Money is",
        "integer fen (`…_fen`: 47495400 = 474,954.00 CNY), rates integer millionths (`…_micro`),",
        "dates and times Neo4j `date` / `datetime` (UTC). `amount_cny_fen` is the amount converted",
        "to CNY at the rate of its date. A `(:CaseLoad {case_id, status})` node records whether",
        "the last load completed. In memory (`casegraph.graphs.memory`) the same entities are",
        "networkx nodes keyed `Label:id`; facts (entries, trades, fills, logins) stay tables there,",
        "and logins become `USED_DEVICE` / `USED_IP` edges with a `count`.",
        "",
        "```mermaid",
        "flowchart LR",
    ]
    seen = set()
    for rel in RELATIONSHIPS:
        for end in _ends(rel.end[0]):
            for start in _ends(rel.start[0]):
                edge = (start, rel.type, end)
                if edge not in seen:
                    seen.add(edge)
                    lines.append(f"  {start} -->|{rel.type}| {end}")
    lines += ["```", "", "## Nodes", "", "| label | from | properties | what |", "| --- | --- | --- | --- |"]
    for node in NODES:
        props = ", ".join(f"`{stored_name(node.table, p)}`" for p in node.properties) or "—"
        origin = f"`{node.table}.csv` ({'distinct ' if node.derived else ''}`{node.key}`)"
        lines.append(f"| `{node.label}` | {origin} | {props} | {node.description} |")
    lines += ["", "## Relationships", "",
              "| type | from → to | source | merged on | properties | what |", "| --- | --- | --- | --- | --- | --- |"]
    for rel in RELATIONSHIPS:
        ends = f"`{rel.start[0]}` → `{'|'.join(_ends(rel.end[0]))}`"
        props = ", ".join(f"`{stored_name(rel.table, p)}`" for p in rel.properties) or "—"
        merge = f"`{MERGE_KEYS[rel.type]}`" if rel.type in MERGE_KEYS else "endpoints"
        lines.append(f"| `{rel.type}` | {ends} | `{rel.table}.csv` `{rel.end[1]}` | {merge} | {props} | "
                     f"{rel.description} |")
    lines += ["", "## Constraints and indexes (created before any write)", "", "```cypher"]
    lines += [f"{s};" for s in schema_statements()]
    lines += ["```", "",
              "## Findings (written back by `casegraph analyze --engine neo4j`)", "",
              "Not case records but what the analyses concluded, replaced on every analysis (see",
              "`queries/neo4j/findings.py`); the playbooks ask about them.", "",
              "| element | properties | what |", "| --- | --- | --- |",
              "| `(:FoundGang)` | `id`, `known_gang_id`, `province`, `province_evidence`, `platform_ids`, the "
              "gangs.csv counts and figures (`…_fen`), `is_fraud`, `severity_level`, `severity_method`, "
              "`severity_amount_fen`, `severity`, `algorithm` | a gang of gangs.csv (output), known or found |",
              "| `(:Person\\|Account\\|Platform\\|Agent)-[:IN_GANG]->(:FoundGang)` | — | a member or instrument "
              "of the gang (communities.csv) |",
              "| `(:FoundGang)-[:IDENTIFIED_AS]->(:Gang)` | — | the found gang is this known gang |",
              "| `(:AccountGroup)` | `id`, `controller_id`, `self_trade_count`, `self_trade_qty`, `volume_share`, "
              "… | an account group run by one controller (account_groups.csv) |",
              "| `(:Account)-[:IN_GROUP]->(:AccountGroup)` | `evidence` | the account is in the group |",
              "| `(:AccountGroup)-[:CONTROLLED_BY]->(:Person)` | — | the group's controller |",
              "", "```cypher"]
    lines += [f"{s};" for s in FINDING_CONSTRAINTS]
    lines += ["```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
