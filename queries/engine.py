"""The one contract both engines keep, and the one ``analyze`` that turns an engine's
answers into the output tables.

An engine answers a fixed set of questions about one case, each as a DataFrame with the
same columns, rows and dtypes in every engine: the embedded engine
(:class:`casegraph.queries.memory.engine.MemoryEngine`, pandas and networkx on the case's
tables) and the server engine (:class:`casegraph.queries.neo4j.engine.Neo4jEngine`, Cypher on
a loaded case). What the answers mean for the output tables — which community is which gang,
the income rows, the severity — is decided once, here and in :mod:`.assembly`.

A case may be partial (a bank-only case has no ledger, a platform back end no bank
statements): each question declares in :data:`QUESTIONS` the case tables it needs rows of, and
``analyze`` asks only those whose tables the case has (``Engine.available``). A question left
out gives its *empty answer* instead — the same columns, no rows — and every output file is
still written, so that scripts find them all: a table built from several answers holds the
rows of those that ran (chain.csv lists the licences of a case without a ledger, with its
figures empty = unknown), and one that states a single question's findings
(``Question.makes``: gangs.csv, communities.csv …) holds its header alone when that question
is skipped. A figure a skipped question would give is unknown, never zero (``assemble``'s
``skipped``). ``coverage.csv`` says which ran and what the others missed.

A caller that needs some answers only (gang discovery, say, after new access logs came in)
names those questions (``analyze(engine, questions=...)``): they are asked with the questions
whose answers they take (:attr:`Question.takes`), and the others are skipped as above, with
coverage.csv saying they did not run and missed no table.

To add a question whose answer is an output table as it stands (say ``account_flows``, which
needs ``bank_transfers`` and ``accounts``):

1. a method on :class:`Engine` and on each engine, returning the table;
2. an entry in :data:`QUESTIONS`: ``Question("account_flows", ("bank_transfers", "accounts"),
   "account flows", empty=lambda: <the table with no rows>, output="account_flows")``;
3. the table declared in :data:`.output_tables.OUTPUT_TABLES`.

:func:`analyze` then asks it (or skips it), writes its answer as that output, and gives it a
row of coverage.csv. A question whose answer feeds others is asked by name in
:func:`analyze` (``ask(name, *args)``) and passed on to :func:`.assembly.assemble`.

>>> from casegraph.loaders.case import load_case                          # doctest: +SKIP
>>> from casegraph.queries.memory.engine import MemoryEngine              # doctest: +SKIP
>>> tables = analyze(MemoryEngine(load_case("mycase")))                   # doctest: +SKIP
>>> tables["gangs"].head()                                                # doctest: +SKIP
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Collection
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from casegraph.progress import SILENT, Progress
from casegraph.thresholds import ThresholdRules

from .assembly import CaseFacts, NodeFigures, TradingFindings, assemble
from .communities import (
    broker_nodes,
    placed_brokers,
    platforms_apart,
    resolve_gangs,
    shared_hubs,
    without_nodes,
)
from .flow_rules import ACCOUNT_FLOW_COLUMNS, PATTERN_COLUMNS, REQUEST_COLUMNS
from .output_tables import SCOPED_FIGURES, conform
from .rules import (
    CLIENT_FIGURES,
    FRAUD_COLUMNS,
    VERDICT_COLUMNS,
    fake_of_checked,
    finish_fake,
    finish_fraud,
    finish_groups,
    no_rows,
    unverified_of_checked,
)
from .units import known_units, listed_gangs_found, no_listed_persons, no_unit_agents, units_on_graph


@dataclass
class GangEvidence:
    """What gang discovery runs on (see :mod:`casegraph.queries.communities`)."""

    edges: pd.DataFrame  # u, v, weight: the gang graph, sorted
    bindings: pd.DataFrame  # node, platform_id, fact, weight: what the records state
    platform_ids: list[str]  # every platform of the case
    # from_account, to_account, n: the bank transfers per direction and pair (communities.transfer_counts);
    # none known, no personal contacts are told apart
    transfers: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"from_account": [], "to_account": [], "n": []}).astype(
            {"from_account": object, "to_account": object, "n": "int64"}))
    # agent_id, person_id, platform_id, unit_id: the agents of the member units (units.unit_agents),
    # whose records ``bindings`` bind to their unit
    units: pd.DataFrame = field(default_factory=no_unit_agents)
    # gang_id, person_id, fact, province: the persons gangs.csv's gangs without a platform name
    # (memory.figures.platformless_gang_persons)
    listed: pd.DataFrame = field(default_factory=no_listed_persons)

    @property
    def known_units(self) -> pd.DataFrame:
        """gang_id, platform_id, province: the member units gangs.csv lists, each under its
        unit_id as a known gang's platform (:func:`.units.known_units`)."""
        return known_units(self.units, self.listed)

    @property
    def listed_gangs(self) -> pd.DataFrame:
        """gang_id, platform_id, province: the gangs gangs.csv lists that its platform ids do not
        name, the member units under their unit_id (:attr:`known_units`), the others under none."""
        units, others = self.known_units, self.listed[["gang_id", "province"]].drop_duplicates("gang_id")
        return pd.concat([units, others[~others["gang_id"].isin(units["gang_id"])]], ignore_index=True)


class Engine(Protocol):
    """The questions every engine answers about one case (see the module)."""

    name: str
    available: Collection[str]  # the case tables that hold rows (loaders.case.Case.available)
    questions_at_once: int  # how many questions ``analyze`` may ask side by side (from threads)

    def case_facts(self) -> CaseFacts:
        """The few facts of the case the output tables need as they are."""

    def threshold_rules(self) -> ThresholdRules:
        """The case's thresholds for the courts' severity levels."""

    def client_figures(self) -> pd.DataFrame:
        """Per client: platform, agent and the client figures (:data:`.rules.CLIENT_FIGURES`)."""

    def agent_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        """Per agent: depth, own and subtree figures, rebates received and due."""

    def platform_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        """Per platform: clients, agents, agent-tree depth and its clients' figures summed."""

    def person_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        """Per person who answers for clients: their figures summed, what the person received."""

    def person_window_totals(self) -> pd.DataFrame:
        """Per person and membership period: the figures during that tenure."""

    def gang_evidence(self) -> GangEvidence:
        """The gang graph and the hard facts gang discovery starts from."""

    def gang_communities(self, edges: pd.DataFrame, *, seed: int) -> dict[str, int]:
        """Node -> community of the gang graph ``edges`` (``GangEvidence.edges``): what
        :func:`.communities.detect_communities` gives on it, wherever the engine runs it."""

    def account_groups(self) -> pd.DataFrame:
        """account_groups.csv: broker-side accounts run by one controller, with the evidence."""

    def fake_trades(self) -> pd.DataFrame:
        """The trades no broker statement backs (:data:`.rules.CHECKED_COLUMNS`): fake_trades.csv,
        and those outside the statements in hand, unverified_trades.csv
        (:func:`.order_numbers.outside_statements`)."""

    def platform_fraud(self, checked: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
        """Per platform: trades, fake trades and the losses they caused (``checked``:
        :meth:`fake_trades`; ``clients``: :meth:`client_figures`, whose losses and turnover the
        losses are shares of)."""

    def account_flows(self) -> pd.DataFrame:
        """account_flows.csv: per account, money in and out, cash, counterparties, its statement."""

    def flow_patterns(self) -> pd.DataFrame:
        """flow_patterns.csv: pass-through, fan-in/out, cycles, shared devices, round amounts, night
        (:mod:`.flow_rules`)."""

    def statement_requests(self) -> pd.DataFrame:
        """statement_requests.csv (调单建议): accounts to request statements of, most money first."""


PERSON_FIGURES = ("subtree_n_clients", *(f"subtree_{name}" for name in CLIENT_FIGURES), "rebate_received",
                  "commission_received", "own_net_withdrawal")


@dataclass(frozen=True)
class Question:
    """One question of :class:`Engine` as :func:`analyze` asks it (see the module)."""

    name: str  # the Engine method
    needs: tuple[str, ...]  # case tables (loaders/tables.py) it needs rows of
    step: str  # the progress line while it runs
    empty: Callable[[], Any]  # its answer for a case without those tables: no rows, the same columns
    # Output tables that state this question's findings alone: header only when it is skipped
    # (communities.csv would list every person and account as in no community).
    makes: tuple[str, ...] = ()
    # The output table the answer is, as it stands: analyze writes it without assembly.
    output: str | None = None
    # The questions whose answers it takes (agent_totals adds up client_figures' rows).
    takes: tuple[str, ...] = ()

    def missing(self, available: Collection[str]) -> tuple[str, ...]:
        """The tables it needs that the case has no rows of (none: it is asked)."""
        return tuple(name for name in self.needs if name not in available)


# The questions analyze asks, in order, with what each needs. A question that takes another's
# answer needs what that one needs too (agent_totals takes client_figures', see ``takes``). case_facts and
# threshold_rules are asked of every case: they describe it, whatever it holds.
QUESTIONS: dict[str, Question] = {question.name: question for question in (
    Question("client_figures", ("ledger", "clients"), "client figures",
             lambda: no_rows("client_id", text=("platform_id", "agent_id"), integers=CLIENT_FIGURES)),
    Question("agent_totals", ("ledger", "clients", "agents"), "agent totals",
             lambda: no_rows("agent_id", text=("platform_id",), integers=(
                 "depth", *SCOPED_FIGURES, "rebate_received", "commission_received", "rebate_due",
                 "rebate_mismatch")), takes=("client_figures",)),
    Question("platform_totals", ("ledger", "clients", "platforms"), "platform totals",
             lambda: no_rows("platform_id", integers=("n_clients", "n_agents", "agent_depth", *CLIENT_FIGURES)),
             takes=("client_figures",)),
    Question("person_totals", ("ledger", "clients", "persons"), "person totals",
             lambda: no_rows("person_id", integers=PERSON_FIGURES), takes=("client_figures",)),
    Question("person_window_totals", ("ledger", "clients", "memberships"), "membership periods",
             lambda: no_rows(text=("person_id",), dates=("window_start", "window_end"), integers=PERSON_FIGURES)),
    # A gang is found through the platforms it runs: without platforms there is none to find.
    Question("gang_evidence", ("platforms",), "gang evidence",
             lambda: GangEvidence(edges=no_rows(text=("u", "v")).assign(weight=pd.Series(dtype="float64")),
                                  bindings=no_rows(text=("node", "platform_id", "fact"), integers=("weight",)),
                                  platform_ids=[]),
             makes=("gangs", "communities", "unattached")),
    Question("account_groups", ("accounts",), "account groups", lambda: finish_groups(pd.DataFrame()),
             makes=("account_groups",)),
    Question("fake_trades", ("trades",), "fake trades", lambda: finish_fake(pd.DataFrame()),
             makes=("fake_trades", "unverified_trades")),
    # The fake trades' share of the clients' losses comes from the ledger.
    Question("platform_fraud", ("trades", "platforms", "ledger"), "platform fraud",
             lambda: finish_fraud(pd.DataFrame({c: pd.Series(dtype="float64")
                                                for c in (*FRAUD_COLUMNS, *VERDICT_COLUMNS)})),
             takes=("fake_trades", "client_figures")),
    # Fund flows need the bank transfers and the accounts they name (persons, statements and
    # logins add holders, what is in hand and shared devices where the case has them).
    Question("account_flows", ("bank_transfers", "accounts"), "account flows",
             lambda: no_rows(text=ACCOUNT_FLOW_COLUMNS), output="account_flows"),
    Question("flow_patterns", ("bank_transfers", "accounts"), "flow patterns",
             lambda: no_rows(text=PATTERN_COLUMNS), output="flow_patterns"),
    Question("statement_requests", ("bank_transfers", "accounts"), "statement requests",
             lambda: no_rows(text=REQUEST_COLUMNS), output="statement_requests"),
)}


def coverage_table(available: Collection[str], asked: Collection[str] | None = None) -> pd.DataFrame:
    """coverage.csv: per question, whether it ran and the tables it missed (``;``-separated);
    one not ``asked`` (None: every question of :data:`QUESTIONS` as it stands) did not run and
    missed none.

    >>> coverage_table({"ledger", "clients", "platforms"}).set_index("analysis").loc["agent_totals"].to_dict()
    {'ran': False, 'missing_tables': 'agents'}
    """
    missing = [QUESTIONS[name].missing(available) for name in QUESTIONS]
    ran = [not m and (asked is None or name in asked) for name, m in zip(QUESTIONS, missing)]
    return pd.DataFrame({"analysis": list(QUESTIONS), "ran": ran,
                         "missing_tables": [";".join(m) if m else None for m in missing]})


def with_what_they_take(questions: Collection[str]) -> frozenset[str]:
    """The questions named, and every question whose answer one of them takes.

    >>> sorted(with_what_they_take(["platform_fraud", "account_groups"]))
    ['account_groups', 'client_figures', 'fake_trades', 'platform_fraud']
    """
    unknown = sorted(set(questions) - QUESTIONS.keys())
    if unknown:
        raise ValueError(f"no such question: {', '.join(unknown)} (the questions: {', '.join(QUESTIONS)})")
    asked, todo = set(), list(questions)
    while todo:
        name = todo.pop()
        if name not in asked:
            asked.add(name)
            todo.extend(QUESTIONS[name].takes)
    return frozenset(asked)


def find_gangs(evidence: GangEvidence, known_gangs: pd.DataFrame, *,
               communities_of: Callable[..., dict[str, int]], seed: int = 0,
               trading_accounts: Collection[str] = ()) -> pd.DataFrame:
    """The resolved communities (:func:`.communities.resolve_gangs`) of the gang graph in
    ``evidence``: ``communities_of`` (:meth:`Engine.gang_communities`, seeded with ``seed``)
    detects them in the graph without its brokers' ties (:func:`.communities.broker_nodes`),
    and each broker joins the community it is tied to most (:func:`.communities.placed_brokers`).
    Where the result has hubs several gangs share (:func:`.communities.shared_hubs`: a cash
    desk, a dealer), the communities are found again without their ties too, and the hubs join
    no gang. ``trading_accounts``: the gang-graph nodes of the case's trading, mother and sub
    accounts (:func:`.communities.loosely_held`). Each member unit (``evidence.units``) is a
    platform of its own, ``Platform:`` + its unit_id, tied to its agents and its clients' money
    (:func:`.units.units_on_graph`), and a known gang's where gangs.csv lists it
    (``evidence.known_units``). A gang no platform names takes the id of the gang gangs.csv
    lists without a platform whose persons it holds (:func:`.units.listed_gangs_found`)."""
    units = evidence.units[["platform_id", "unit_id"]].drop_duplicates()
    edges = units_on_graph(evidence.edges, evidence.bindings, units)
    known_gangs = pd.concat([known_gangs, evidence.known_units], ignore_index=True)
    brokers = broker_nodes(edges, evidence.bindings, known_gangs)

    def resolved_without(hubs: list[str]) -> pd.DataFrame:
        apart = sorted({*brokers, *hubs})
        communities = communities_of(without_nodes(edges, apart), seed=seed)
        communities.update(placed_brokers(edges, apart, communities))
        communities = platforms_apart(communities, evidence.bindings, edges, known_gangs)
        return resolve_gangs(communities, evidence.bindings, edges, known_gangs,
                             platform_ids=[*evidence.platform_ids, *units["unit_id"]], brokers=brokers,
                             trading_accounts=trading_accounts, hubs=hubs, transfers=evidence.transfers)

    resolved = resolved_without([])
    hubs = shared_hubs(resolved, edges)
    if hubs:
        resolved = resolved_without(hubs)
    listed = listed_gangs_found(resolved, evidence.listed, known_ids=known_gangs["gang_id"])
    return resolved.assign(**{column: resolved[column].replace(listed) for column in ("gang_id", "contact_of")})


def analyze(engine: Engine, *, seed: int = 0, progress: Progress = SILENT,
            questions: Collection[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every output table of the case ``engine`` answers for, keyed by output name
    (``chain`` -> chain.csv), each as :data:`.output_tables.OUTPUT_TABLES` declares it;
    ``seed`` seeds community detection; each question is a step of ``progress``. Questions
    whose tables the case lacks are not asked (:data:`QUESTIONS`); ``coverage`` says which.
    ``questions``: the names of the questions to ask (with those whose answers they take);
    None asks every one."""
    available = engine.available
    asked = frozenset(QUESTIONS) if questions is None else with_what_they_take(questions)
    skipped = frozenset(name for name, question in QUESTIONS.items()
                        if question.missing(available) or name not in asked)

    def ask(name: str, *args):
        if name in skipped:
            return QUESTIONS[name].empty()
        with progress.step(f"{engine.name}: {QUESTIONS[name].step}"):
            return getattr(engine, name)(*args)

    def gangs() -> tuple[pd.DataFrame, GangEvidence]:
        """The gang graph's communities, resolved (:func:`find_gangs`), and the evidence they were found in."""
        evidence = ask("gang_evidence")
        with progress.step(f"{engine.name}: communities"):
            entities = facts.entities
            resolved = find_gangs(evidence, facts.known_gangs, communities_of=engine.gang_communities, seed=seed,
                                  trading_accounts=entities.loc[entities["entity_type"].eq("trading_account"), "node"])
        return resolved, evidence

    def client_figures() -> dict[str, pd.DataFrame]:
        """The figures of clients and of what they add up to (:class:`NodeFigures` but the
        membership periods', asked apart)."""
        clients = ask("client_figures")
        return {"clients": clients, "agents": ask("agent_totals", clients),
                "platforms": ask("platform_totals", clients), "persons": ask("person_totals", clients)}

    with progress.step(f"{engine.name}: case facts"):
        facts = engine.case_facts()
    # The questions that take no other's answer, each run with those that take its answer
    # alone, the longest first (at 10x seed scale gang discovery takes 4.8 s, flow patterns 4.6 s).
    alone = ("account_groups", "person_window_totals", "fake_trades",
             *(name for name, question in QUESTIONS.items() if question.output))
    answers = run_side_by_side({"communities": gangs, "client_figures": client_figures,
                                **{name: functools.partial(ask, name) for name in alone}},
                               order=("communities", "flow_patterns", "account_groups", "client_figures"),
                               at_once=engine.questions_at_once)
    figures = NodeFigures(**answers["client_figures"], windows=answers["person_window_totals"])
    checked = answers["fake_trades"]
    trading = TradingFindings(account_groups=answers["account_groups"], fake_trades=fake_of_checked(checked),
                              unverified_trades=unverified_of_checked(checked),
                              platform_fraud=ask("platform_fraud", checked, figures.clients))
    with progress.step("output tables"):
        resolved, evidence = answers["communities"]
        tables = assemble(facts, figures, resolved, rules=engine.threshold_rules(), trading=trading,
                          units=evidence.units, listed_gangs=evidence.listed_gangs, skipped=skipped)
        tables.update((question.output, answers[name]) for name, question in QUESTIONS.items() if question.output)
        for name in skipped:
            tables.update((output, tables[output].iloc[:0]) for output in QUESTIONS[name].makes)
        tables["coverage"] = coverage_table(available, asked)
        return {name: conform(name, table) for name, table in tables.items()}


def run_side_by_side(runs: dict[str, Callable[[], Any]], *, order: Collection[str] = (),
                     at_once: int) -> dict[str, Any]:
    """Each run's answer by name: ``at_once`` runs at a time (one: one after the other, in this
    thread), those named in ``order`` started first, in that order. A run that fails fails the
    whole (the first in that order, if several do), once the runs under way have ended; the runs
    not yet started are not started.

    >>> run_side_by_side({"a": lambda: 1, "b": lambda: 2}, order=["b"], at_once=2)
    {'a': 1, 'b': 2}
    """
    names = [*order, *(name for name in runs if name not in order)]
    if at_once == 1:
        answers = {name: runs[name]() for name in names}
        return {name: answers[name] for name in runs}
    failed = threading.Event()

    def unless_failed(run: Callable[[], Any]) -> Callable[[], Any]:
        def guarded():
            if failed.is_set():
                raise CancelledError  # another run failed: this one is not started
            try:
                return run()
            except BaseException:
                failed.set()
                raise
        return guarded

    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="casegraph-question") as pool:
        started = {name: pool.submit(unless_failed(runs[name])) for name in names}
    # Every run has ended here (or was never started): the first failure is the whole's.
    for future in started.values():
        if future.exception() is not None and not isinstance(future.exception(), CancelledError):
            raise future.exception()
    return {name: started[name].result() for name in runs}
