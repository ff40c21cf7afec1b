"""YAML to plain data, remembering the line of every key and item, never raising a traceback."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import yaml

from ..errors import Problem


class LineDict(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    lines: dict

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A list that knows its own line and the line of each item."""

    line: int = 0
    lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it


class _Loader(_Base):
    """SafeLoader that records lines, reports duplicate keys and keeps bad dates as strings."""

    def __init__(self, stream, path: str):
        super().__init__(stream)
        self.path = path
        self.problems: list[Problem] = []

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                self.problems.append(Problem(f"{self.path}:{key_node.start_mark.line + 1}", str(key),
                                             "a mapping key must be a plain value"))
                continue
            if key in out:
                self.problems.append(Problem(f"{self.path}:{key_node.start_mark.line + 1}", str(key),
                                             f"duplicate key (first at line {out.lines[key]}); keep one"))
            out[key] = self.construct_object(value_node, deep=True)
            out.lines[key] = value_node.start_mark.line + 1 if not isinstance(
                value_node, (yaml.MappingNode, yaml.SequenceNode)) else key_node.start_mark.line + 1
        return out

    def construct_sequence(self, node, deep=False):
        out = LineList(self.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.lines = [child.start_mark.line + 1 for child in node.value]
        return out

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)  # validation reports it as "not a date"


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def load(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parses ``text``; returns (data, problems). A syntax error is one problem with its line."""
    loader = _Loader(text, path)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        return None, [Problem(f"{path}:{line}", "yaml", f"{e.problem or e}".strip())]
    except yaml.YAMLError as e:
        return None, [Problem(f"{path}:1", "yaml", str(e).strip())]
    finally:
        loader.dispose()
    return data, loader.problems


def read(path: str) -> tuple[Any, list[Problem]]:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        return None, [Problem(f"{path}:0", "roster", f"cannot read the file: {e.strerror or e}")]
    except UnicodeDecodeError:
        return None, [Problem(f"{path}:0", "roster", "the file is not UTF-8 text")]
    return load(text, path)


def is_date(value: Any) -> bool:
    return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
