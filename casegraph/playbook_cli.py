"""`casegraph playbook`: list, show, run and export the investigators' Cypher playbooks.

Exit codes: 0 ok, 2 usage error (unknown playbook or parameter, a value of the wrong type,
a query the server refuses), 3 the graph database is unreachable.
"""

from __future__ import annotations

import json
import math
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import typer
from rich.table import Table as RichTable

from casegraph.neo4j_session import EXIT_USAGE, neo4j_driver, settings_for
from casegraph.progress import plain_console

if TYPE_CHECKING:  # pandas is imported where used: every command imports this module, `--help` too
    import pandas as pd

playbook_app = typer.Typer(no_args_is_help=True, add_completion=False)
console = plain_console(width=None if sys.stdout.isatty() else 160)
errors = plain_console(stderr=True)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _usage_error(message: str) -> typer.Exit:
    errors.print(f"error: {message}", highlight=False)
    return typer.Exit(EXIT_USAGE)


def _plain(value: Any, money: bool) -> Any:
    """A JSON-ready value: Neo4j dates and times as ISO text, fen as 2-decimal CNY text."""
    if isinstance(value, list):
        return [_plain(v, money) for v in value]
    if money and isinstance(value, int) and not isinstance(value, bool):
        from casegraph.money import format_fen

        return format_fen(value)
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as investigators read them: ``*_fen`` columns become CNY with two decimals
    (``deposits_fen`` → ``deposits``), times ISO text, a missing value None (JSON's null)."""
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        money = column.endswith("_fen")
        name = column[: -len("_fen")] if money else column
        # Python values as they are (ints stay ints beside None): a list would be inferred again.
        values = frame[column].astype(object)
        out[name] = pd.Series([_plain(v, money) for v in values.where(values.notna(), None)], index=frame.index,
                              dtype=object)
    return out


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _print(frame: pd.DataFrame, output: OutputFormat, title: str | None = None) -> None:
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(frame.to_dict("records"), ensure_ascii=False, indent=1) + "\n")
        return
    text = frame.map(_cell) if len(frame) else frame
    if output is OutputFormat.csv:
        text.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    view = RichTable(title=title)
    for column in text.columns:
        view.add_column(column, overflow="fold")
    for row in text.itertuples(index=False):
        view.add_row(*row)
    console.print(view)
    console.print(f"{len(frame)} row(s)")


def _parameters(pairs: List[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise _usage_error(f"-p takes key=value, got {pair!r}")
        values[name.strip()] = value
    return values


@playbook_app.command("list")
def list_playbooks(
    search: Optional[str] = typer.Option(None, "--search", help="Only playbooks mentioning this word (any language)."),
    category: Optional[str] = typer.Option(None, "--category", help="Only this category."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, csv or json."),
) -> None:
    """The playbooks, with their parameters (name:type; ? = optional)."""
    from casegraph.queries.playbooks import catalogue
    from casegraph.queries.playbooks import search as find

    _print(catalogue(find(search, category)), output, "casegraph playbooks")


@playbook_app.command("show")
def show(name: str = typer.Argument(..., help="Playbook name or id.")) -> None:
    """Print a playbook's file: header, Browser parameters and query, ready to paste."""
    from casegraph.queries.playbooks import PlaybookError, playbook

    try:
        sys.stdout.write(playbook(name).query)
    except PlaybookError as exc:
        raise _usage_error(str(exc)) from None


@playbook_app.command("run")
def run(
    name: str = typer.Argument(..., help="Playbook name or id."),
    *,
    param: List[str] = typer.Option([], "--param", "-p", help="A parameter as key=value (repeat)."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, csv or json."),
    uri: Optional[str] = typer.Option(None, help="Bolt URI (default: NEO4J_URI, else the local server)."),
    user: Optional[str] = typer.Option(None, help="User (default: NEO4J_USER, else neo4j)."),
    password: Optional[str] = typer.Option(None, help="Password (default: NEO4J_PASSWORD, else the local file).",
                                           show_default=False),
    database: Optional[str] = typer.Option(None, help="Database (default: the server's default)."),
) -> None:
    """Run a playbook against Neo4j with bound parameters; money printed in CNY."""
    import neo4j

    from casegraph.queries.playbooks import PlaybookError, playbook
    from casegraph.queries.playbooks import run as run_playbook

    values = _parameters(param)
    try:
        book = playbook(name)
        book.bind(values)  # refuse bad parameters before connecting
    except PlaybookError as exc:
        raise _usage_error(str(exc)) from None
    with neo4j_driver(settings_for(uri, user, password)) as driver:
        try:
            frame = run_playbook(driver, book.name, values, database=database)
        except neo4j.exceptions.ClientError as exc:
            raise _usage_error(f"{book.name}: the server refused the query: {exc.message}") from None
    _print(readable(frame), output, book.title)


@playbook_app.command("export")
def export(
    out: Path = typer.Option(Path("casegraph-playbooks.zip"), "--out",
                             help="Zip to write; drop it on the Neo4j Browser window to import it as favourites."),
) -> None:
    """Write every playbook as Neo4j Browser favourites, one folder per category."""
    from casegraph.outputs.favourites import write_browser_favourites
    from casegraph.queries.playbooks import library

    write_browser_favourites(out)
    console.print(f"wrote {out} ({len(library())} playbooks): drag it onto the Neo4j Browser window; "
                  "they appear under Favorites (the star)")
