"""One YAML loader for text that comes from outside: size capped, anchors and aliases refused (or
held to a budget), nodes and nesting counted before anything is built.

``yaml.safe_load`` refuses arbitrary objects but still expands aliases: 700 bytes of nested ``*a``
references become a billion nodes (and minutes of one CPU). Here the event stream is scanned first —
its length is linear in the input — and the document is built only when it is within the limits.
Errors are :class:`YAMLRefused`, a ValueError whose text is ``file:line: (yaml): reason``, the same
form as the framework loader's problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

__all__ = ["YAMLLimits", "YAMLRefused", "check", "load", "compose"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class YAMLLimits:
    """``max_aliases`` 0 refuses anchors and aliases; above 0, the document as expanded must stay within
    ``max_nodes`` too."""

    max_bytes: int = 512 * 1024
    max_nodes: int = 100_000
    max_depth: int = 64
    max_aliases: int = 0


class YAMLRefused(ValueError):
    def __init__(self, name: str, line: int, reason: str):
        self.name, self.line, self.reason = name, line, reason
        super().__init__(f"{name}:{line}: (yaml): {reason}")

    def __reduce__(self) -> tuple:  # crosses from a worker process intact
        return type(self), (self.name, self.line, self.reason)


def check(text: str, name: str = "<yaml>", limits: YAMLLimits = YAMLLimits()) -> None:
    """Raise :class:`YAMLRefused` when ``text`` is over a limit; syntax errors are left to the loader."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise YAMLRefused(name, 1, f"文件过大（{size // 1024} KB），上限 {limits.max_bytes // 1024} KB")
    anchors: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor, expanded size] of each open collection
    total = aliases = 0

    def add(n: int, line: int) -> None:
        nonlocal total
        if stack:
            stack[-1][1] += n
        total += n
        if total > limits.max_nodes:
            raise YAMLRefused(name, line, f"节点过多（展开后超过 {limits.max_nodes:,} 个）")

    try:
        for event in yaml.parse(text, Loader=_Loader):
            line = event.start_mark.line + 1 if event.start_mark else 1
            anchor = getattr(event, "anchor", None)
            if anchor is not None and not limits.max_aliases:
                raise YAMLRefused(name, line, f"不允许使用 YAML 锚点和别名（&{anchor}）")
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > limits.max_aliases:
                    raise YAMLRefused(name, line, f"YAML 别名过多（超过 {limits.max_aliases} 个）")
                if event.anchor not in anchors:
                    return  # an undefined alias: the loader reports it
                add(anchors[event.anchor], line)
            elif isinstance(event, yaml.ScalarEvent):
                add(1, line)
                if anchor is not None:
                    anchors[anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                stack.append([anchor, 0])
                if len(stack) > limits.max_depth:
                    raise YAMLRefused(name, line, f"嵌套过深（超过 {limits.max_depth} 层）")
            elif isinstance(event, yaml.CollectionEndEvent):
                opened, inner = stack.pop()
                if opened is not None:
                    anchors[opened] = inner + 1
                add(1, line)
                if stack:  # the inner nodes were counted into the parent already via total
                    stack[-1][1] += inner
    except yaml.YAMLError:
        return  # the loader names the line and the problem


def load(text: str, name: str = "<yaml>", limits: YAMLLimits = YAMLLimits()) -> Any:
    """``yaml.safe_load`` within ``limits`` (C-accelerated when libyaml is there)."""
    check(text, name, limits)
    return yaml.load(text, Loader=_Loader)


def compose(text: str, name: str = "<yaml>", limits: YAMLLimits = YAMLLimits()) -> yaml.Node | None:
    """The node tree (with line marks, for loaders that report ``file:line``) within ``limits``."""
    check(text, name, limits)
    return yaml.compose(text, Loader=yaml.SafeLoader)
