"""The static case tables and case.yaml."""
import os

from .util import date_str, fen_text

NICK = ("股神", "老王", "小李飞刀", "稳赚🐂", "期货小白", "回本就走", "🍀好运", "财神到", "追梦人", "", "", "", "")


def rate_text(bp):
    return ("%.4f" % (bp / 10000)).rstrip("0").rstrip(".") if bp else ""


def write_static(w, out, mk):
    rng = w.rng.child("write")
    root = out.root
    with open(os.path.join(root, "case.yaml"), "w", encoding="utf-8") as f:
        f.write("case_id: CLOUD-IND4-%d\n" % w.seed)
        f.write("title: \"云剑行动 期货软件案 独立生成案例 #4 (seed %d)\"\n" % w.seed)
        f.write("timezone: Asia/Shanghai\nbase_currency: CNY\nsources:\n")
        for k, v in (("vendors.csv", "vendor's seized records (启航科技)"), ("licenses.csv", "vendor's contract ledger"),
                     ("platforms.csv", "vendor's tenant database"), ("gangs.csv", "case files of provincial police"),
                     ("persons.csv", "household registration and bank KYC"), ("memberships.csv", "interviews, payroll"),
                     ("agents.csv", "platform back ends (seized servers)"), ("clients.csv", "platform back ends"),
                     ("accounts.csv", "back ends, banks, brokers"), ("ledger.csv", "platform back ends"),
                     ("trades.csv", "platform back ends"), ("broker_fills.csv", "overseas brokers' statements"),
                     ("bank_transfers.csv", "bank statements obtained (资金查控)"),
                     ("logins.csv", "admin logs, e-banking logs, broker API logs"), ("fx_rates.csv", "SAFE central parity")):
            f.write("  %s: \"%s\"\n" % (k, v))
    t = out.table("vendors.csv", ["vendor_id", "name", "province", "city", "bank_account_ids"])
    for v in w.vendors:
        t.row((v.vid, v.name, v.province, v.city, ";".join(v.accounts)))
    t = out.table("licenses.csv", ["license_id", "vendor_id", "platform_id", "sold_on", "price", "currency",
                                   "buyer_name", "buyer_phone", "paid_from_account", "contract_note"])
    for l in w.licenses:
        t.row((l.lid, l.vid, l.pid, date_str(l.sold), fen_text(l.price), l.currency if l.currency != "CNY" or
               rng.random() < 0.5 else "", l.buyer_name, l.buyer_phone, l.paid_from,
               "内部使用" if l.price == 0 else ("续费" if l is not [x for x in w.licenses if x.pid == l.pid][0] else "")))
    t = out.table("platforms.csv", ["platform_id", "vendor_id", "name", "domain", "created_on", "kind"])
    for p in w.platforms:
        t.row((p.pid, p.vendor, p.name, p.domain, date_str(p.created), p.kind_written))
    t = out.table("gangs.csv", ["gang_id", "name", "province", "city", "platform_ids", "leader_person_id", "status"])
    for g in w.gangs:
        if not g.status:
            continue
        pl = [p.pid for p in g.platforms]
        if g.role == "sellerD":          # police files predate the handover
            pl = [w.handover_pid] + pl
        if g.role == "buyerC":
            pl = [p.pid for p in g.platforms if p.pid != w.handover_pid]
        first = g.platforms[0].name if g.platforms else g.gid
        t.row((g.gid, "“%s”团伙" % first, g.province, g.city, ";".join(pl), g.leader if rng.random() < 0.85 else "",
               g.status))
    t = out.table("persons.csv", ["person_id", "name", "id_number", "phone", "province", "city", "address"])
    addr = {}
    for pid, q in w.persons.items():
        hh = getattr(q, "household", None)
        if hh is not None and hh in addr:
            a = addr[hh]
        else:
            a = "" if rng.random() < 0.3 else "%s%s路%d号%d室" % (q.city, rng.choice("人民 解放 中山 建设 文化 新华".split()),
                                                                rng.randrange(1, 400), rng.randrange(101, 2800))
            if hh is not None:
                addr[hh] = a
        t.row((pid, q.name, q.id_number, q.phone, q.province, q.city, a))
    t = out.table("memberships.csv", ["person_id", "org_id", "role", "start", "end"])
    for pid, org, role, s, e in w.memberships:
        t.row((pid, org, role, date_str(s) if s is not None else "", date_str(e) if e is not None else ""))
    t = out.table("agents.csv", ["agent_id", "platform_id", "person_id", "parent_agent_id", "rebate_rate",
                                 "commission_rate", "joined_on", "left_on", "nickname"])
    for a in w.agents:
        t.row((a.aid, a.platform, a.person or "", a.parent.aid if a.parent else "", rate_text(a.rate),
               rate_text(a.comm), date_str(a.joined), date_str(a.left) if a.left is not None else "",
               rng.choice(NICK)))
    t = out.table("clients.csv", ["client_id", "platform_id", "agent_id", "person_id", "registered_on", "nickname"])
    for c in w.clients:
        t.row((c.cid, c.platform, c.agent.aid if c.agent else "", c.person_written, date_str(c.reg), rng.choice(NICK)))
    t = out.table("accounts.csv", ["account_id", "kind", "holder_person_id", "platform_id", "client_id",
                                   "parent_account_id", "institution", "opened_on"])
    for aid, a in w.accounts.items():
        t.row((aid, a.kind, a.holder or "", a.platform, a.client, a.parent, a.institution,
               date_str(a.opened) if a.opened is not None else ""))
    t = out.table("fx_rates.csv", ["date", "currency", "cny_per_unit"])
    t.rows(mk.rows())
