"""YAML 1.2 documents read with positions, and pydantic errors mapped back to file:line:column.

ruamel.yaml's round-trip loader builds only plain maps, lists and scalars (no arbitrary objects) and
remembers where each key and value stood, which is what an analyst's editor needs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

from monitor.errors import RuleProblem


def read_text(path: Path, display: str) -> tuple[str | None, list[RuleProblem]]:
    """The file's text, or why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [RuleProblem(display, 1, 1, f"not UTF-8 text: {exc.reason} at byte {exc.start}")]
    except OSError as exc:
        return None, [RuleProblem(display, 1, 1, f"cannot read the file: {exc.strerror}")]


MAX_DEPTH = 64
"""Deepest nesting of lists and maps a rule file may use; real files use five or six levels. The loaders
build documents recursively (the C one can overflow the process's stack), so depth is checked first."""


def nesting_problem(text: str, display: str) -> list[RuleProblem]:
    """A problem at the first list or map that opens deeper than MAX_DEPTH, found by libyaml's event
    parser, which keeps its own stack and never recurses; syntax errors are left to the loaders."""
    depth = 0
    try:
        for event in YAML(typ="safe", pure=False).parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return [RuleProblem(display, mark.line + 1, mark.column + 1,
                                        f"YAML nested deeper than {MAX_DEPTH} levels")]
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        pass
    return []


def load_fast(text: str) -> Any:
    """Plain data from YAML text with the C loader (no positions); raises on any YAML problem."""
    yaml = YAML(typ="safe", pure=False)
    yaml.allow_duplicate_keys = False
    return yaml.load(text)


def load_positioned(text: str, display: str) -> tuple[Any, list[RuleProblem]]:
    """The document in `text` with positions, or its syntax problems located."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text), []
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [RuleProblem(display, line, column, f"YAML syntax: {plain_syntax_problem(problem)}")]
    except YAMLError as exc:
        return None, [RuleProblem(display, 1, 1, f"YAML syntax: {exc}")]
    except RecursionError:
        return None, [RuleProblem(display, 1, 1, "YAML nested too deeply")]


_PLAIN_SYNTAX = [
    (re.compile(r'duplicate key "(?P<key>[^"]*)"'), "the key '{key}' appears twice; keep one"),
    (re.compile(r"flow sequence expected ','"), "a list opened with [ is not closed with ]"),
    (re.compile(r"flow mapping expected ','"), "a map opened with { is not closed with }"),
    (re.compile(r"quoted scalar found unexpected end"), "a quoted text is not closed; add the closing quote"),
    (re.compile(r"character '\\t'"), "a tab character; indent with spaces"),
    (re.compile(r"mapping values are not allowed here"),
     "unexpected ':'; put a text holding ': ' in quotes, or check the indentation of this line"),
    (re.compile(r"could not find expected ':'"), "a line without 'key:'; add the colon or indent the line"),
    (re.compile(r"expected <block end>"), "this line is not indented like the lines it belongs with"),
    (re.compile(r"undefined alias '(?P<key>[^']*)'"),
     "'*{key}' refers to nothing; put a text starting with * in quotes"),
]


def plain_syntax_problem(problem: str) -> str:
    """The YAML parser's message said in an analyst's words (the parser's own when it is not a common one)."""
    for pattern, plain in _PLAIN_SYNTAX:
        found = pattern.search(problem)
        if found:
            return plain.format(**found.groupdict())
    return problem


def field_path(loc: Sequence[int | str]) -> str:
    """A field's place for an analyst: keys joined by dots, list entries counted from 1 (`examples.1.label`)."""
    return ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in loc)


def position(node: Any, loc: Sequence[int | str]) -> tuple[int, int]:
    """1-based line and column of the deepest part of `loc` found in the loaded document."""
    line, column = 1, 1
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line, column = node.lc.value(part) if _is_scalar(node[part]) else node.lc.key(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, column = node.lc.item(part)
            node = node[part]
        else:
            break
        line, column = line + 1, column + 1
    return line, column


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, CommentedMap | CommentedSeq)


def describe_errors(exc: ValidationError, document: Any, display: str, model: type[BaseModel],
                    prefix: Sequence[int | str] = ()) -> list[RuleProblem]:
    """Every pydantic error as a RuleProblem naming the field, with a "did you mean" for unknown keys."""
    problems = []
    for error in exc.errors():
        loc = [*prefix, *error["loc"]]
        field = field_path(loc) or "document"
        if error["type"] == "extra_forbidden":
            *parent, key = loc
            line, column = _key_position(document, parent, key)
            known = _fields_at(model, list(error["loc"])[:-1])
            hint = difflib.get_close_matches(str(key), known, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(known)}"
            problems.append(RuleProblem(display, line, column, f"{field}: unknown key{suggestion}"))
            continue
        line, column = position(document, loc)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "required field is missing"
        problems.append(RuleProblem(display, line, column, f"{field}: {message}"))
    return problems


def _key_position(document: Any, parent: Sequence[int | str], key: int | str) -> tuple[int, int]:
    node = document
    for part in parent:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return position(document, parent)
    if isinstance(node, CommentedMap) and key in node:
        line, column = node.lc.key(key)
        return line + 1, column + 1
    return position(document, parent)


def _fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Field names (aliases where set) of the model reached by following `loc` through `model`."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = (current.model_fields.get(str(part))
                 if isinstance(current, type) and issubclass(current, BaseModel) else None)
        if field is None:
            return []
        current = _model_in(field.annotation)
        if current is None:
            return []
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return []
    return sorted(f.alias or name for name, f in current.model_fields.items())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
