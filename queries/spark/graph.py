"""The gang graph's communities on Spark, with no graph library on the cluster: connected
components by label propagation in plain Spark (:func:`connected_components`), then the memory
engine's own Louvain of one component (:func:`casegraph.queries.communities.component_communities`)
on the executors, one component per group of a grouped pandas UDF (:func:`gang_communities`).

Per component is no approximation: modularity sums over communities and a community never spans
two components, so the one global optimum is every component's optimum at the resolution scaled
by its share of the graph's weight, which is how the memory engine runs it too
(:func:`casegraph.queries.communities.detect_communities`): both engines give the same
communities, numbered the same way (by their smallest node).

>>> runner = SparkSQL(spark_session())                                        # doctest: +SKIP
>>> edges = pd.DataFrame({"u": ["a", "b", "x"], "v": ["b", "c", "y"], "weight": [1.0, 1.0, 1.0]})
>>> gang_communities(edges, runner, seed=0)                                   # doctest: +SKIP
{'a': 0, 'b': 0, 'c': 0, 'x': 1, 'y': 1}
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from ..communities import component_communities, rounded_weights, summed_weight
from .runner import SparkSQL


class ComponentLabels(NamedTuple):
    """Each node's connected component (``node``, ``component``: the component's smallest node)
    as a Spark DataFrame, and the rounds of label propagation it took."""

    labels: object  # a pyspark DataFrame
    rounds: int


def connected_components(edges) -> ComponentLabels:
    """The connected components of the undirected graph ``edges`` (a Spark DataFrame with text
    columns ``u``, ``v``), each labelled by its smallest node.

    Min-label propagation over the edges until nothing changes, in the alternating form of
    Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014): each round is a
    *large star* (every node links its larger neighbours to the smallest label around it) and a
    *small star* (every node links itself and its smaller neighbours to the smallest of them).
    Both keep each component connected and its nodes in it; the edges end as one star per
    component around its smallest node, after O(log² n) rounds — where plain min-label
    propagation needs as many rounds as the longest path (an agent chain of 50,000 is 50,000
    rounds). The rounds stop when the edges are those stars (:func:`_stars`), the fixed point;
    each round's edges are checkpointed (``localCheckpoint``) by the one job that tests that, so
    the plan stays one round long.

    >>> edges = spark.createDataFrame([("a", "b"), ("b", "c"), ("x", "y")], "u string, v string")  # doctest: +SKIP
    >>> sorted(connected_components(edges).labels.collect())                                       # doctest: +SKIP
    [Row(node='a', component='a'), Row(node='b', component='a'), Row(node='c', component='a'), ...]
    """
    from pyspark.sql import functions as F

    # Each edge once, as (hi, lo) with hi > lo.
    current = (edges.where(F.col("u") != F.col("v"))
               .select(F.greatest("u", "v").alias("hi"), F.least("u", "v").alias("lo"))
               .distinct().localCheckpoint(eager=False))
    rounds = 0
    while not _stars(current):  # the round's one job: it also checkpoints the round's edges
        current = _small_star(_large_star(current)).localCheckpoint(eager=False)
        rounds += 1
    # A star per component: each node but the smallest has one edge, to the smallest.
    labels = (current.select(F.col("hi").alias("node"), F.col("lo").alias("component"))
              .unionByName(current.select(F.col("lo").alias("node"), F.col("lo").alias("component")))
              .groupBy("node").agg(F.min("component").alias("component")))
    return ComponentLabels(labels, rounds)


def _stars(edges) -> bool:
    """Whether the edges (hi, lo) are one star per component around its smallest node: each
    node is the larger end of one edge at most, and no larger end is a smaller end. Exactly
    then a round changes nothing (the fixed point the rounds reach)."""
    from pyspark.sql import functions as F

    ends = edges.select(F.col("hi").alias("node"), F.lit(1).alias("as_hi"), F.lit(0).alias("as_lo")).unionByName(
        edges.select(F.col("lo").alias("node"), F.lit(0).alias("as_hi"), F.lit(1).alias("as_lo")))
    per_node = ends.groupBy("node").agg(F.sum("as_hi").alias("as_hi"), F.max("as_lo").alias("as_lo"))
    return per_node.where((F.col("as_hi") > 1) | ((F.col("as_hi") == 1) & (F.col("as_lo") == 1))).isEmpty()


def _large_star(edges):
    """Every node's larger neighbours linked to the smallest of the node and its neighbours."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    both = edges.select(F.col("hi").alias("node"), F.col("lo").alias("other")).unionByName(
        edges.select(F.col("lo").alias("node"), F.col("hi").alias("other")))
    smallest = F.least(F.min("other").over(Window.partitionBy("node")), F.col("node"))
    # Duplicates are left to the small star's distinct.
    return (both.withColumn("smallest", smallest).where(F.col("other") > F.col("node"))
            .select(F.col("other").alias("hi"), F.col("smallest").alias("lo")))


def _small_star(edges):
    """Every node and its smaller neighbours linked to the smallest of them."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    with_smallest = edges.withColumn("smallest", F.min("lo").over(Window.partitionBy("hi")))
    neighbours = with_smallest.where(F.col("lo") != F.col("smallest")).select(
        F.col("lo").alias("hi"), F.col("smallest").alias("lo"))
    itself = with_smallest.select("hi", F.col("smallest").alias("lo"))
    return neighbours.unionByName(itself).distinct()


def component_labels(edges: pd.DataFrame, runner: SparkSQL) -> pd.Series:
    """Node -> the smallest node of its connected component, of the graph ``edges`` (``u``, ``v``):
    :func:`casegraph.queries.evidence.component_labels` with the components found
    on Spark (:func:`connected_components`)."""
    if edges.empty:
        return pd.Series(dtype=object)
    runner.register("component_edges", pd.DataFrame({"u": edges["u"].astype(str), "v": edges["v"].astype(str)}))
    found = connected_components(runner.session.table("component_edges")).labels.toPandas()
    return pd.Series(found["component"].to_numpy(dtype=object), index=found["node"].to_numpy(dtype=object),
                     dtype=object).sort_index()


def gang_communities(edges: pd.DataFrame, runner: SparkSQL, *, seed: int = 0,
                     resolution: float = 1.0) -> dict[str, int]:
    """Node -> community of the gang graph ``edges`` (``u``, ``v``, ``weight``: :func:`gang_edges`),
    what :func:`casegraph.queries.communities.detect_communities` gives on ``graph_of_edges(edges)``:
    the components on Spark (:func:`connected_components`), each component's Louvain on an
    executor (``groupBy(component).applyInPandas``), the numbering on the driver."""
    if edges.empty:
        return {}
    weights = rounded_weights(edges["weight"])
    total = summed_weight(weights)
    runner.register("gang_graph", pd.DataFrame({"u": edges["u"].astype(str), "v": edges["v"].astype(str),
                                                "weight": weights}))
    graph = runner.session.table("gang_graph")
    components = connected_components(graph).labels

    def communities_of_component(component: pd.DataFrame) -> pd.DataFrame:
        parts = component_communities(zip(component["u"], component["v"], component["weight"]),
                                      total_weight=total, seed=seed, resolution=resolution)
        return pd.DataFrame([(node, min(part)) for part in parts for node in part], columns=["node", "first"])

    found = (graph.join(components.withColumnRenamed("node", "u"), "u").groupBy("component")
             .applyInPandas(communities_of_component, schema="node string, first string"))
    firsts = found.toPandas()
    number = firsts["first"].rank(method="dense").astype("int64") - 1
    ordered = pd.DataFrame({"node": firsts["node"], "number": number}).sort_values(["number", "node"])
    return dict(zip(ordered["node"], ordered["number"].tolist()))
