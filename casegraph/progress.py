"""What a long command shows while it works: one line per step.

On a terminal each step is a live line (spinner, a bar when the step knows how much work it
has, the time it has taken); elsewhere (a log, CI) each step writes one plain line when it
ends, never carriage-return frames; ``quiet`` shows nothing. Steps are reported on standard
error, so standard output stays the command's own.

>>> progress = Progress(quiet=True)
>>> with progress.step("reading ledger.csv", total=3) as advance:
...     for _ in range(3):
...         advance(1)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as LiveLines


def plain_console(**options) -> Console:
    """A rich console that prints text as it is given, for every command's output: case data,
    paths and ``file:line:column`` problems are no markup (``[/x]`` would raise, ``[b]`` vanish)
    and hold no emoji codes (rich made ``ledger.csv:100:3`` ``ledger.csv💯3``).

    >>> plain_console(width=40).print("ledger.csv:100:3: [/x] :smile:")
    ledger.csv:100:3: [/x] :smile:
    """
    return Console(markup=False, emoji=False, **options)


class Progress:
    """Reports the steps of one command (see the module)."""

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self._live: LiveLines | None = None
        if not quiet and self.stream.isatty():
            self._live = LiveLines(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                                   MofNCompleteColumn(), TimeElapsedColumn(), console=plain_console(file=self.stream))

    @contextmanager
    def step(self, description: str, *, total: int | None = None) -> Iterator[Callable[[int], None]]:
        """One step of the work; yields ``advance(n)`` for steps that count their work."""
        started = time.perf_counter()
        if self._live is None:
            yield _ignore
            if not self.quiet:
                print(f"{description}: {time.perf_counter() - started:.1f} s", file=self.stream, flush=True)
            return
        if not self._live.live.is_started:
            self._live.start()
        task = self._live.add_task(description, total=total)
        try:
            yield lambda n: self._live.advance(task, n)
        finally:
            done = self._live.tasks[task].completed if total is not None else 1
            self._live.update(task, total=total or done or 1, completed=total or done or 1)

    def close(self) -> None:
        """End the live lines (a terminal gets its cursor back below them)."""
        if self._live is not None and self._live.live.is_started:
            self._live.stop()


SILENT = Progress(quiet=True)


def _ignore(_: int) -> None:
    """The ``advance`` of a step nobody watches."""
