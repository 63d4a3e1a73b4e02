"""Mapping profiles: rename raw export headers and values to the canonical case format.

A profile is a small YAML file (see ``zh.yaml`` beside this module for the shipped one):

``columns``
    raw header -> canonical column, in every table;
``tables``
    ``{table: {raw header: canonical column}}``, wins over ``columns``;
``values``
    ``{"table.column": {raw value: canonical value}}`` for enumerations (``入金`` -> ``deposit``);
``wide_amounts``
    ``{table: {raw amount column: kind}}``: a ledger export with one amount column per kind
    (``入金金额``, ``出金金额`` …) becomes one entry per filled cell, ``entry_id`` suffixed
    with ``:kind``.

A case lists the profiles it uses in ``case.yaml`` (``mapping_profiles``, default ``[zh]``):
a built-in name or a path relative to the case folder. Canonical headers pass unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

BUILTIN_DIR = Path(__file__).parent


class ProfileError(ValueError):
    """A mapping profile that cannot be found or read."""


@dataclass
class MappingProfile:
    columns: dict[str, str] = field(default_factory=dict)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    wide_amounts: dict[str, dict[str, str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, references: list[str], case_dir: Path) -> "MappingProfile":
        """Merge the named profiles in order (later ones win)."""
        merged = cls()
        for reference in references:
            path = case_dir / reference
            if not path.is_file():
                path = BUILTIN_DIR / f"{reference}.yaml"
            if not path.is_file():
                known = ", ".join(sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml")))
                raise ProfileError(f"unknown mapping profile {reference!r} (built in: {known})")
            try:
                spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ProfileError(f"mapping profile {reference!r} is not valid YAML: {exc}") from exc
            merged.columns.update(spec.get("columns") or {})
            for key in ("tables", "values", "wide_amounts"):
                for name, mapping in (spec.get(key) or {}).items():
                    getattr(merged, key).setdefault(name, {}).update(mapping or {})
            merged.names.append(str(spec.get("name", reference)))
        return merged

    def canonical_name(self, table: str, raw: str) -> str:
        return self.tables.get(table, {}).get(raw) or self.columns.get(raw) or raw

    def map_values(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        for key, mapping in self.values.items():
            table_name, _, column = key.partition(".")
            if table_name == table and column in frame.columns:
                frame[column] = frame[column].replace(mapping)
        return frame

    def melt_wide_amounts(self, table: str, frame: pd.DataFrame, positions: dict):
        """One entry per filled amount cell of a wide export; other tables pass through."""
        wide = {raw: kind for raw, kind in self.wide_amounts.get(table, {}).items() if raw in frame.columns}
        if not wide or "amount" in frame.columns:
            return frame, positions
        base = frame.drop(columns=list(wide))
        parts = []
        for raw, kind in wide.items():
            filled = frame[raw].notna()
            part = base.loc[filled].copy()
            part["kind"] = kind
            part["amount"] = frame.loc[filled, raw]
            part["_amount_column"] = positions[raw]
            if "entry_id" in part:
                part["entry_id"] = part["entry_id"] + ":" + kind
            parts.append(part)
        melted = pd.concat(parts).sort_values(["_line", "_amount_column"], kind="stable").reset_index(drop=True)
        new_positions = {k: v for k, v in positions.items() if k not in wide}
        new_positions["amount"] = melted.pop("_amount_column")
        new_positions["kind"] = new_positions["amount"]
        return melted, new_positions
