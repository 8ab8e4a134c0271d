"""The check registry: every audit rule registers itself here under a stable code.

A check is a function ``(ctx: Context) -> Iterable[Finding]`` decorated with
:func:`rule`. The registry keeps code, default severity, family, a one-line
title, the source of the rule and the docstring, so ``docs/audit.md``, the CLI's
``--select`` and the renderers all read the same table. No ``if`` chains over
names anywhere: :func:`jixiao.audit.check` simply runs every selected entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jixiao.model import Finding

FAMILIES = {"1": "arithmetic", "2": "logic", "3": "quality", "4": "figures"}


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    title: str
    severity: str
    source: str
    func: Callable[..., Iterable[Finding]]
    needs_doc: bool = False
    example: str = ""

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[2:3], "other")

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


REGISTRY: dict[str, Rule] = {}


def rule(code: str, title: str, *, severity: str, source: str, needs_doc: bool = False, example: str = ""):
    """Register a check under ``code`` (``JX1xx`` arithmetic, ``JX2xx`` logic, ``JX3xx`` quality, ``JX4xx`` figures)."""

    def deco(func: Callable[..., Iterable[Finding]]):
        if code in REGISTRY:
            raise ValueError(f"duplicate check code {code}")
        REGISTRY[code] = Rule(code, title, severity, source, func, needs_doc, example)
        return func

    return deco


def selected(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[Rule]:
    """The rules chosen by ruff-style code prefixes (``JX1`` = all arithmetic, ``ALL`` = everything)."""
    sel = [s.strip().upper() for s in (select or []) if s.strip()]
    ign = [s.strip().upper() for s in (ignore or []) if s.strip()]

    def match(code: str, prefixes: list[str]) -> bool:
        return any(p == "ALL" or code.startswith(p) for p in prefixes)

    out = []
    for code in sorted(REGISTRY):
        if sel and not match(code, sel):
            continue
        if ign and match(code, ign):
            continue
        out.append(REGISTRY[code])
    return out
