"""Fake trades (虚假交易): trades a platform recorded as routed to the overseas broker that the
broker never executed — the fraud front of domain.md §1, whose clients' trades never reached
a market.

A trade is fake when its platform's ``kind`` is not ``fake`` (the platform claims real
routing, or says nothing: a platform recorded as ``fake`` never claimed to route, so none of
its trades is assessed) and

- ``no_broker_ref``: the trade carries no broker order reference, or
- ``broker_ref_not_on_statement``: its reference is on no broker statement
  (``broker_fills.broker_ref``). Without any broker statement in the case this cannot be
  checked, and only trades without a reference are listed.

A trade's platform and client are its account's (``accounts.platform_id``, else the platform
of the account's client).

Per platform (:func:`platform_fraud`): ``n_trades`` (all its trades), ``n_fake``,
``fake_share`` (n_fake / n_trades, 6 decimals, 0 without trades), ``is_fraud`` (more than
half of its trades are fake) and ``fake_trade_losses``: what its clients lost on fake
trades, Σ over its clients of ``client_losses`` × (the client's fake notional / the client's
total notional), each client's share rounded half away from zero to the fen, in integer
arithmetic (Python integers: the product can exceed 64 bits).

>>> from casegraph.loaders.case import load_case               # doctest: +SKIP
>>> case = load_case("mycase")                                   # doctest: +SKIP
>>> fake = fake_trades(case)                                     # doctest: +SKIP
>>> platform_fraud(case, fake).query("is_fraud")                 # doctest: +SKIP
             n_trades  n_fake  fake_share  is_fraud  fake_trade_losses
platform_id
P005            14924   14924         1.0      True         4557590709
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.fx import ledger_in_cny

from ..columnar import is_in, lookup
from ..rules import NO_BROKER_REF, NOT_ON_STATEMENT, finish_fake, finish_fraud
from .figures import client_figures, client_of_account


def trade_owners(case: Case) -> pd.DataFrame:
    """Every trade with the ``platform_id`` and ``client_id`` of its account."""
    accounts = case["accounts"].set_index("account_id")
    client_platform = case["clients"].set_index("client_id")["platform_id"]
    trades = case["trades"]
    client = lookup(trades["account_id"], accounts["client_id"])
    platform = lookup(trades["account_id"], accounts["platform_id"]).fillna(lookup(client, client_platform))
    return pd.DataFrame({"trade_id": trades["trade_id"], "platform_id": platform, "client_id": client,
                         "notional": trades["notional"].astype("int64"), "broker_ref": trades["broker_ref"]})


def fake_reasons(trades: pd.DataFrame, fills: pd.DataFrame) -> pd.Series:
    """Per trade, why it is fake (``no_broker_ref`` / ``broker_ref_not_on_statement``) or None.

    >>> trades = pd.DataFrame({"broker_ref": ["R1", None, "R9"]})
    >>> fake_reasons(trades, pd.DataFrame({"broker_ref": ["R1"]})).tolist()
    [None, 'no_broker_ref', 'broker_ref_not_on_statement']
    """
    ref = trades["broker_ref"]
    on_statement = is_in(ref, fills["broker_ref"])
    reason = np.where(ref.isna(), NO_BROKER_REF, np.where(on_statement | fills.empty, None, NOT_ON_STATEMENT))
    return pd.Series(reason, index=trades.index, dtype=object)


def fake_trades(case: Case) -> pd.DataFrame:
    """fake_trades.csv: trade_id, platform_id, client_id, notional (fen), reason; by trade_id."""
    trades = trade_owners(case)
    kind = lookup(trades["platform_id"], case["platforms"].set_index("platform_id")["kind"])
    assessed = (kind != "fake").to_numpy(dtype=bool, na_value=True)
    fake = trades[assessed].assign(reason=fake_reasons(trades[assessed], case["broker_fills"]))
    return finish_fake(fake.dropna(subset=["reason"]))


def share_rounded(losses: pd.Series, part: pd.Series, whole: pd.Series) -> pd.Series:
    """losses × part / whole rounded half away from zero to the fen, exactly (Python integers);
    0 where whole is 0.

    >>> share_rounded(pd.Series([100, 5, -5]), pd.Series([1, 1, 1]), pd.Series([8, 2, 2])).tolist()
    [13, 3, -3]
    """
    product = [int(a) * int(b) for a, b in zip(losses, part)]
    total = [int(w) for w in whole]
    rounded = [0 if w == 0 else (1 if p >= 0 else -1) * ((2 * abs(p) + w) // (2 * w))
               for p, w in zip(product, total)]
    return pd.Series(rounded, index=losses.index, dtype=object)


def fake_losses(case: Case, fake: pd.DataFrame) -> pd.Series:
    """Per platform, Σ over its clients with fake trades of client_losses × fake notional /
    turnover (each client rounded half away from zero to the fen)."""
    fake_notional = fake.groupby("client_id")["notional"].sum()
    # The figures of these clients only: from their own entries and trades.
    ledger = ledger_in_cny(case, rows=is_in(case["ledger"]["client_id"], fake_notional.index))
    trades = case["trades"]
    trades = trades[is_in(lookup(trades["account_id"], client_of_account(case)), fake_notional.index)]
    clients = client_figures(case, ledger, trades).reindex(fake_notional.index)
    # Only clients with fake trades have a share: a Python-integer step over them, not all rows.
    share = share_rounded(clients["client_losses"], fake_notional, clients["turnover"])
    return share.groupby(clients["platform_id"]).sum()


def platform_fraud(case: Case, fake: pd.DataFrame) -> pd.DataFrame:
    """Per platform (every platform of platforms.csv): n_trades, n_fake, fake_share, is_fraud,
    fake_trade_losses (fen); indexed by platform_id."""
    index = pd.Index(case["platforms"]["platform_id"], name="platform_id")
    n_trades = trade_owners(case).groupby("platform_id").size().reindex(index, fill_value=0)
    n_fake = fake.groupby("platform_id").size().reindex(index, fill_value=0)
    frame = pd.DataFrame({
        "n_trades": n_trades, "n_fake": n_fake,
        "fake_share": (n_fake / n_trades.where(n_trades > 0)).fillna(0.0),
        "is_fraud": 2 * n_fake > n_trades,
        "fake_trade_losses": fake_losses(case, fake).reindex(index, fill_value=0),
    }, index=index)
    return finish_fraud(frame)
