"""A case folder read, checked and typed: the one entry point every engine loads through.

>>> case = load_case("examples/tiny")            # doctest: +SKIP
>>> case["ledger"][["entry_id", "kind", "amount"]].head()   # amount in integer fen
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from pydantic import ValidationError
from tqdm import tqdm

from casegraph.config import CaseConfig

from . import validate
from .problems import InvalidCase, Problem
from .profiles import MappingProfile, ProfileError
from .read import LINE, RawTable, empty_table, parse_table, read_raw
from .tables import TABLES

CASE_FILE = "case.yaml"


@dataclass
class Case:
    """Parsed tables (money in integer fen, timestamps in UTC) and the case configuration."""

    path: Path
    config: CaseConfig
    tables: dict[str, pd.DataFrame]
    encodings: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def row_counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}


def read_config(case_dir: Path, problems: list[Problem]) -> CaseConfig | None:
    path = case_dir / CASE_FILE
    if not path.is_file():
        problems.append(Problem(CASE_FILE, 1, 1, "required file is missing"))
        return None
    try:
        node = yaml.compose(path.read_text(encoding="utf-8-sig"))
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        problems.append(Problem(CASE_FILE, 1, 1, "not valid UTF-8 text"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(CASE_FILE, line, column, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(CASE_FILE, 1, 1, "expected a mapping of keys such as case_id"))
        return None
    try:
        return CaseConfig.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            line, column = _yaml_position(node, error["loc"])
            where = ".".join(str(part) for part in error["loc"])
            problems.append(Problem(CASE_FILE, line, column, f"{where}: {error['msg']}"))
        return None


def _yaml_position(node, loc) -> tuple[int, int]:
    """Line and column of the YAML key at ``loc``, or of the nearest enclosing one."""
    position = (1, 1)
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key, value in node.value:
            if key.value == str(part):
                position = (key.start_mark.line + 1, key.start_mark.column + 1)
                node = value
                break
        else:
            break
    return position


def read_case(case_dir: str | Path, progress: bool = False) -> tuple[Case | None, list[Problem]]:
    """Read and check a case folder; returns the case (None when invalid) and every problem."""
    case_dir = Path(case_dir)
    problems: list[Problem] = []
    if not case_dir.is_dir():
        return None, [Problem(str(case_dir), 1, 1, "not a case folder (no such directory)")]
    config = read_config(case_dir, problems)
    timezone = config.timezone if config else "Asia/Shanghai"
    try:
        profile = MappingProfile.load(config.mapping_profiles if config else ["zh"], case_dir)
    except ProfileError as exc:
        problems.append(Problem(CASE_FILE, 1, 1, str(exc)))
        profile = MappingProfile()

    raws: dict[str, RawTable] = {}
    tables: dict[str, pd.DataFrame] = {}
    for table in tqdm(TABLES, desc="reading", unit="table", disable=not progress):
        path = case_dir / table.file
        if not path.is_file():
            if table.required:
                problems.append(Problem(table.file, 1, 1, "required file is missing"))
            tables[table.name] = empty_table(table)
            continue
        raw = read_raw(path, table, profile, problems)
        if raw is None:
            tables[table.name] = empty_table(table)
            continue
        parsed = parse_table(raw, table, timezone, problems)
        if parsed is None:
            tables[table.name] = empty_table(table)
            continue
        if table.required and parsed.empty:
            problems.append(Problem(table.file, 1, 1, "no rows: the file has a header but no data"))
        raws[table.name], tables[table.name] = raw, parsed

    validate.check_case(tables, raws, problems, timezone)
    # Logins have no id of their own: the source line names each one, stably across re-runs.
    tables["logins"]["login_id"] = "login:" + tables["logins"][LINE].astype(str)
    if problems or config is None:
        return None, sorted(set(problems))
    encodings = {name: raw.encoding for name, raw in raws.items()}
    return Case(case_dir, config, tables, encodings), []


def load_case(case_dir: str | Path, progress: bool = False) -> Case:
    """Read a valid case folder or raise :class:`InvalidCase` with every problem found."""
    case, problems = read_case(case_dir, progress=progress)
    if case is None:
        raise InvalidCase(problems)
    return case
