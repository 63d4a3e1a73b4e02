"""The analyses (folder ``queries/``, import name ``casegraph.queries``): two engines that answer
one contract, and what is made of their answers.

- :mod:`.engine`: the contract (``Engine``) and ``analyze(engine)``, which makes every output table;
- :mod:`.memory` and :mod:`.neo4j`: the engines, module for module (figures, gangs,
  account_groups, fake_trades, flows) — DuckDB SQL, pandas and networkx on the tables, Cypher
  on the server; :mod:`.spark`: the memory engine's SQL transpiled to Spark SQL, for a case
  beyond one machine;
- :mod:`.rules`: what both share (figures, weights, thresholds, output columns); the steps
  after the engines: :mod:`.communities` (gangs), :mod:`.units` (member units, which the
  engines' gang evidence already splits off), :mod:`.evidence` (account groups against
  :mod:`.chance`), :mod:`.flow_rules` (fund-flow patterns), :mod:`.assembly` and
  :mod:`.income` (the output tables, the courts' bases);
- :mod:`.referrals`, :mod:`.export`, :mod:`.quality`, :mod:`.playbooks`: the sections of the
  packets per province, chains for other tools, scores against ``truth/``, the Cypher playbooks.

Before it on the data's way: the tables of :mod:`casegraph.loaders` (and the graph loaded
from them). After it: the output files (:mod:`casegraph.outputs`).
"""
