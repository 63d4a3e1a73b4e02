"""Problems found in a case folder, reported as ``file:line:column: message``."""

from __future__ import annotations

import csv
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule. ``line`` and ``column`` are 1-based; the header is line 1.

    >>> str(Problem("ledger.csv", 12, 7, "bad money '1,000.5x'"))
    "ledger.csv:12:7: bad money '1,000.5x'"
    """

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class InvalidCase(Exception):
    """A case folder that breaks the contract; ``problems`` lists every break found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the case folder")


LINE = "_line"  # provenance column of every table read: the line of the source file a row came from


def position_in_text(text: str, offset: int) -> tuple[int, int]:
    """Line and cell (1-based CSV column) of the character at ``offset`` of CSV text.

    >>> position_in_text("a,b\\nx,\\"y,z\\",w", 13)
    (2, 3)
    """
    line = text.count("\n", 0, offset) + 1
    prefix = text[text.rfind("\n", 0, offset) + 1:offset]
    # The cells before the character, read as CSV: a quoted comma does not start a cell.
    return line, len(next(csv.reader([prefix + "x"])))
