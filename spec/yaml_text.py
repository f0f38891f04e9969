"""Additions to a YAML file made in its text, so that the rest stays byte for byte.

A round trip through a YAML library rewrites what it does not model (ruamel.yaml, the
best at it, still re-indented 5 nested sequences of the spec, 10 changed lines, and took
about 340 ms); here the file is composed once with PyYAML's C loader (~12 ms), which gives
each node's line and column, and each addition is inserted as new lines at its node,
indented like its siblings, in the file's style (sequences indented under their key,
long descriptions folded with ``>-``). Nothing is ever changed or removed: a diff of the
result has added lines only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: The longest line the file's own descriptions run to before they are folded.
LINE_WIDTH = 88
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Folded(str):
    """A string emitted as a folded block (``>-``)."""

    __slots__ = ()


def _indented_dumper(fold_over: int) -> type[yaml.SafeDumper]:
    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            # The file's style: a sequence is indented under its key.
            super().increase_indent(flow, False)

        def represent_str(self, data: str) -> yaml.ScalarNode:
            if isinstance(data, Folded) or (len(data) > fold_over and "\n" not in data):
                return self.represent_scalar("tag:yaml.org,2002:str", str(data), style=">")
            return super().represent_str(data)

    Dumper.add_representer(str, Dumper.represent_str)
    Dumper.add_representer(Folded, Dumper.represent_str)
    return Dumper


def dump_block(value: dict[str, Any], column: int) -> list[str]:
    """``value`` as block YAML lines in the file's style, indented by ``column``."""
    # PyYAML breaks a folded line at the first space past the width: keep a word's room.
    width = max(40, LINE_WIDTH - column - 12)
    text = yaml.dump(
        value,
        Dumper=_indented_dumper(fold_over=max(30, width - 24)),
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=width,
        indent=2,
    )
    return [" " * column + line if line else line for line in text.splitlines()]


def dump_scalar(value: Any) -> str:
    """``value`` as a one-line YAML scalar (quoted when plain would read otherwise)."""
    text = yaml.safe_dump([value], default_flow_style=False, allow_unicode=True, width=10_000)
    return text.removeprefix("- ").rstrip("\n")


def _get(node: Node, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            found: Node = value_node
            return found
    return None


def _last_line(node: Node) -> int:
    """The last line (0-based) that belongs to ``node``."""
    if isinstance(node, MappingNode | SequenceNode) and node.value and not node.flow_style:
        last = node.value[-1]
        return _last_line(last[1] if isinstance(node, MappingNode) else last)
    end = node.end_mark
    return end.line - 1 if end.column == 0 else end.line


def _is_block_mapping(node: Node | None) -> bool:
    return isinstance(node, MappingNode) and bool(node.value) and not node.flow_style


@dataclass(slots=True)
class _Entry:
    key: str
    value: Any
    line: int
    column: int


@dataclass
class YamlText:
    """A YAML file's text and the additions planned for it.

    Attributes:
        text: The original text.
    """

    text: str
    _root: Node = field(init=False, repr=False)
    _lines: list[str] = field(init=False, repr=False)
    _entries: dict[tuple[int, int, str], _Entry] = field(default_factory=dict, repr=False)
    _items: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        """Compose the text (its nodes know their lines)."""
        root = yaml.compose(self.text, Loader=_LOADER)
        if root is None:
            raise ValueError("the YAML text is empty")
        self._root = root
        self._lines = self.text.splitlines(keepends=True)

    def node(self, pointer: Sequence[str]) -> Node | None:
        """The node at ``pointer`` (keys from the root), or None."""
        node: Node | None = self._root
        for part in pointer:
            node = _get(node, part) if node is not None else None
        return node

    def add(
        self,
        pointer: Sequence[str],
        key: str,
        value: Any,
        *,
        numeric_order: bool = False,
        before: str | None = None,
    ) -> bool:
        """Plan ``key: value`` in the mapping at ``pointer``; the keys of ``pointer`` that
        do not exist yet are created on the way.

        Args:
            pointer: The mapping's keys from the root.
            key: The new key (refused when it exists).
            value: Its value (mappings, sequences, scalars).
            numeric_order: Place it before the first sibling with a greater number
                (status codes), else last.
            before: When a key is created in an existing mapping, place it before this
                sibling if there is one (``headers`` before ``content``).

        Returns:
            Whether it could be planned (False: the place is not a block mapping, or the
            key is there already).
        """
        node: Node = self._root
        depth = 0
        for part in pointer:
            child = _get(node, part)
            if child is None:
                break
            node, depth = child, depth + 1
        rest = [*pointer[depth:], key]
        if not isinstance(node, MappingNode) or not _is_block_mapping(node):
            return False
        if len(rest) == 1 and _get(node, key) is not None:
            return False
        nested: Any = value
        for part in reversed(rest[1:]):
            nested = {part: nested}
        top = rest[0]
        line = self._place(node, top, numeric_order and len(rest) == 1, before)
        column = node.value[0][0].start_mark.column
        slot = (line, column, top)
        planned = self._entries.get(slot)
        if planned is None:
            self._entries[slot] = _Entry(top, nested, line, column)
            return True
        return _merge(planned.value, nested)

    def _place(self, node: MappingNode, key: str, numeric: bool, before: str | None) -> int:
        for key_node, _ in node.value:
            name = str(key_node.value)
            if numeric and name.isdigit() and key.isdigit() and int(name) > int(key):
                return int(key_node.start_mark.line)
            if before is not None and name == before:
                return int(key_node.start_mark.line)
        return _last_line(node) + 1

    def append(self, pointer: Sequence[str], value: Any, comment: str = "") -> bool:
        """Plan ``value`` as the last item of the block sequence at ``pointer``, with a
        trailing comment.

        Returns:
            Whether it could be planned (False: no block sequence there).
        """
        node = self.node(pointer)
        if not isinstance(node, SequenceNode) or not node.value or node.flow_style:
            return False
        first = node.value[0].start_mark
        dash = self._lines[first.line][: first.column].rstrip()
        if not dash.endswith("-"):
            return False
        line = f"{' ' * (len(dash) - 1)}- {dump_scalar(value)}"
        if comment:
            line += "  # " + " ".join(comment.split())
        self._items.setdefault(_last_line(node) + 1, []).append(line)
        return True

    def result(self) -> str:
        """The text with every planned addition, nothing else changed."""
        newline = "\r\n" if self._lines and self._lines[0].endswith("\r\n") else "\n"
        inserts: dict[int, list[str]] = {}
        for entry in self._entries.values():
            block = dump_block({entry.key: entry.value}, entry.column)
            inserts.setdefault(entry.line, []).extend(block)
        for line, items in self._items.items():
            inserts.setdefault(line, []).extend(items)
        lines = list(self._lines)
        if lines and not lines[-1].endswith(("\n", "\r")) and max(inserts, default=0) >= len(lines):
            lines[-1] += newline  # an addition after a last line without its newline
        for index in sorted(inserts, reverse=True):
            lines[index:index] = [text + newline for text in inserts[index]]
        return "".join(lines)


def _merge(into: Any, more: Any) -> bool:
    """Fold the mapping ``more`` into ``into``; False when a key would be set twice."""
    if not isinstance(into, dict) or not isinstance(more, dict):
        return False
    for key, value in more.items():
        if key not in into:
            into[key] = value
        elif not _merge(into[key], value):
            return False
    return True
