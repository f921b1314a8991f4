"""YAML reading that remembers where each value came from (file and line), for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from comity.errors import DataError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MarkedDict(dict):
    """A dict that knows the 1-based line of itself and of each of its keys."""

    __slots__ = ("line", "key_lines")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class MarkedList(list):
    __slots__ = ("line", "item_lines")

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.line = 0
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class MarkedLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader producing MarkedDict / MarkedList, and refusing duplicate keys."""


def _construct_mapping(loader: MarkedLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    out = MarkedDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: MarkedLoader, node: yaml.SequenceNode) -> MarkedList:
    out = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


def _construct_timestamp(loader: MarkedLoader, node: yaml.ScalarNode) -> Any:
    # An impossible date (2023-02-30) stays a string, so that validation reports it with its field and line.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


MarkedLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlSyntaxError(DataError):
    def __init__(self, path: Path, line: int, reason: str):
        super().__init__({f"{path}:{line}": reason}, message=f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


def read_yaml(path: Path) -> Any:
    """Parse one YAML file with line marks; syntax errors become YamlSyntaxError with a line."""
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=MarkedLoader)  # noqa: S506 - MarkedLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlSyntaxError(path, line, str(exc.problem or exc)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(path, 0, str(exc)) from None
