"""Account groups (账户组, domain.md §3): broker-side accounts held in other people's names but
run by one controller, as in the 伊世顿 case, found from the case's own records.

Which accounts: ``trading``, ``sub`` and ``mother`` accounts (the broker side; bank and
payment accounts move the money and are evidence, not members), but not those a platform runs
— its clients' accounts, and the accounts that route its orders (accounts.csv's platform, or
fills of orders a platform's trades name), which its bridge server logs into from one device
and address (:func:`without_platform_accounts`; they still count in the chance model's
population).

Evidence that two accounts are run together, each kept only when chance is an unlikely
explanation at the case's own volume (:mod:`.chance`: a Poisson upper tail below the level
``FAMILY_ERROR_RATE`` (1 %) / the number of candidate pairs — Bonferroni, so the chance that
even one link of the case is chance's doing stays below 1 % however large the case). Each
becomes an item of ``evidence``, with the numbers an investigator needs to defend it:

``shared_device:<device_id> (<u> users, <d> days)`` / ``shared_ip:<ip> (…)``
    The account was logged into from a device (or IP address) that another broker-side
    account also used, on ``d`` local days (case timezone): more than chance explains. A
    stranger lands on an identifier with ``u`` distinct users (accounts accessed and actors
    logging in, over all logins) among the case's N login users on at most a share
    (u − 1) / N of his login-days; the account's ``d`` days there must be improbable under
    that (candidates: the broker-side accounts that logged in). A public address with
    thousands of users is weak evidence, a device of 2 holders used on 10 days strong; a
    one-off visit is never enough. Two or more accounts must pass on the same identifier.
    Where two or more users besides them used it too (a café, an office), going there often
    is not enough: an account must also have been logged into within ``SITTING_WINDOW_S``
    (10 minutes) of another's login there on more days than chance explains
    (:func:`identifier_links`).
``common_funding:<account_id> (funds <n> accounts)``
    One account paid money (``bank_transfers``) into ``n`` broker-side accounts, this one
    among them: a controller funds the margin of the accounts he borrowed. A payment is one
    act, not a count that chance inflates with volume, so it is judged by the payer's reach:
    a payer of more than ``MAX_FUNDED_ACCOUNTS`` (50) broker-side accounts is a payment or
    clearing hub (or a payroll), not one controller, and is ignored — 50 is well above the
    largest group on record (伊世顿: 31 borrowed accounts and its own).
``sync_orders:<n> (expected <e>)``
    Synchronised orders: fills of the same instrument on two accounts within
    ``SYNC_WINDOW_MS`` (100 ms) of each other, of different broker orders, more often than
    chance explains. Two unrelated accounts with n_a and n_b fills of an instrument on a
    (UTC) day whose fills span S (first to last fill of every broker-side account) meet
    n_a × n_b × 2·100 ms / S times by chance; summed over their common instrument-days that
    is the pair's expectation. Fills bunch (the open, news, whole seconds), so chance is
    allowed ``CLUSTERING_ALLOWANCE`` (10) times that; the observed pairs must still be
    improbable (candidates: the accounts with fills). They must be improbable against the two
    accounts' own hours too (:func:`beyond_habits`): their fill pairs on the same day × the
    share of their fill pairs ``HABIT_DAY_SHIFTS`` (1-7) days apart within 100 ms of each
    other's time of day, which is how often traders who both trade at a market's open meet
    there. ``n`` is the account's synchronised pairs with the accounts it is linked to this
    way, ``e`` their chance expectation (the larger of the two).
    Busy unrelated accounts may meet hundreds of times and stay unlinked; a controller's
    accounts meet thousands of times more often than chance.

An account whose one tie is to one other account on one kind of evidence (logins, funding or
synchronised orders) is in no group, unless one of the two is split off the other or both off
one mother account (:func:`without_lone_ties`): a couple shares a home's PC and line, and two
traders at a market's busiest instant meet a few times.

The evidence makes a graph among accounts (all accounts sharing one device, IP or payer are
linked; two accounts with repeated synchronised orders are linked); every connected component
of two or more accounts (networkx) is a group, ``group_id`` = ``AG-`` + its smallest
account_id, the same in every engine and under any row order.

The controller, first rule that names a person:

1. the holder of the group's common funding account (the payer of the most group accounts;
   ties: the larger amount in CNY, then the smaller account id), unless he is a gang's cashier
   (memberships.csv role ``finance``, :data:`.rules.CASHIER_ROLE`), who pays for the whole gang
   (the fifth independently written generator's finance cards named the cashier controller of 6
   of its 24 groups in six cases, wrongly each time; they are now unknown, and in 33 cases of the
   five generators and our own no true controller is a cashier); the same in rule 2;
2. the holder of the account that paid the most of the accounts that paid the group's
   accounts, two or more of them: a controller who pays his lenders, who each fund the broker
   account they lend (ties: the larger amount in CNY, then the smaller account id; a second
   case written independently of casegraph: 1 of 6 and 2 of 14 controllers found before, all
   with it);
3. the holder of the mother account most of the group's accounts are split off (ties: the
   smaller account id);
4. the person who most often used the group's shared devices and IPs *other than* through
   the group's accounts: actors logging in, and holders of other accounts accessed from them
   (ties: the smaller person id). Last, as the weakest: the addresses a group shares are often
   an office's, which every staff member uses. Before the mother account's holder, on ten
   cases of the five generators written independently of casegraph (seeds 21 and 33), it
   named 10 controllers, 9 of them wrong; after it, the mother account's holder names 5 of
   those 10, all right, and it still names the other 5: 4 wrong, 1 right (the smaller id of two
   persons with as many uses);
5. otherwise unknown (empty).

Group figures, the same on every row of the group:

- ``self_trade_count``: broker orders (``broker_ref``) with both sides inside the group — a
  buy and a sell fill on the group's accounts, or a fill on one of them whose
  ``counterparty_account_id`` is another group account — each order counted once;
  ``self_trade_qty``: Σ their matched quantity (the smaller of the order's bought and sold
  lots inside the group; the one side's lots when the other side is only named as
  counterparty); ``self_trade_notional_points``: Σ matched lots × the order's average fill
  price, in the instruments' price points — **not CNY**: broker statements carry no
  contract multiplier or currency, so compare it only within one instrument.
- ``sync_order_pairs``: pairs of fills of the same instrument on two different group accounts
  within 100 ms, of different broker orders; ``orders_within_100ms_share``: the share of
  the group's fills that are in such a pair.
- ``volume_share``: the group's filled lots / all filled lots (every broker-side account) on
  the instruments the group trades.

No column is money (fills carry no CNY value); counts are int64, lots, points and shares
float64 rounded to 6 decimals.

>>> from casegraph.loaders.case import load_case                    # doctest: +SKIP
>>> groups = account_groups(load_case("mycase"))  # casegraph.queries.memory   # doctest: +SKIP
>>> groups[["group_id", "account_id", "controller_id"]]             # doctest: +SKIP
  group_id account_id controller_id
0    AG-SA         SA          PER9
1    AG-SA         SB          PER9
2    AG-SA         SC          PER9
>>> groups.loc[1, "evidence"]                                      # doctest: +SKIP
'common_funding:BC9 (funds 2 accounts);sync_orders:5 (expected 0.0011)'
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np
import pandas as pd

from .chance import (
    CLUSTERING_ALLOWANCE,
    beyond_chance,
    expected_coincidences,
    expected_visits,
)
from .columnar import is_in, lookup
from .communities import both_ways
from .rules import (
    EVIDENCE_ORDER,
    HABIT_DAY_SHIFTS,
    LINK_COLUMNS,
    MIN_SYNC_PAIRS,
    REACTION_SHARE,
    SITTING_WINDOW_S,
    SYNC_COLUMNS,
    SYNC_WINDOW_MS,
    names_no_device,
)


def links_frame(links: pd.DataFrame) -> pd.DataFrame:
    return links[list(LINK_COLUMNS)].astype(object).sort_values(list(LINK_COLUMNS), ignore_index=True)


def habitual_use(use: pd.DataFrame, *, n_users: int, n_candidates: int) -> pd.DataFrame:
    """The rows of ``use`` (:func:`identifier_use`'s frame, either engine's) of accounts on a
    device or IP more days than chance explains — :func:`.chance.expected_visits`, its
    login-days × the identifier's reach among ``n_users``, at the level of ``n_candidates``
    accounts — where two or more accounts are; ``accounts``: the broker-side accounts that
    used the identifier at all.

    >>> use = pd.DataFrame({"evidence": "shared_device", "key": "D1", "users": 2, "account_id": ["A", "B"],
    ...                     "days": [9, 12], "login_days": [10, 15]})
    >>> habitual_use(use, n_users=1_000, n_candidates=1_000)["account_id"].tolist()
    ['A', 'B']
    """
    use = use[~names_no_device((use["evidence"] == "shared_ip").to_numpy(), use["key"])]
    use = use.assign(accounts=use.groupby(["evidence", "key"])["account_id"].transform("size"))
    expected = expected_visits(use["login_days"], use["users"], n_users=n_users)
    habitual = use[beyond_chance(use["days"], expected, n_candidates=n_candidates)]
    return habitual[(habitual.groupby(["evidence", "key"])["account_id"].transform("size") >= 2).to_numpy()]


def public_use(habitual: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``habitual`` (:func:`habitual_use`) on devices and IPs that two or more users
    besides broker-side accounts used (an internet café, a carrier's address pool, an office:
    people logging in, bank and payment accounts): there the accounts' habit shows only that
    they go to the same place, and whether they were used together is for
    :func:`identifier_links` to judge from their sittings. A device or IP of broker-side
    accounts alone (a controller's, who may use some of his accounts there only now and then),
    or of one user besides them (the controller logging in as himself), needs nothing more.

    >>> habitual = pd.DataFrame({"evidence": "shared_ip", "key": ["CAFE", "CAFE", "HOME", "HOME"],
    ...                          "users": [400, 400, 3, 3], "accounts": [9, 9, 2, 2],
    ...                          "account_id": ["A", "B", "C", "D"]})
    >>> public_use(habitual)["key"].tolist()
    ['CAFE', 'CAFE']
    """
    return habitual[_used_by_others(habitual)]


def _used_by_others(habitual: pd.DataFrame) -> np.ndarray:
    """Per row of ``habitual``, whether two or more users besides broker-side accounts used its
    identifier (:func:`public_use`): the same on every row of one identifier."""
    return (habitual["users"] - habitual["accounts"] >= 2).to_numpy()


def identifier_links(habitual: pd.DataFrame, sittings: pd.DataFrame, *, n_candidates: int,
                     window_s: int = SITTING_WINDOW_S) -> pd.DataFrame:
    """(account_id, evidence, key, detail) for the devices and IPs that link two or more
    accounts: those of ``habitual`` (:func:`habitual_use`), but where others used the
    identifier too (:func:`public_use`), only the accounts logged into in one sitting with
    another of them (within ``window_s``) on more days than chance explains.

    ``sittings`` (evidence, key, account_a, account_b, sittings, span_us), the engine's count
    for the pairs of :func:`public_use`'s accounts: their local days with logins on the
    identifier within ``window_s`` of each other, and the identifier's span (first to last
    login of anyone). Chance: the two accounts' days there as independent visits spread over
    the span (:func:`.chance.expected_coincidences`), people's hours allowed to bunch
    (``CLUSTERING_ALLOWANCE``). A third case written independently of casegraph: regulars of
    three internet cafés (33 to 435 users) and a carrier's address pool were groups of 2-9
    accounts; none of them was logged into within 10 minutes of another on any day, while the
    controllers' accounts on their offices' addresses were, on most days. detail:
    ``(<users> users, <days> days)``, the account's days on it.

    >>> habitual = pd.DataFrame({"evidence": "shared_ip", "key": ["CAFE"] * 3 + ["HOME"] * 2,
    ...                          "users": [400, 400, 400, 2, 2], "accounts": [9, 9, 9, 2, 2],
    ...                          "account_id": ["A", "B", "C", "D", "E"], "days": [20, 20, 20, 9, 12]})
    >>> sittings = pd.DataFrame({"evidence": "shared_ip", "key": "CAFE", "account_a": ["A", "A"],
    ...                          "account_b": ["B", "C"], "sittings": [15, 1], "span_us": 86_400_000_000_000})
    >>> identifier_links(habitual, sittings, n_candidates=1_000)["account_id"].tolist()
    ['A', 'B', 'D', 'E']
    """
    days = habitual.set_index(["evidence", "key", "account_id"])["days"]
    expected = expected_coincidences(
        days.reindex(pd.MultiIndex.from_frame(sittings[["evidence", "key", "account_a"]])).to_numpy(),
        days.reindex(pd.MultiIndex.from_frame(sittings[["evidence", "key", "account_b"]])).to_numpy(),
        span_us=sittings["span_us"].to_numpy(), window_us=window_s * 1_000_000)
    together = sittings[beyond_chance(sittings["sittings"], expected, n_candidates=n_candidates,
                                      allowance=CLUSTERING_ALLOWANCE)]
    sat = pd.concat([together[["evidence", "key", "account_a"]].set_axis(["evidence", "key", "account_id"], axis=1),
                     together[["evidence", "key", "account_b"]].set_axis(["evidence", "key", "account_id"], axis=1)])
    sat_there = pd.MultiIndex.from_frame(habitual[["evidence", "key", "account_id"]]).isin(
        pd.MultiIndex.from_frame(sat))
    linked = habitual[~_used_by_others(habitual) | sat_there]
    linked = linked[(linked.groupby(["evidence", "key"])["account_id"].transform("size") >= 2).to_numpy()]
    detail = "(" + linked["users"].astype(str) + " users, " + linked["days"].astype(str) + " days)"
    return links_frame(linked.assign(detail=detail))


def without_platform_accounts(links: pd.DataFrame, synced: pd.DataFrame,
                              platform_accounts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evidence (``links``, ``synced``: as :func:`identifier_links` and :func:`sync_links`
    give them) without the accounts a platform runs (``platform_accounts``): its clients'
    accounts, and the mother and sub accounts that route its orders, which its bridge server
    logs into from one device and address by design, and whose orders the platform bundles —
    those accounts.csv puts on a platform, and those with fills of orders a platform's trade
    names (``broker_ref``), with their mothers and those mothers' subs. They are no nominal
    accounts of a hidden controller (three cases written independently of casegraph: 10, 26
    and 15 such "groups" beside 5, 7 and 6 true ones; a third, whose accounts.csv names no
    platform for a broker account, 14 beside 7, its platforms' server addresses and bundled
    orders). An identifier or payer left with one account links nobody.

    >>> links = pd.DataFrame({"account_id": ["M1", "M2", "A", "B"], "evidence": "shared_device",
    ...                       "key": ["BRIDGE", "BRIDGE", "D1", "D1"], "detail": ""})
    >>> synced = pd.DataFrame({"account_a": ["A", "M1"], "account_b": ["B", "M2"], "pairs": 9, "expected": 0.1})
    >>> kept, pairs = without_platform_accounts(links, synced, ["M1"])
    >>> kept["account_id"].tolist(), pairs["account_a"].tolist()
    (['A', 'B'], ['A'])
    """
    links = links[~is_in(links["account_id"], platform_accounts)]
    links = links[(links.groupby(["evidence", "key"])["account_id"].transform("size") >= 2).to_numpy()]
    synced = synced[~(is_in(synced["account_a"], platform_accounts) | is_in(synced["account_b"], platform_accounts))]
    return links.reset_index(drop=True), synced.reset_index(drop=True)


def component_labels(edges: pd.DataFrame) -> pd.Series:
    """Node -> the smallest node of its connected component, of the graph ``edges`` (``u``, ``v``).

    >>> component_labels(pd.DataFrame({"u": ["b", "c", "x"], "v": ["a", "b", "y"]})).to_dict()
    {'a': 'a', 'b': 'a', 'c': 'a', 'x': 'x', 'y': 'x'}
    """
    graph = nx.Graph()
    graph.add_edges_from(zip(edges["u"], edges["v"]))
    labels = {node: min(component) for component in nx.connected_components(graph) for node in component}
    return pd.Series(labels, dtype=object).sort_index()


def evidence_edges(links: pd.DataFrame, synced: pd.DataFrame) -> pd.DataFrame:
    """The evidence graph's edges (``u``, ``v``): the accounts of one device, IP or payer
    joined as a star around the smallest (the same components as a clique), and each pair of
    synchronised accounts. Every node is in an edge.

    >>> links = pd.DataFrame({"account_id": ["B", "C", "D"], "evidence": "shared_device", "key": "D1"})
    >>> evidence_edges(links, pd.DataFrame({"account_a": ["E"], "account_b": ["F"]})).values.tolist()
    [['B', 'C'], ['B', 'D'], ['E', 'F']]
    """
    first = links.groupby(["evidence", "key"])["account_id"].transform("min")
    star = pd.DataFrame({"u": first.to_numpy(), "v": links["account_id"].to_numpy()})
    return pd.concat([star[star["u"] != star["v"]],
                      pd.DataFrame({"u": synced["account_a"].to_numpy(), "v": synced["account_b"].to_numpy()})],
                     ignore_index=True).astype(object)


def without_bridges(links: pd.DataFrame, synced: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evidence (``links``, ``synced``) without what joins groups that devices and payers
    keep apart, the one controller each group has: an IP address whose accounts fall in two or
    more of them (an office or network several controllers work from), and the synchronised
    orders of an account that belongs to none of them with accounts of two or more (a trader
    who reacts to every group's bursts, in the same second, a few times each). A case written
    independently of casegraph had both: two groups of one gang, each with its own computers,
    logged in from the gang's office too, and an outside trader's few coincidences with three
    groups' accounts made the three one. An address or trader that meets one such group or
    none links as before. Then the synchronised orders of :func:`reacting_traders` link
    nothing, nor, where no device or payer tells the groups apart, those of the accounts
    :func:`sync_joiners` finds.

    >>> links = pd.DataFrame({"account_id": ["A", "B", "C", "D", "A", "C", "A", "E"],
    ...                       "evidence": ["shared_device"] * 4 + ["shared_ip"] * 4,
    ...                       "key": ["D1", "D1", "D2", "D2", "OFFICE", "OFFICE", "HOME", "HOME"]})
    >>> synced = pd.DataFrame({"account_a": ["A", "C", "E"], "account_b": ["T", "T", "F"], "pairs": 3})
    >>> kept, pairs = without_bridges(links, synced)
    >>> kept["key"].tolist(), pairs.values.tolist()
    (['D1', 'D1', 'D2', 'D2', 'HOME', 'HOME'], [['E', 'F', 3]])
    """
    address = (links["evidence"] == "shared_ip").to_numpy()
    no_sync = synced.iloc[0:0]
    group_of = component_labels(evidence_edges(links[~address], no_sync))
    groups = lookup(links["account_id"], group_of)
    groups_met = groups[address].groupby(links.loc[address, "key"]).nunique()
    shared = address & is_in(links["key"], groups_met.index[groups_met >= 2])
    # Each synchronised pair from both ends: an account of no group, and the group of the other.
    ends = _both_ends(synced)
    ends = ends[~is_in(ends["account"], group_of.index)].assign(group=lookup(ends["other"], group_of))
    reach = ends.dropna(subset=["group"]).groupby("account")["group"].nunique()
    links, synced = links[~shared].reset_index(drop=True), _without_accounts(synced, reach.index[reach >= 2])
    synced_only = synced_accounts(synced).difference(links["account_id"])
    synced = _without_accounts(synced, reacting_traders(synced, synced_only=synced_only))
    return links, _without_accounts(synced, sync_joiners(evidence_edges(links, synced), synced_only=synced_only))


def _both_ends(synced: pd.DataFrame) -> pd.DataFrame:
    """Each synchronised pair of ``synced`` (account_a, account_b, pairs) from both ends:
    account, other, pairs (the gang graph's twin: :func:`.communities.both_ways`)."""
    return both_ways(synced.rename(columns={"account_a": "u", "account_b": "v", "pairs": "weight"})).rename(
        columns={"u": "account", "v": "other", "weight": "pairs"})


def _without_accounts(synced: pd.DataFrame, accounts) -> pd.DataFrame:
    """The synchronised pairs ``synced`` (account_a, account_b, …) that touch none of ``accounts``."""
    touching = is_in(synced["account_a"], accounts) | is_in(synced["account_b"], accounts)
    return synced[~touching].reset_index(drop=True)


def reacting_traders(synced: pd.DataFrame, *, synced_only) -> list[str]:
    """The accounts of ``synced_only`` (accounts whose one evidence is synchronised orders)
    whose strongest tie of ``synced`` (account_a, account_b, pairs) is less than
    :data:`REACTION_SHARE` of the median tie the accounts it meets have with the others: a
    trader who reacts to a group's bursts catches a few of its orders, while one controller
    places his accounts' orders together, each with the others about as often as the rest do.
    An account whose partners have no other tie is not judged. In a case written independently
    of casegraph, seven such traders met group accounts 2-4 times, 0.04-0.06 of those
    accounts' ties to each other; in our generator's groups known by their orders alone, each
    account meets the others 1.0-1.3 times as often as they meet each other. Sorted.

    >>> synced = pd.DataFrame({"account_a": ["A", "A", "B", "T", "X"], "account_b": ["B", "C", "C", "A", "Y"],
    ...                        "pairs": [40, 38, 41, 3, 4]})
    >>> reacting_traders(synced, synced_only=["A", "B", "C", "T", "X", "Y"])
    ['T']
    """
    ends = _both_ends(synced)
    mine = ends[is_in(ends["account"], synced_only)]
    # Each judged account's partners' ties with others than it.
    theirs = mine[["account", "other"]].merge(ends.rename(columns={"account": "other", "other": "third"}), on="other")
    theirs = theirs[theirs["third"] != theirs["account"]]
    typical = theirs.groupby("account")["pairs"].median()
    strongest = mine.groupby("account")["pairs"].max().reindex(typical.index)
    return sorted(typical.index[(strongest < REACTION_SHARE * typical).to_numpy()])


def synced_accounts(synced: pd.DataFrame) -> pd.Index:
    """The accounts of the synchronised pairs ``synced`` (account_a, account_b)."""
    return pd.Index(pd.concat([synced["account_a"], synced["account_b"]]).unique())


def sync_joiners(edges: pd.DataFrame, *, synced_only) -> list[str]:
    """The accounts of ``synced_only`` (accounts whose one evidence is synchronised orders)
    without which the evidence graph ``edges`` (u, v) falls apart into two or more groups of
    two or more accounts each, where they met: a trader who reacts to several groups' bursts,
    when no device or payer of theirs says which group is which (a case written independently
    of casegraph, without its logins: one trader's 2-3 coincidences with each of three groups,
    whose own accounts met 20-70 times a pair, made the three one). Sorted.

    >>> edges = pd.DataFrame({"u": ["A", "C", "T", "T", "T"], "v": ["B", "D", "A", "C", "E"]})
    >>> sync_joiners(edges, synced_only=["A", "B", "C", "D", "E", "T"])
    ['T']
    """
    graph = nx.Graph()
    graph.add_edges_from(zip(edges["u"], edges["v"]))
    joining = []
    for account in sorted(set(nx.articulation_points(graph)).intersection(synced_only)):
        rest = graph.subgraph(nx.node_connected_component(graph, account) - {account})
        if sum(len(part) >= 2 for part in nx.connected_components(rest)) >= 2:
            joining.append(account)
    return joining


def kept_evidence(links: pd.DataFrame, synced: pd.DataFrame, *, vendor_addresses: pd.DataFrame | None = None,
                  split_off: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evidence the groups are made of, as either engine judged it against chance
    (``links``, ``synced``: of the accounts that are not the platforms' own,
    :func:`without_platform_accounts`): without the addresses the software vendor's staff log
    in from (:func:`without_vendor_addresses`), then without what joins two groups of one
    controller each (:func:`without_bridges`), then without the accounts held by a lone tie
    (:func:`without_lone_ties`; ``split_off``: its account_id, parent_account_id)."""
    links, synced = without_bridges(without_vendor_addresses(links, vendor_addresses), synced)
    return without_lone_ties(links, synced, split_off=split_off)


# The kinds of evidence a tie between two accounts can rest on: a device and an IP address
# both come from the same logins (a home's PC and line are one household's).
TIE_KINDS = {"shared_device": "logins", "shared_ip": "logins", "common_funding": "funding"}


def without_lone_ties(links: pd.DataFrame, synced: pd.DataFrame, *,
                      split_off: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evidence (``links``, ``synced``) without the accounts whose one tie is to one other
    account on one kind of evidence (logins, funding or synchronised orders), unless the
    records say one of the two is split off the other or both off one mother account
    (``split_off``: account_id, parent_account_id); again, until every account left has a
    second tie. Beyond chance is not beyond every innocent reason: two people who live together
    share a home's PC and line, and two traders who both trade at a market's busiest instant
    meet there a few times. A controller's accounts are tied to several others, or on two kinds
    of evidence, or are his mother account's subs. Two generators written independently of
    casegraph plant such decoys (households sharing a home line, and a PC in a quarter of them;
    traders at 09:15, 20:30 and 21:30): on twelve of their cases (seeds 1, 21, 22, 31, 32 and
    33) they made 166 groups of two or three accounts beside the 60 true groups found, of 4 to
    27 accounts; without lone ties none of the 166 is left, and no true group loses an account
    there or on 21 cases of three other generators and our own.

    >>> links = pd.DataFrame({"account_id": ["A", "B", "C", "D", "E", "S1", "M"],
    ...                       "evidence": "shared_device", "key": ["HOME"] * 2 + ["PC"] * 3 + ["RIG"] * 2})
    >>> synced = pd.DataFrame({"account_a": ["B"], "account_b": ["T"], "pairs": [3]})
    >>> split_off = pd.DataFrame({"account_id": ["S1"], "parent_account_id": ["M"]})
    >>> kept, pairs = without_lone_ties(links, synced, split_off=split_off)
    >>> kept["account_id"].tolist(), len(pairs)
    (['C', 'D', 'E', 'S1', 'M'], 0)
    """
    parent = (pd.Series(dtype=object) if split_off is None else
              split_off.dropna().drop_duplicates("account_id").set_index("account_id")["parent_account_id"])
    while True:
        ties = _ties(links, synced)
        per_account = ties.groupby("account").agg(partners=("other", "nunique"), kinds=("kind", "nunique"))
        single = ties[is_in(ties["account"], per_account.index[(per_account["partners"] == 1)
                                                              & (per_account["kinds"] == 1)])]
        mine, theirs = lookup(single["account"], parent), lookup(single["other"], parent)
        family = ((mine == single["other"]).fillna(False) | (theirs == single["account"]).fillna(False)
                  | (mine == theirs).fillna(False)).to_numpy(dtype=bool)
        lone = single.loc[~family, "account"].unique()
        if len(lone) == 0:
            return links, synced
        links = links[~is_in(links["account_id"], lone)]
        links = links[(links.groupby(["evidence", "key"])["account_id"].transform("size") >= 2).to_numpy()]
        links, synced = links.reset_index(drop=True), _without_accounts(synced, lone)


def _ties(links: pd.DataFrame, synced: pd.DataFrame) -> pd.DataFrame:
    """(account, other, kind): each pair of accounts ``links`` puts on one device, IP or payer,
    and each synchronised pair of ``synced``, from both ends, its kind as :data:`TIE_KINDS`."""
    on_key = links[["evidence", "key", "account_id"]]
    shared = on_key.merge(on_key.rename(columns={"account_id": "other"}), on=["evidence", "key"])
    shared = shared[(shared["account_id"] != shared["other"]).to_numpy()]
    ends = _both_ends(synced)
    return pd.concat([pd.DataFrame({"account": shared["account_id"].to_numpy(), "other": shared["other"].to_numpy(),
                                    "kind": shared["evidence"].map(TIE_KINDS).to_numpy()}),
                      pd.DataFrame({"account": ends["account"].to_numpy(), "other": ends["other"].to_numpy(),
                                    "kind": "sync_orders"})], ignore_index=True).astype(object)


def without_vendor_addresses(links: pd.DataFrame, addresses: pd.DataFrame | None) -> pd.DataFrame:
    """``links`` without the shared devices and IPs of ``addresses`` (evidence, key): those the
    software vendor's staff log in from. The vendor runs the software and hosts servers for the
    gangs it sells to, so an address of its own ties its customers' accounts to the vendor, not
    to one controller (a third independently written case: ten tiny gangs' mother accounts,
    logged in to from the vendor's office, were one group).

    >>> links = pd.DataFrame({"account_id": ["A", "B", "A", "B"], "evidence": ["shared_ip"] * 4,
    ...                       "key": ["1.1.1.1", "1.1.1.1", "2.2.2.2", "2.2.2.2"], "detail": ""})
    >>> without_vendor_addresses(links, pd.DataFrame({"evidence": ["shared_ip"], "key": ["1.1.1.1"]}))["key"].tolist()
    ['2.2.2.2', '2.2.2.2']
    """
    if addresses is None or addresses.empty or links.empty:
        return links
    vendor = addresses["evidence"].astype(str) + "\0" + addresses["key"].astype(str)
    return links[~is_in(links["evidence"].astype(str) + "\0" + links["key"].astype(str), vendor)].reset_index(drop=True)


def sync_links(counted: pd.DataFrame, activity: pd.DataFrame, spans: pd.DataFrame, *, n_candidates: int,
               window_ms: int = SYNC_WINDOW_MS) -> pd.DataFrame:
    """Pairs of accounts (account_a, account_b, pairs, expected) whose synchronised fills are
    beyond chance: more ``pairs`` than :func:`.chance.expected_coincidences` summed over their
    common instrument-days (``expected``) makes likely, with ``CLUSTERING_ALLOWANCE``, at the
    level of ``n_candidates`` accounts (those with fills). Frames: :func:`counted_pairs`,
    :func:`fill_activity` (either engine's).

    >>> counted = pd.DataFrame({"account_a": ["A", "C"], "account_b": ["B", "D"], "pairs": [6, 6]})
    >>> activity = pd.DataFrame({"account_id": ["A", "B", "C", "D"], "instrument": "HSI", "day": 1,
    ...                          "n": [6, 6, 900, 900]})
    >>> spans = pd.DataFrame({"instrument": ["HSI"], "day": [1], "span_us": [25_200_000_000]})
    >>> sync_links(counted, activity, spans, n_candidates=200).round(6).values.tolist()
    [['A', 'B', 6, 0.000286]]
    """
    expected = pair_expectations(counted, activity, spans, window_ms=window_ms)
    linked = counted.assign(expected=expected)[
        beyond_chance(counted["pairs"], expected, n_candidates=n_candidates, allowance=CLUSTERING_ALLOWANCE)
        & (counted["pairs"] >= MIN_SYNC_PAIRS).to_numpy()]
    return linked[list(SYNC_COLUMNS)].astype({"pairs": "int64"}).reset_index(drop=True)


def pair_expectations(counted: pd.DataFrame, activity: pd.DataFrame, spans: pd.DataFrame, *,
                      window_ms: int = SYNC_WINDOW_MS) -> np.ndarray:
    """Per row of ``counted``, the chance coincidences of its two accounts: Σ over
    instrument-days of n_a × n_b × 2·window / span, as one product of account × instrument-day
    matrices over the accounts in ``counted`` (a few hundred; instrument-days a few thousand)."""
    if counted.empty:
        return np.zeros(0)
    # Sorted rows and columns: the same sums in the same order, whichever engine fetched the frames.
    accounts = pd.Index(sorted(set(counted["account_a"]) | set(counted["account_b"])))
    spans = spans.sort_values(["instrument", "day"])
    mine = activity[is_in(activity["account_id"], accounts)]
    columns = pd.MultiIndex.from_frame(spans[["instrument", "day"]])
    matrix = np.zeros((len(accounts), len(columns)))
    where = columns.get_indexer(pd.MultiIndex.from_frame(mine[["instrument", "day"]]))
    matrix[accounts.get_indexer(mine["account_id"]), where] = mine["n"].to_numpy(dtype=np.float64)
    weight = expected_coincidences(1, 1, span_us=spans["span_us"].to_numpy(), window_us=window_ms * 1000)
    per_pair = (matrix * weight) @ matrix.T
    return per_pair[accounts.get_indexer(counted["account_a"]), accounts.get_indexer(counted["account_b"])]


def beyond_habits(synced: pd.DataFrame, activity: pd.DataFrame, meetings: pd.DataFrame, *,
                  n_candidates: int) -> pd.DataFrame:
    """The pairs of ``synced`` (:func:`sync_links`) whose synchronised fills chance does not
    explain either once each account's hours are counted: two accounts that both trade at a
    market's busy instant (an open, a data release) meet there day after day, as they would on
    any two days. ``meetings`` (account_a, account_b, meetings): per pair, its fills within
    the window of each other's time of day on days ``HABIT_DAY_SHIFTS`` apart
    (:func:`habit_expectations`). ``expected`` becomes the larger of the two expectations.

    >>> synced = pd.DataFrame({"account_a": ["A", "C"], "account_b": ["B", "D"], "pairs": [12, 12],
    ...                        "expected": [0.001, 0.001]})
    >>> activity = pd.DataFrame({"account_id": list("AABBCCDD"), "instrument": "HSI", "day": [1, 2] * 4,
    ...                          "n": 6})
    >>> meetings = pd.DataFrame({"account_a": ["A", "C"], "account_b": ["B", "D"], "meetings": [0, 12]})
    >>> beyond_habits(synced, activity, meetings, n_candidates=200)[["account_a", "account_b"]].values.tolist()
    [['A', 'B']]
    """
    habits = habit_expectations(synced, activity, meetings)
    uniform = synced["expected"].to_numpy(dtype=np.float64)
    kept = beyond_chance(synced["pairs"], np.maximum(CLUSTERING_ALLOWANCE * uniform, habits), n_candidates=n_candidates)
    return synced.assign(expected=np.maximum(uniform, habits))[kept].reset_index(drop=True)


def beyond_platforms_and_habits(links: pd.DataFrame, synced: pd.DataFrame, *, platform_accounts, activity: pd.DataFrame,
                                habit_meetings: Callable[[pd.DataFrame], pd.DataFrame],
                                n_candidates: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(links, synced) without the platforms' own accounts (:func:`without_platform_accounts`),
    and of what is left, the synchronised pairs beyond their accounts' own hours
    (:func:`beyond_habits`; ``habit_meetings(pairs)``: the engine's count of the pairs'
    meetings on days apart). The platforms' accounts go first: they fill all day long, and
    their pairs would cost the habit count most."""
    links, synced = without_platform_accounts(links, synced, platform_accounts)
    return links, beyond_habits(synced, activity, habit_meetings(synced), n_candidates=n_candidates)


def habit_expectations(synced: pd.DataFrame, activity: pd.DataFrame, meetings: pd.DataFrame) -> np.ndarray:
    """Per pair of ``synced`` (account_a, account_b), the synchronised fills its accounts' own
    hours give on one day: its fill pairs of one instrument on the same day × the share of its
    fill pairs of one instrument on days ``HABIT_DAY_SHIFTS`` apart that fall within the
    window of each other's time of day (``meetings``); 0 for a pair with no such days.
    ``activity``: :func:`fill_activity`'s (account_id, instrument, day, n)."""
    pairs = synced[["account_a", "account_b"]].reset_index(drop=True).rename_axis("pair").reset_index()
    daily = activity[["account_id", "instrument", "day", "n"]]
    mine = pairs.merge(daily.rename(columns={"account_id": "account_a"}), on="account_a")
    theirs = pairs.merge(daily.rename(columns={"account_id": "account_b", "n": "n_b"}), on="account_b")
    keys = ["pair", "instrument", "day"]

    def fill_pairs(days_apart) -> np.ndarray:
        shifted = pd.concat([mine[[*keys, "n"]].assign(day=mine["day"] + shift) for shift in days_apart])
        both = shifted.merge(theirs[[*keys, "n_b"]], on=keys)
        products = (both["n"] * both["n_b"]).groupby(both["pair"]).sum()
        return products.reindex(pairs["pair"], fill_value=0).to_numpy(dtype=np.float64)

    same_day, apart = fill_pairs([0]), fill_pairs(HABIT_DAY_SHIFTS)
    met = pairs.merge(meetings, how="left", on=["account_a", "account_b"])["meetings"].fillna(0).to_numpy(np.float64)
    return np.divide(same_day * met, apart, out=np.zeros(len(pairs)), where=apart > 0)


def evidence_text(members: pd.DataFrame, links: pd.DataFrame, synced: pd.DataFrame) -> pd.Series:
    """Per member account, its evidence items ``<kind>:<key> <detail>`` joined by ``;`` in the
    order of ``EVIDENCE_ORDER`` (devices, IPs, payers sorted by id), ending with
    ``sync_orders:<n> (expected <e>)`` when it has any: its synchronised pairs with the accounts
    it is linked to that way, and the chance expectation of those pairs (2 significant digits).

    >>> members = pd.DataFrame({"account_id": ["A", "B"]})
    >>> links = pd.DataFrame({"account_id": ["A"], "evidence": "shared_device", "key": "D1",
    ...                       "detail": "(2 users, 9 days)"})
    >>> synced = pd.DataFrame({"account_a": ["A"], "account_b": ["B"], "pairs": [41], "expected": [0.00031]})
    >>> evidence_text(members, links, synced).tolist()
    ['shared_device:D1 (2 users, 9 days);sync_orders:41 (expected 0.00031)', 'sync_orders:41 (expected 0.00031)']
    """
    ends = [synced[[end, "pairs", "expected"]].set_axis(["account_id", "pairs", "expected"], axis=1)
            for end in ("account_a", "account_b")]
    per_account = pd.concat(ends).groupby("account_id")[["pairs", "expected"]].sum()
    sync_items = pd.DataFrame({
        "account_id": per_account.index, "evidence": "sync_orders",
        "key": per_account["pairs"].astype("int64").astype(str).to_numpy(),
        "detail": [f"(expected {e:.2g})" for e in per_account["expected"]]})
    items = pd.concat([links[list(LINK_COLUMNS)], sync_items], ignore_index=True)
    items = items[is_in(items["account_id"], members["account_id"])]
    items = items.assign(rank=items["evidence"].map({e: i for i, e in enumerate(EVIDENCE_ORDER)}))
    items = items.sort_values(["account_id", "rank", "key"])
    text = (items["evidence"] + ":" + items["key"] + " " + items["detail"]).groupby(items["account_id"]).agg(";".join)
    return members["account_id"].map(text)
