"""Write the analyses' findings back into Neo4j, so playbooks can ask about them.

The case's own records say which gangs were already identified (``(:Gang)``); the other
gangs, their members, their severity and the account groups are findings of the analyses.
After an analysis (either engine) they are written as:

- ``(:FoundGang {id, known_gang_id, province, platform_ids, …figures_fen, is_fraud,
  severity_level, severity_method, severity_amount_fen, severity, algorithm})``, with
  ``(:Person|Account|Platform|Agent)-[:IN_GANG]->(:FoundGang)`` for every member or
  instrument (communities.csv) and ``(:FoundGang)-[:IDENTIFIED_AS]->(:Gang)`` for a known gang;
- ``(:AccountGroup {id, controller_id, self_trade_count, self_trade_qty, volume_share, …})``
  with ``(:Account)-[:IN_GROUP {evidence}]->(:AccountGroup)`` and
  ``(:AccountGroup)-[:CONTROLLED_BY]->(:Person)``.

Findings carry the loaded case's ``case_version``, so a reload of a changed case removes
them with everything else that is stale. Writing replaces the previous findings in one
transaction: a failure leaves the old ones, never half of the new.

>>> runner = CypherRunner(driver)                                  # doctest: +SKIP
>>> write_findings(runner, analyze(Neo4jEngine(runner)))            # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from casegraph.outputs import is_fen_column

from ..income import highest_severity
from .runner import CypherRunner

FINDING_CONSTRAINTS = (
    "CREATE CONSTRAINT found_gang_id IF NOT EXISTS FOR (n:FoundGang) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT account_group_id IF NOT EXISTS FOR (n:AccountGroup) REQUIRE n.id IS UNIQUE",
)
MEMBER_LABELS = {"person": "Person", "bank_account": "Account", "trading_account": "Account",
                 "platform": "Platform", "agent": "Agent"}


def _properties(frame: pd.DataFrame) -> list[dict]:
    """Rows as Neo4j property maps: integer money as ``*_fen``, missing values left out."""
    renamed = {c: f"{c}_fen" for c in frame.columns if is_fen_column(c, frame[c])}
    records = frame.rename(columns=renamed).astype(object).to_dict("records")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if not pd.isna(v)}
            for row in records]


def found_gang_rows(gangs: pd.DataFrame, income: pd.DataFrame, communities: pd.DataFrame) -> list[dict]:
    """One property map per gang of gangs.csv, with its highest severity over all time."""
    severity = highest_severity(income, "gang").rename(columns={
        "method": "severity_method", "amount": "severity_amount"})
    frame = gangs.join(severity, on="gang_id").rename(columns={"gang_id": "id"})
    frame["algorithm"] = communities["algorithm"].iloc[0] if len(communities) else None
    return _properties(frame)


def write_findings(runner: CypherRunner, tables: dict[str, pd.DataFrame]) -> None:
    """Replace the findings in the database with those in ``tables`` (see the module)."""
    members = tables["communities"].dropna(subset=["gang_id"])
    member_rows = {label: members[members["entity_type"].map(MEMBER_LABELS) == label][
        ["entity_id", "gang_id"]].to_dict("records") for label in sorted(set(MEMBER_LABELS.values()))}
    groups = tables["account_groups"]
    group_columns = [c for c in groups.columns if c not in ("account_id", "holder_person_id", "evidence")]
    group_rows = _properties(groups[group_columns].drop_duplicates("group_id").rename(columns={"group_id": "id"}))
    account_rows = groups[["group_id", "account_id", "evidence"]].to_dict("records")
    gang_rows = found_gang_rows(tables["gangs"], tables["income"], tables["communities"])

    runner.run_each(FINDING_CONSTRAINTS)
    version = runner.single("MATCH (l:CaseLoad) RETURN l.version AS version")["version"]

    def replace(tx) -> None:
        tx.run("MATCH (n) WHERE n:FoundGang OR n:AccountGroup DETACH DELETE n").consume()
        tx.run("UNWIND $rows AS row CREATE (g:FoundGang) SET g = row, g.case_version = $version "
               "WITH g WHERE g.known_gang_id IS NOT NULL "
               "MATCH (k:Gang {id: g.known_gang_id}) CREATE (g)-[:IDENTIFIED_AS {case_version: $version}]->(k)",
               rows=gang_rows, version=version).consume()
        for label, rows in member_rows.items():
            # The label comes from MEMBER_LABELS, never from the data.
            tx.run(f"UNWIND $rows AS row MATCH (n:{label} {{id: row.entity_id}}) "
                   "MATCH (g:FoundGang {id: row.gang_id}) CREATE (n)-[:IN_GANG {case_version: $version}]->(g)",
                   rows=rows, version=version).consume()
        tx.run("UNWIND $rows AS row CREATE (g:AccountGroup) SET g = row, g.case_version = $version "
               "WITH g MATCH (p:Person {id: g.controller_id}) "
               "CREATE (g)-[:CONTROLLED_BY {case_version: $version}]->(p)",
               rows=group_rows, version=version).consume()
        tx.run("UNWIND $rows AS row MATCH (a:Account {id: row.account_id}) "
               "MATCH (g:AccountGroup {id: row.group_id}) "
               "CREATE (a)-[:IN_GROUP {evidence: row.evidence, case_version: $version}]->(g)",
               rows=account_rows, version=version).consume()

    runner.write(replace)
