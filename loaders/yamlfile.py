"""Read a small YAML settings file (case.yaml, a mapping profile) into a pydantic model, with
every problem at its line: bad text, bad YAML, a key given twice, a value the model refuses.

>>> from pydantic import BaseModel
>>> class Settings(BaseModel):
...     case_id: str
...     limit: int = 1
>>> settings, node, problems = read_yaml_model("x.yaml", b"case_id: A\\nlimit: many\\n", Settings)
>>> [str(p) for p in problems]
['x.yaml:2:1: limit: Input should be a valid integer, unable to parse string as an integer']
"""

from __future__ import annotations

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .problems import Problem

Model = TypeVar("Model", bound=BaseModel)


def read_yaml_model(file: str, data: bytes, model: type[Model], *,
                    expected: str = "a mapping of settings") -> tuple[Model | None, yaml.Node | None, list[Problem]]:
    """The model read from ``data`` (UTF-8 YAML), its YAML node tree, and the problems found.

    The model is None when there is any problem; the node is kept when the YAML itself could
    be read, so callers can place later problems (:func:`yaml_position`).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, None, [Problem(file, line, column, "not valid UTF-8 text (YAML settings files are UTF-8)")]
    try:
        node, content = _composed_and_constructed(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, None, [Problem(file, line, column, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")]
    except RecursionError:
        return None, None, [Problem(file, 1, 1, "not valid YAML: nested too deeply")]
    problems = _duplicate_keys(file, node)
    if not isinstance(content, dict):
        return None, node, problems + [Problem(file, 1, 1, f"expected {expected}")]
    try:
        settings = model.model_validate(content)
    except ValidationError as exc:
        for error in exc.errors():
            line, column = yaml_position(node, error["loc"])
            where = ".".join(str(part) for part in error["loc"] if part != "[key]")
            problems.append(Problem(file, line, column, f"{where}: {error['msg']}"))
        return None, node, problems
    return (None if problems else settings), node, problems


# libyaml's parser where PyYAML was built with it (its wheels are): 5-10x faster, and it refuses
# nesting deeper than 1,000 levels itself; the pure-Python one raises RecursionError there.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _composed_and_constructed(text: str) -> tuple[yaml.Node | None, object]:
    """The YAML node tree of ``text`` (for positions) and the values built from that same tree
    (what ``yaml.safe_load`` gives): the text is parsed once."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _duplicate_keys(file: str, node: yaml.Node | None) -> list[Problem]:
    """A key given twice in one mapping: YAML keeps the last silently, we report it."""
    problems: list[Problem] = []
    pending = [node] if node is not None else []
    seen: set[int] = set()  # an alias may make the tree a graph, even a cycle
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in first_line:
                        message = f"key {key.value!r} given twice (first on line {first_line[key.value]})"
                        problems.append(Problem(file, key.start_mark.line + 1, key.start_mark.column + 1, message))
                    else:
                        first_line[key.value] = key.start_mark.line + 1
                pending.append(value)
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
    return problems


def yaml_position(node: yaml.Node | None, loc) -> tuple[int, int]:
    """Line and column of the YAML key (or list item) at ``loc``, or of the nearest enclosing one."""
    position = (1, 1)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    position = (key.start_mark.line + 1, key.start_mark.column + 1)
                    node = value
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            position = (node.start_mark.line + 1, node.start_mark.column + 1)
        else:
            break
    return position
