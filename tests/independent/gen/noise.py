"""Ordinary life: transfers among unrelated people, shops, salaries, and chance coincidences."""

from . import ids as I


def ordinary_transfers(w):
    r, mo = w.r, w.money
    people = [p for p in list(w.noise_people) + [c["person_id"] for c in w.clients.values() if c["person_id"]]
              if w.pmeta[p]["banks"]]
    people = sorted(set(people))
    r.shuffle(people)
    contacts = {}
    for i, p in enumerate(people):
        k = r.randint(1, 5)
        contacts[p] = [people[(i + r.randint(1, 40)) % len(people)] for _ in range(k)]
    n = int(len(people) * 0.8)
    for _ in range(n):
        a = r.choice(people)
        dt = I.rand_dt(r, I.T0, I.T1)
        x = r.random()
        if x < 0.55:
            b = r.choice(contacts[a])
            amt = r.choice([20000, 50000, 100000, 200000, 52000, 131400, 66600]) if r.random() < 0.5 \
                else int(r.lognormvariate(11, 1.2))
            mo.xfer(r.choice(w.pmeta[a]["banks"]), r.choice(w.pmeta[b]["banks"]), amt, dt,
                    memo=r.choice(["", "红包", "生活费", "还款", "借款", "房租", "还款,谢谢", '"老王"的饭钱']))
        elif x < 0.9:
            mo.xfer(r.choice(w.pmeta[a]["banks"]), r.choice(w.shops), int(r.lognormvariate(10, 1.1)), dt,
                    channel="快捷支付", memo=r.choice(["消费", "", "货款"]))
        else:  # a shop pays someone (wages, refunds)
            mo.xfer(r.choice(w.shops), r.choice(w.pmeta[a]["banks"]), r.randint(300000, 1200000), dt, memo="工资")


def coincidences(w):
    """Links that look meaningful but are chance."""
    r, mo = w.r, w.money
    notes = []
    # several ordinary clients of different gangs each pay one car dealer once
    dealer = r.choice(w.shops)
    cl = [c for c in w.clients.values() if c["person_id"] and c["_bank"]]
    picks = r.sample(cl, 8)
    for c in picks:
        mo.xfer(c["_bank"][0], dealer, r.randint(3_000_000, 15_000_000), I.rand_dt(r, I.T0, I.T1), memo="购车款")
    notes.append("8 clients of several gangs each paid shop account %s once (car purchase)" % dealer)
    # an unrelated person pays a gang's collection card once (bought a used phone from the card owner)
    g = r.choice([g for g in w.gangs if not g["tiny"]])
    stranger = r.choice([p for p in w.noise_people if w.pmeta[p]["banks"]])
    mo.xfer(w.pmeta[stranger]["banks"][0], g["collect"][0], 150000, I.rand_dt(r, g["start"], g["end"]),
            memo="二手手机")
    notes.append("unrelated person %s paid collection card %s of %s once" % (stranger, g["collect"][0], g["gang_id"]))
    # nominees live ordinary lives too: wages from a shop into their personal card
    for gg in w.gangs[:5]:
        nom = gg["nominees"][0]
        if w.pmeta[nom]["banks"]:
            mo.xfer(r.choice(w.shops), w.pmeta[nom]["banks"][0], 420000, I.rand_dt(r, I.T0, I.T1), memo="工资")
    w.notes.extend(notes)
