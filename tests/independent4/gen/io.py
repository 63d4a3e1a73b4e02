"""Streaming CSV writers with per-file encoding habits (see NOTES.md)."""
import csv
import os

HABITS = {  # file -> (encoding, bom, line end)
    "ledger.csv": ("utf-8", False, "\n"),
    "trades.csv": ("utf-8", True, "\n"),
    "agents.csv": ("gb18030", False, "\r\n"),
    "memberships.csv": ("gb18030", False, "\n"),
    "accounts.csv": ("gb18030", False, "\n"),
    "persons.csv": ("utf-8", True, "\n"),
    "bank_transfers.csv": ("utf-8", False, "\r\n"),
}


class Table:
    def __init__(self, root, name, header):
        enc, bom, eol = HABITS.get(name, ("utf-8", False, "\n"))
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "w", encoding=enc, newline="")
        if bom:
            self.f.write("\ufeff")
        self.w = csv.writer(self.f, lineterminator=eol)
        self.w.writerow(header)
        self.n = 0
        self.header = header

    def row(self, r):
        self.w.writerow(r)
        self.n += 1

    def rows(self, rs):
        for r in rs:
            self.row(r)

    def close(self):
        self.f.close()


class Out:
    def __init__(self, root):
        self.root = root
        self.tables = {}
        os.makedirs(root, exist_ok=True)

    def table(self, name, header):
        t = self.tables[name] = Table(self.root, name, header)
        return t

    def close(self):
        for t in self.tables.values():
            t.close()

    def counts(self):
        return {k: t.n for k, t in sorted(self.tables.items())}
