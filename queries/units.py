"""Member units (会员单位): gangs that run a subtree of agents on another gang's platform.

A master gang (总盘) lets member units work its platform. A unit is a gang of its own, often
in another province, led by a top-level agent of the master's platform, with its own staff,
agents, clients and cards; it pays the master a share of its clients' fees. Every record binds
it to the platform — its agents are the platform's agents, its cards take the platform's
clients' deposits — so gangs found as sets of platforms fold it into the master (a case written
independently of casegraph: four units in their masters' gangs). What sets a unit apart is its
money: its clients pay into cards that no other part of the platform uses, and what those cards
pay on does not meet the rest of the platform's money.

The step, the same for both engines, runs on what each engine reads of its case:

1. :func:`member_units`: the top-level agents whose subtree's client money stays apart so;
2. :func:`split_member_units`: the hard facts that bind a unit's agents, the persons who are
   those agents and the accounts its clients' money went through to the platform bind them to
   the unit instead, a platform of its own to gang discovery, named by its top-level agent;
3. :func:`units_on_graph`: the gang graph's ties between the platform and those nodes likewise;
4. :func:`known_units`: a gang ``gangs.csv`` lists without a platform, led by a unit's top-level
   agent, is that unit, and the persons it names are bound to it;
5. :func:`listed_gangs_found`, once the gangs are found: where no record names the unit's top
   agent's person, the gang that holds most of the persons a gang listed without a platform
   names is that gang.

A unit's gang then holds no platform; its clients and their money are those of its top-level
agent's subtree, and the master's are the rest of the platform's
(:func:`.assembly.part_figures`).

>>> money = pd.DataFrame({"platform_id": "P", "root_agent_id": ["A", "B", "U"], "account_id": ["C1", "C1", "C2"],
...                       "n": [30, 30, 40], "deposits": [20, 20, 25]})
>>> member_units(money, pd.DataFrame({"from_account": ["C1", "C2"], "to_account": ["F1", "F2"]}))
  platform_id unit_id
0           P       U
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columnar import duckdb_connection, is_in

# A unit's clients' linked entries (their deposits' payees, the payers of the rest) went through
# accounts no other subtree of its platform used, this share of them at least: a gang's own
# teams pay into the gang's collection cards, or some of them (the five independent generators,
# 20 cases: at most 0.94 of a subtree's 20 entries or more, beside the units' 0.99 and 1.0).
UNIT_OWN_SHARE = 0.95
# Entries on each side, the unit's and the rest of its platform's: a subtree of a few clients
# pays into cards of its own by chance (2 and 3 deposits, each in one card, in those cases).
MIN_UNIT_ENTRIES = 20
# The transfers a unit's deposit-taking cards made to accounts (other than the platform's
# client-money accounts) that the rest of the platform's cards paid too, counted up to as many
# as the rest made to each, at most this share of all they made: a gang's team that collects
# on cards of its own sweeps them into the gang's accounts (0.145 in the one case of the
# generators where a team's cards were 94 % its own), a unit into its own (0 in 13 units of 14,
# 0.019 where a payment channel of the master's paid the unit's finance card twice).
MAX_SHARED_PAYEES = 0.1


def member_units(subtree_money: pd.DataFrame, transfers, *, platform_ids=(), channels=(),
                 connect=duckdb_connection) -> pd.DataFrame:
    """The member units of the case: (platform_id, unit_id), the unit named by its top-level
    agent, sorted. ``subtree_money``: platform_id, root_agent_id (the top-level agent above the
    client's agent), account_id, n (linked ledger entries of that subtree's clients through the
    account: a deposit's payee, a withdrawal's payer), deposits (of them); ``transfers``:
    from_account, to_account, those out of the accounts that took deposits at least (``connect``:
    where the SQL that selects those runs, as in :func:`.communities.swept_accounts`).

    A subtree is a unit where :data:`UNIT_OWN_SHARE` of its entries went through accounts no
    other subtree of the platform used, it and the rest of the platform each have
    :data:`MIN_UNIT_ENTRIES` entries, and no more than :data:`MAX_SHARED_PAYEES` of the
    transfers its deposit-taking accounts made went where the rest's went too. Where every
    subtree of a platform keeps its money apart so, its largest is no unit: the platform is
    someone's. A top-level agent whose id is also one of ``platform_ids`` names no unit (the two
    would be one node of the gang graph).

    ``channels``: the accounts of payment companies (accounts.csv's kind ``payment``). One that
    some of a platform's subtrees pay into, not every one of its :data:`MIN_UNIT_ENTRIES`
    entries or more, is each one's own: an aggregator collects for every merchant that signs
    up, and settles each one's money to that merchant's card, while a gang's own channel takes
    the money of all its teams (a case written independently of casegraph: two units of one
    master whose clients paid the same aggregator, each 0.68 and 0.94 its own, were the master's;
    28 units of 28 found in 35 cases of the five generators and no team taken for one, where
    taking every payment company's account for each subtree's own made 35 teams of 7 cases units)."""
    money = subtree_money[subtree_money["root_agent_id"].notna().to_numpy()]
    channels = list(channels)
    users = money.groupby(["platform_id", "account_id"])["root_agent_id"].transform("nunique")
    subtree_n = money.groupby(["platform_id", "root_agent_id"])["n"].transform("sum")
    large = money[(subtree_n >= MIN_UNIT_ENTRIES).to_numpy()]
    n_large = large.groupby("platform_id")["root_agent_id"].nunique()
    large_users = large.groupby(["platform_id", "account_id"])["root_agent_id"].nunique()
    key = pd.MultiIndex.from_frame(money[["platform_id", "account_id"]])
    apart_channel = is_in(money["account_id"], channels) & (
        large_users.reindex(key, fill_value=0).to_numpy() < money["platform_id"].map(n_large).fillna(0).to_numpy())
    money = money.assign(own=np.where((users.to_numpy() == 1) | apart_channel, money["n"].to_numpy(), 0))
    sides = money.groupby(["platform_id", "root_agent_id"])[["n", "own"]].sum().reset_index()
    platform_n = subtree_money.groupby("platform_id")["n"].sum()
    sides["rest_n"] = sides["platform_id"].map(platform_n).to_numpy() - sides["n"].to_numpy()
    candidates = sides[(sides["own"] >= UNIT_OWN_SHARE * sides["n"]) & (sides["n"] >= MIN_UNIT_ENTRIES)
                       & (sides["rest_n"] >= MIN_UNIT_ENTRIES) & ~is_in(sides["root_agent_id"], list(platform_ids))]
    if candidates.empty:
        return pd.DataFrame({"platform_id": pd.Series(dtype=object), "unit_id": pd.Series(dtype=object)})
    taking = money[(money["deposits"] > 0).to_numpy() & is_in(money["platform_id"], candidates["platform_id"])]
    connection = connect(transfers=transfers[["from_account", "to_account"]],
                         taking=taking[["account_id"]].drop_duplicates())
    paid = connection.sql("""SELECT t.from_account, t.to_account, count(*) AS n
                             FROM transfers AS t JOIN taking AS a ON t.from_account = a.account_id
                             GROUP BY ALL""").df()
    units = []
    # A handful of candidates in a case, each against its platform's few dozen accounts.
    for platform_id, root, n in candidates[["platform_id", "root_agent_id", "n"]].itertuples(index=False):
        on_platform = taking[taking["platform_id"] == platform_id]
        own = on_platform.loc[on_platform["root_agent_id"].eq(root).to_numpy() & (on_platform["own"] > 0).to_numpy(),
                              "account_id"]
        rest = on_platform.loc[~is_in(on_platform["account_id"], own), "account_id"]
        # An aggregator's settlements are its merchants' money, whichever subtree paid it in.
        onward = paid[~is_in(paid["to_account"], on_platform["account_id"]) & ~is_in(paid["from_account"], channels)]
        unit_paid, rest_paid = (onward[is_in(onward["from_account"], accounts)].groupby("to_account")["n"].sum()
                                for accounts in (own, rest))
        # What both sides paid the same account, the lesser side's transfers.
        shared = np.minimum(unit_paid, rest_paid.reindex(unit_paid.index, fill_value=0)).sum()
        if shared <= MAX_SHARED_PAYEES * unit_paid.sum():
            units.append((platform_id, root, n))
    found = pd.DataFrame(units, columns=["platform_id", "unit_id", "n"])
    # Where every subtree of a platform keeps its money apart, its largest is still the platform's.
    everyone = found.groupby("platform_id")["unit_id"].transform("size").to_numpy() == found["platform_id"].map(
        sides.groupby("platform_id").size()).to_numpy()
    largest = found[everyone].sort_values(["n", "unit_id"], ascending=[False, True]).drop_duplicates("platform_id")
    found = found.drop(index=largest.index)
    # The rest of the platform keeps entries enough to be someone's, whatever units it has.
    found = found[found["platform_id"].map(platform_n).to_numpy()
                  - found.groupby("platform_id")["n"].transform("sum").to_numpy() >= MIN_UNIT_ENTRIES]
    return found[["platform_id", "unit_id"]].sort_values(["platform_id", "unit_id"], ignore_index=True)


UNIT_AGENT_COLUMNS = ["agent_id", "person_id", "platform_id", "unit_id"]


def unit_agents(subtrees: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The agents of each member unit: agent_id, person_id, platform_id, unit_id (``subtrees``:
    agent_id, platform_id, person_id, root_agent_id, every agent; ``units``: :func:`member_units`)."""
    agents = subtrees[is_in(subtrees["root_agent_id"], units["unit_id"])]
    return agents.rename(columns={"root_agent_id": "unit_id"})[UNIT_AGENT_COLUMNS].reset_index(drop=True)


def no_unit_agents() -> pd.DataFrame:
    """:func:`unit_agents` of a case without member units."""
    return pd.DataFrame({column: pd.Series(dtype=object) for column in UNIT_AGENT_COLUMNS})


def no_listed_persons() -> pd.DataFrame:
    """The persons named by gangs.csv's gangs without a platform (as :func:`known_units` reads
    them), of a case that lists none."""
    return pd.DataFrame({column: pd.Series(dtype=object) for column in ("gang_id", "person_id", "fact", "province")})


def known_units(agents: pd.DataFrame, named: pd.DataFrame) -> pd.DataFrame:
    """The member units gangs.csv already lists: (gang_id, platform_id = the unit_id,
    province), as :func:`.memory.figures.known_gang_platforms` gives the known gangs' platforms.
    A gang listed without a platform (``named``: gang_id, person_id, fact — ``gang_leader`` for
    its leader in gangs.csv or memberships.csv, ``role_in_gang`` for the others memberships.csv
    names —, province) is the unit whose top-level agent its leader is (``agents``:
    :func:`unit_agents`); the smallest gang id where two name one unit.

    >>> agents = pd.DataFrame({"agent_id": ["U1", "U2"], "person_id": ["L", "S"], "platform_id": "P",
    ...                        "unit_id": "U1"})
    >>> named = pd.DataFrame({"gang_id": ["K", "K"], "person_id": ["L", "S"], "fact": ["gang_leader", "role_in_gang"],
    ...                       "province": "湖北省"})
    >>> known_units(agents, named).to_dict("records")
    [{'gang_id': 'K', 'platform_id': 'U1', 'province': '湖北省'}]
    """
    tops = agents.loc[(agents["agent_id"] == agents["unit_id"]).to_numpy(), ["person_id", "unit_id"]].dropna()
    leaders = named.loc[named["fact"].eq("gang_leader").to_numpy(), ["gang_id", "person_id", "province"]]
    found = leaders.merge(tops, on="person_id").sort_values(["unit_id", "gang_id"]).drop_duplicates("unit_id")
    return pd.DataFrame({"gang_id": found["gang_id"].to_numpy(), "platform_id": found["unit_id"].to_numpy(),
                         "province": found["province"].to_numpy()})


def listed_gangs_found(resolved: pd.DataFrame, named: pd.DataFrame, known_ids) -> dict[str, str]:
    """Found gang id -> the id of the gang gangs.csv lists without a platform that it is, for
    the found gangs no platform names (``known_ids``: the gang ids gangs.csv gives platforms or
    units): the one that holds more than half of the persons the listed gang names (``named``,
    as :func:`known_units` reads it), two at least, its leader among them where it names one;
    ``resolved``: node, gang_id (:func:`.communities.resolve_gangs`). Where two listed gangs are one found gang,
    the one with more persons in it (then the smaller id). A gang listed without a platform and
    led by no agent a record names — a member unit on a platform exported without its agents'
    persons — is found by the staff gangs.csv and memberships.csv name, who are its members.

    >>> resolved = pd.DataFrame({"node": ["Person:L", "Person:S", "Person:T", "Platform:U1"],
    ...                          "gang_id": ["G?U1", "G?U1", None, "G?U1"]})
    >>> named = pd.DataFrame({"gang_id": "K", "person_id": ["L", "S", "T"],
    ...                       "fact": ["gang_leader", "role_in_gang", "role_in_gang"]})
    >>> listed_gangs_found(resolved, named, known_ids=[])
    {'G?U1': 'K'}
    >>> listed_gangs_found(resolved, named.astype("str").assign(person_id=["X", "Y", "Z"]), known_ids=[])
    {}
    """
    known = pd.Series(list(known_ids), dtype=object)
    persons = named[["gang_id", "person_id"]].drop_duplicates()
    persons = persons[~is_in(persons["gang_id"], known)]
    found = resolved.set_index("node")["gang_id"].dropna()
    persons = persons.assign(found=("Person:" + persons["person_id"].astype("string")).map(found).to_numpy())
    size = persons.groupby("gang_id").size()
    held = persons.dropna(subset=["found"])
    if held.empty:
        return {}
    held = held.groupby(["gang_id", "found"]).size().rename("n").reset_index()
    leaders = named.loc[named["fact"].eq("gang_leader").to_numpy(), ["gang_id", "person_id"]]
    led = leaders.assign(found=("Person:" + leaders["person_id"].astype("string")).map(found).to_numpy())
    with_leader = held.set_index(["gang_id", "found"]).index.isin(led.set_index(["gang_id", "found"]).index)
    leaderless = ~is_in(held["gang_id"], leaders["gang_id"])
    held = held[(with_leader | leaderless) & (held["n"] >= 2).to_numpy()
                & (2 * held["n"] > held["gang_id"].map(size)).to_numpy()
                & ~is_in(held["found"], known)]
    held = held.sort_values(["found", "n", "gang_id"], ascending=[True, False, True]).drop_duplicates("found")
    return dict(zip(held["found"], held["gang_id"]))


def split_member_units(bindings: pd.DataFrame, agents: pd.DataFrame, subtree_money: pd.DataFrame,
                       units: pd.DataFrame, *, named: pd.DataFrame | None = None) -> pd.DataFrame:
    """``bindings`` (node, platform_id, fact, weight) with the records of the member units
    (``units``, their ``agents``: :func:`unit_agents`) bound to the unit (``platform_id`` = its
    unit_id) instead of its platform: an agent's ``agent_platform``, the ``acts_as_agent`` of
    the persons who are its agents (counted per side, a person who is agents on both sides is
    bound to both), and the client-money entries of its clients (``subtree_money``, as
    :func:`member_units` reads it; all of an account's that only its clients' agents name).
    The persons a unit's gang in gangs.csv names (``named``, as :func:`known_units` reads it)
    are bound to the unit by their roles, as a known gang's are to its platforms. Sorted as
    :func:`.gangs.hard_bindings` sorts."""
    if units.empty:
        return bindings
    rows = bindings.copy()
    is_agent = rows["fact"].eq("agent_platform").to_numpy() & is_in(rows["node"], "Agent:" + agents["agent_id"])
    rows.loc[is_agent, "platform_id"] = rows.loc[is_agent, "node"].str.slice(len("Agent:")).map(
        agents.set_index("agent_id")["unit_id"]).to_numpy()
    moved = [_moved(rows, "Person:" + agents["person_id"].astype("string"), agents["platform_id"], agents["unit_id"],
                    1, fact="acts_as_agent")]
    money = _unit_money(rows, subtree_money, units)
    moved.append(_moved(rows, "Account:" + money["account_id"].astype("string"), money["platform_id"],
                        money["root_agent_id"], money["n"], fact="client_money"))
    if named is not None:
        roles = named.merge(known_units(agents, named)[["gang_id", "platform_id"]], on="gang_id")
        moved.append(pd.DataFrame({"node": ("Person:" + roles["person_id"].astype("string")).to_numpy(),
                                   "platform_id": roles["platform_id"].to_numpy(), "fact": roles["fact"].to_numpy(),
                                   "weight": 1}))
    rows = pd.concat([rows, *moved], ignore_index=True)
    rows = rows.groupby(["node", "platform_id", "fact"], sort=True)["weight"].sum().reset_index()
    return rows[rows["weight"] > 0].astype({"weight": "int64"}).reset_index(drop=True)


def _unit_money(bindings: pd.DataFrame, subtree_money: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The client-money entries each unit takes from its platform, per account: its clients'
    (``subtree_money``), and all of an account's that no other subtree's clients used — the
    entries of clients whose agent the records leave out went through the cards of whoever
    they paid (an export without agent links for some clients: a unit's card paid them)."""
    users = subtree_money.dropna(subset=["root_agent_id"]).groupby(["platform_id", "account_id"])[
        "root_agent_id"].nunique().rename("users").reset_index()
    money = subtree_money.merge(units.rename(columns={"unit_id": "root_agent_id"}), on=["platform_id", "root_agent_id"])
    money = money.merge(users, on=["platform_id", "account_id"])
    held = bindings.loc[bindings["fact"].eq("client_money").to_numpy(), ["node", "platform_id", "weight"]]
    whole = ("Account:" + money["account_id"]).to_frame("node").assign(platform_id=money["platform_id"]).merge(
        held, on=["node", "platform_id"], how="left")["weight"].to_numpy()
    alone = (money["users"] == 1).to_numpy() & ~np.isnan(whole.astype("float64"))
    return money.assign(n=np.where(alone, whole, money["n"].to_numpy()).astype("int64"))


def _moved(bindings: pd.DataFrame, nodes: pd.Series, platforms: pd.Series, units: pd.Series, weight, *,
           fact: str) -> pd.DataFrame:
    """The rows that move ``weight`` of ``fact`` from each node's platform to its unit: one
    taking it off the platform, one adding it to the unit; only for the (node, platform) pairs
    ``bindings`` holds (a node it leaves out stays out)."""
    taken = pd.DataFrame({"node": nodes.to_numpy(), "platform_id": platforms.to_numpy(), "unit": units.to_numpy(),
                          "weight": weight.to_numpy() if isinstance(weight, pd.Series) else weight}).dropna(
        subset=["node"])
    held = bindings.loc[bindings["fact"].eq(fact).to_numpy(), ["node", "platform_id"]]
    taken = taken.merge(held.drop_duplicates(), on=["node", "platform_id"])
    off = taken.assign(weight=-taken["weight"])[["node", "platform_id", "weight"]]
    on = taken[["node", "unit", "weight"]].rename(columns={"unit": "platform_id"})
    return pd.concat([off, on], ignore_index=True).assign(fact=fact)


def units_on_graph(edges: pd.DataFrame, bindings: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The gang graph ``edges`` (u, v, weight, sorted, ``u < v``) with each tie between a
    member unit's platform and a node that :func:`split_member_units`' ``bindings`` bind to the
    unit by its agents or its clients' money, and not to the platform, tied to the unit's
    platform node (``Platform:`` + unit_id) instead."""
    if units.empty:
        return edges
    facts = bindings[bindings["fact"].isin(["agent_platform", "client_money"]).to_numpy()]
    unit_of = units.set_index("unit_id")["platform_id"]
    on_unit = facts[is_in(facts["platform_id"], units["unit_id"])]
    on_unit = on_unit.assign(platform=on_unit["platform_id"].map(unit_of))
    on_platform = facts.set_index(["node", "platform_id"]).index
    moving = on_unit[~on_unit.set_index(["node", "platform"]).index.isin(on_platform)]
    target = pd.Series(("Platform:" + moving["platform_id"]).to_numpy(),
                       index=pd.MultiIndex.from_arrays([moving["node"], "Platform:" + moving["platform"]]))
    target = target[~target.index.duplicated()]
    # An account and an agent sort before "Platform:": u is the node, v its platform.
    pair = pd.MultiIndex.from_arrays([edges["u"], edges["v"]])
    at = pair.isin(target.index)
    if not at.any():
        return edges
    moved = edges.copy()
    moved.loc[at, "v"] = target.reindex(pair[at]).to_numpy()
    return moved.sort_values(["u", "v"], kind="stable", ignore_index=True)
