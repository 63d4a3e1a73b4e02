"""Mapping profiles: rename raw export headers and values to the canonical case format.

A profile is a small UTF-8 YAML file (see ``zh.yaml`` beside this module for the shipped one):

``columns``
    raw header -> canonical column, in every table;
``tables``
    ``{table: {raw header: canonical column}}``, wins over ``columns``;
``values``
    ``{"table.column": {raw value: canonical value}}`` for enumerations (``入金`` -> ``deposit``);
``wide_amounts``
    ``{ledger: {raw amount column: kind}}``: a ledger export with one amount column per kind
    (``入金金额``, ``出金金额`` …) becomes one entry per filled cell, ``entry_id`` suffixed
    with ``:kind``.

A case lists the profiles it uses in ``case.yaml`` (``mapping_profiles``, default ``[zh]``):
a built-in name (a bare name such as ``zh``) or the path of a ``.yaml`` file inside the case
folder; a path that leaves the folder (absolute, ``..``, or a symlink pointing out) is refused.
Every profile is checked (:class:`ProfileSpec`) and its problems reported at their line.
Canonical headers pass unchanged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ..columnar import replaced
from ..problems import LINE, Problem
from ..tables import LEDGER_KINDS, TABLES_BY_NAME
from ..yamlfile import read_yaml_model

BUILTIN_DIR = Path(__file__).parent
BUILTIN_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _whole_number_as_text(value):
    # YAML reads a raw value such as `1: deposit` as an integer; cells are text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _table_name(value: str) -> str:
    if value not in TABLES_BY_NAME:
        raise ValueError(f"unknown table {value!r} (tables: {', '.join(TABLES_BY_NAME)})")
    return value


def _table_column(value: str) -> str:
    table, _, column = value.partition(".")
    _table_name(table)
    if column not in TABLES_BY_NAME[table].column_names:
        raise ValueError(f"expected table.column such as ledger.kind, not {value!r}")
    return value


Text = Annotated[str, BeforeValidator(_whole_number_as_text)]
TableName = Annotated[str, AfterValidator(_table_name)]


class ProfileSpec(BaseModel):
    """What a mapping profile file may hold; anything else is a problem at its line."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    description: str = ""
    columns: dict[Text, Text] = Field(default_factory=dict)
    tables: dict[TableName, dict[Text, Text]] = Field(default_factory=dict)
    values: dict[Annotated[str, AfterValidator(_table_column)], dict[Text, Text]] = Field(default_factory=dict)
    # Only the ledger has an amount per kind.
    wide_amounts: dict[Literal["ledger"], dict[Text, Literal[LEDGER_KINDS]]] = Field(default_factory=dict)


@functools.lru_cache(maxsize=32)
def _profile_spec(file: str, data: bytes) -> tuple[ProfileSpec | None, tuple[Problem, ...]]:
    """A profile file's text checked (:class:`ProfileSpec`) and its problems. Kept per text: every
    case read checks the same built-in profile again (the spec is only read from, never changed)."""
    spec, _, found = read_yaml_model(file, data, ProfileSpec,
                                     expected="a mapping profile: a mapping with columns, tables, values")
    return spec, tuple(found)


@dataclass
class MappingProfile:
    columns: dict[str, str] = field(default_factory=dict)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    wide_amounts: dict[str, dict[str, str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, references: list[str], case_dir: Path, problems: list[Problem], *,
             where: Callable[[int], tuple[str, int, int]] = lambda index: ("case.yaml", 1, 1)) -> MappingProfile:
        """Merge the named profiles in order (later ones win); problems are added to ``problems``.

        ``where(i)`` is the file, line and column that names the i-th reference (in case.yaml).

        >>> MappingProfile.load(["zh"], Path("."), []).columns["客户编号"]
        'client_id'
        """
        merged = cls()
        for index, reference in enumerate(references):
            path, file, trouble = _locate(reference, case_dir)
            if trouble:
                problems.append(Problem(*where(index), trouble))
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.append(Problem(file, 1, 1, f"cannot read the mapping profile: {exc.strerror or exc}"))
                continue
            spec, found = _profile_spec(file, data)
            problems.extend(found)
            if spec is None:
                continue
            merged.columns.update(spec.columns)
            for key in ("tables", "values", "wide_amounts"):
                for name, mapping in getattr(spec, key).items():
                    getattr(merged, key).setdefault(name, {}).update(mapping)
            merged.names.append(spec.name or reference)
        return merged

    def canonical_name(self, table: str, raw: str) -> str:
        return self.tables.get(table, {}).get(raw) or self.columns.get(raw) or raw

    def map_values(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        for key, mapping in self.values.items():
            table_name, _, column = key.partition(".")
            if table_name == table and column in frame.columns:
                frame[column] = replaced(frame[column], mapping)
        return frame

    def melt_wide_amounts(self, table: str, frame: pd.DataFrame, positions: dict, problems: list[Problem]):
        """One entry per filled amount cell of a wide export; other tables pass through.

        A row with no amount in any amount column, or a raw id given twice (the suffixed ids
        would differ, so the duplicate would go unseen later), is a problem.
        """
        wide = {raw: kind for raw, kind in self.wide_amounts.get(table, {}).items() if raw in frame.columns}
        if not wide or "amount" in frame.columns:
            return frame, positions
        spec = TABLES_BY_NAME[table]
        filled = frame[list(wide)].notna()
        empty = ~filled.any(axis=1)
        for line in frame.loc[empty, LINE].tolist():
            problems.append(Problem(spec.file, int(line), positions[next(iter(wide))],
                                    f"no amount in any of {', '.join(wide)}"))
        key = spec.key
        if key in frame.columns:
            ids = frame[key]
            first_line = frame.loc[ids.notna()].drop_duplicates(key).set_index(key)[LINE]
            for value, line in frame.loc[ids.notna() & ids.duplicated(), [key, LINE]].itertuples(index=False):
                problems.append(Problem(spec.file, int(line), positions[key],
                                        f"duplicate {key} {value!r} (first on line {int(first_line[value])})"))
        base = frame.drop(columns=list(wide))
        parts = []
        for raw, kind in wide.items():
            part = base.loc[filled[raw]].copy()
            part["kind"] = kind
            part["amount"] = frame.loc[filled[raw], raw]
            part["_amount_column"] = positions[raw]
            if key in part:
                part[key] = part[key] + ":" + kind
            parts.append(part)
        melted = pd.concat(parts).sort_values([LINE, "_amount_column"], kind="stable").reset_index(drop=True)
        new_positions = {k: v for k, v in positions.items() if k not in wide}
        new_positions["amount"] = melted.pop("_amount_column")
        new_positions["kind"] = new_positions["amount"]
        return melted, new_positions


def _locate(reference: str, case_dir: Path) -> tuple[Path | None, str, str | None]:
    """The profile's path, the name its problems are reported under, and what is wrong if any."""
    if BUILTIN_NAME.fullmatch(reference):
        path = BUILTIN_DIR / f"{reference}.yaml"
        if path.is_file():
            return path, str(path), None
        known = ", ".join(sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml")))
        return None, "", (f"unknown mapping profile {reference!r} (built in: {known}; "
                          f"or the path of a .yaml file in the case folder)")
    # case.yaml refuses absolute paths and '..'; a symlink may still point out of the folder.
    root = case_dir.resolve()
    path = (case_dir / reference).resolve()
    if not path.is_relative_to(root):
        return None, "", f"mapping profile {reference!r} leads outside the case folder"
    if not path.is_file():
        return None, "", f"mapping profile {reference!r}: no such file in the case folder"
    return path, path.relative_to(root).as_posix(), None
