"""The investigators' Cypher playbooks: one ``.cypher`` file per question, as data.

Each file in ``queries/playbooks/`` is a query that runs unchanged in Neo4j Browser,
cypher-shell and the driver. Its leading ``//`` comment lines are the header: the first is
the title (Browser names a favourite after it), the rest is YAML::

    // Chain from a vendor to every operator gang
    // id: CG-CHAIN-01
    // name: vendor_chain
    // category: chain
    // version: 1
    // description:
    //   en: Every licence the vendor sold, the platform it created, the gang that runs it.
    //   zh: 软件开发者售出的每个授权、其创建的平台以及运营该平台的团伙。
    // params:
    //   vendor_id: {type: string, example: V001, description: the vendor}
    // columns: [license_id, platform_id, gang_id]
    // Browser: :param vendor_id => 'V001'
    MATCH (v:Vendor {id: $vendor_id}) ...

Parameters are always bound (``$name``), never pasted into the text, so an id such as
``x' OR 1=1 //`` is only ever a value. Money comes back as integer fen in ``*_fen`` columns.

>>> book = playbook("vendor_chain")                               # doctest: +SKIP
>>> run(driver, "vendor_chain", vendor_id="V001").head()          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .neo4j.runner import result_frame

PLAYBOOK_DIR = Path(__file__).with_name("playbooks")
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "1"}, {"false", "no", "0"}


class PlaybookError(ValueError):
    """A playbook that cannot be found, read or given these parameters (a usage error)."""


class Param(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["string", "integer", "boolean"]
    example: Any
    description: str
    # A parameter with a default may be left out; `null` means "any" in the query.
    default: Any = None
    required: bool = True


class Description(BaseModel):
    model_config = ConfigDict(extra="forbid")

    en: str
    zh: str


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: str
    version: int
    description: Description
    params: dict[str, Param] = {}
    columns: list[str]


@dataclass(frozen=True)
class Playbook:
    title: str
    header: Header
    query: str  # the whole file: what Browser and cypher-shell are given
    path: Path

    @property
    def name(self) -> str:
        return self.header.name

    def bind(self, values: dict[str, Any]) -> dict[str, Any]:
        """The parameters to send: ``values`` (strings from the command line, or Python values)
        converted to each parameter's type, defaults filled in; unknown or missing ones refused."""
        unknown = sorted(set(values) - set(self.header.params))
        if unknown:
            raise PlaybookError(f"{self.name}: unknown parameter(s) {', '.join(unknown)} "
                                f"(it takes {', '.join(self.header.params) or 'none'})")
        bound = {}
        for name, param in self.header.params.items():
            if name in values:
                bound[name] = _converted(self.name, name, param, values[name])
            elif param.required:
                raise PlaybookError(f"{self.name}: missing parameter {name} ({param.type}, "
                                    f"e.g. -p {name}={param.example})")
            else:
                bound[name] = param.default
        return bound


def _converted(book: str, name: str, param: Param, value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    if param.type == "integer":
        try:
            return int(value.replace("_", ""))
        except ValueError:
            raise PlaybookError(f"{book}: parameter {name} must be an integer, got {value!r}") from None
    if param.type == "boolean":
        if value.lower() in TRUE_WORDS | FALSE_WORDS:
            return value.lower() in TRUE_WORDS
        raise PlaybookError(f"{book}: parameter {name} must be true or false, got {value!r}")
    return value


def parse_playbook(path: Path) -> Playbook:
    """Read one ``.cypher`` file; a malformed header is a :class:`PlaybookError` naming the file."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    comments = []
    for line in lines:
        if not line.startswith("//"):
            break
        comments.append(line[3:] if line.startswith("// ") else line[2:])
    # The header's YAML ends where the Browser hint (":param …") or the query begins.
    yaml_lines = [c for c in comments[1:] if not c.startswith(("Browser:", "cypher-shell:"))]
    try:
        header = Header.model_validate(yaml.safe_load("\n".join(yaml_lines)))
    except (yaml.YAMLError, ValidationError) as exc:
        raise PlaybookError(f"{path}: bad header: {exc}") from None
    if not comments or len(comments) == len(lines):
        raise PlaybookError(f"{path}: a title comment and a query are required")
    if path.stem != header.name:
        raise PlaybookError(f"{path}: the file must be named after the playbook ({header.name}.cypher)")
    return Playbook(comments[0].strip(), header, text, path)


@lru_cache(maxsize=4)
def library(folder: Path = PLAYBOOK_DIR) -> tuple[Playbook, ...]:
    """Every playbook in ``folder``, by category then name."""
    books = [parse_playbook(path) for path in sorted(folder.glob("*.cypher"))]
    return tuple(sorted(books, key=lambda b: (b.header.category, b.name)))


def playbook(name: str) -> Playbook:
    """The playbook with this name or id."""
    for book in library():
        if name in (book.name, book.header.id):
            return book
    raise PlaybookError(f"no playbook named {name!r} (see `casegraph playbook list`)")


def search(word: str | None = None, category: str | None = None) -> list[Playbook]:
    """Playbooks whose id, name, title, descriptions or columns contain ``word`` (any case),
    in ``category`` when given."""
    found = []
    for book in library():
        header = book.header
        haystack = " ".join([header.id, header.name, book.title, header.description.en,
                             header.description.zh, *header.columns, *header.params]).lower()
        if (word is None or word.lower() in haystack) and (category is None or header.category == category):
            found.append(book)
    return found


def catalogue(books: list[Playbook]) -> pd.DataFrame:
    """One row per playbook: what ``casegraph playbook list`` prints."""
    return pd.DataFrame([{
        "id": b.header.id, "name": b.name, "category": b.header.category, "version": b.header.version,
        "title": b.title, "params": ", ".join(f"{n}:{p.type}" + ("" if p.required else "?")
                                              for n, p in b.header.params.items()),
        "description_zh": b.header.description.zh,
    } for b in books], columns=["id", "name", "category", "version", "title", "params", "description_zh"])


def run(driver, name: str, params: dict[str, Any] | None = None, database: str | None = None,
        **values: Any) -> pd.DataFrame:
    """Run a playbook; its rows as a DataFrame with the header's columns.

    Parameters come as a dict or as keywords (``run(driver, "agent_tree", agent_id="A00001")``);
    strings are converted to the declared types, as on the command line.
    """
    book = playbook(name)
    bound = book.bind({**(params or {}), **values})
    records, _, keys = driver.execute_query(book.query, bound, database_=database, routing_="r")
    if keys and list(keys) != book.header.columns:
        raise PlaybookError(f"{book.path}: returns {list(keys)}, its header says {book.header.columns}")
    return result_frame([record.values() for record in records], book.header.columns)
