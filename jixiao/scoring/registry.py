"""The registry of rule kinds, and what a rule sees and answers.

Both the framework loader and the rule kinds depend on this module and on nothing of each other: a rule
kind registers its function with a pydantic model of its parameters (:class:`RuleParams`), the loader
validates a leaf's ``rule:`` mapping with that model, and the engine calls the function with a :class:`Ctx`
and gets an :class:`Outcome` that explains itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from pydantic import Field

from jixiao.yamlschema import Strict, Text

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

#: The base a budget slot stands for when it is a ratio's denominator (a framework's ratio is on that base).
SLOT_BASE = {"initial": "年初", "public_initial": "年初", "initial_basic": "年初", "initial_project": "年初",
             "adjusted": "调整后", "public_adjusted": "调整后"}


class Scale(Protocol):
    """What a rule needs of its framework: rounding, its label, and the ratio definitions."""

    ratios: Mapping[str, Any]
    rounding_label: str

    def round(self, value: Decimal) -> Decimal: ...


class RuleParams(Strict):
    """The parameters of a rule kind; a kind subclasses this with ``kind: Literal['name']`` and its fields.

    ``tag``, ``note`` and ``source`` document a leaf's rule and are not passed to the rule.
    """

    kind: str
    tag: Text | None = None
    note: Text | None = None
    source: Text | None = None

    DOC_KEYS: ClassVar[frozenset[str]] = frozenset({"kind", "tag", "note", "source"})

    def params(self) -> dict[str, Any]:
        """The parameters as the rule function reads them (defaults filled in, plain dicts)."""
        return self.model_dump(by_alias=True, exclude=set(self.DOC_KEYS))


@dataclass(frozen=True, slots=True)
class RuleKind:
    name: str
    fn: Callable[[Ctx, Mapping[str, Any]], Outcome]
    model: type[RuleParams]
    title: str  # Chinese one-liner for docs and `frameworks show`
    recomputes: bool = True

    @property
    def params(self) -> Mapping[str, Any]:
        """Parameter name → pydantic field (its description is the help text)."""
        return {f.alias or n: f for n, f in self.model.model_fields.items() if n not in RuleParams.DOC_KEYS}

    @property
    def defaults(self) -> dict[str, Any]:
        return self.model.model_construct(kind=self.name).params()


RULES: dict[str, RuleKind] = {}


def rule_kind(name: str, title: str, model: type[RuleParams], recomputes: bool = True):
    """Register a rule function under ``name`` with the model of its parameters."""

    def deco(fn: Callable[[Ctx, Mapping[str, Any]], Outcome]) -> Callable[[Ctx, Mapping[str, Any]], Outcome]:
        RULES[name] = RuleKind(name, fn, model, title, recomputes)
        return fn

    return deco


def param(default: Any = ..., help: str = "", **kw: Any) -> Any:
    """A rule parameter with its Chinese help text."""
    return Field(default, description=help, **kw)


# --------------------------------------------------------------------------- context and outcome


@dataclass(slots=True)
class Outcome:
    """A rule's answer. The texts may come later: ``explain`` builds (formula, reason) on demand, so
    scoring many evaluations does not pay for explanations nobody reads."""

    score: Decimal | None
    rule: str
    inputs: dict[str, Any]
    formula: str | None
    reason: str | None
    recomputed: bool
    problems: list[tuple[str, str]] = field(default_factory=list)  # (severity, Chinese message)
    explain: Callable[[], tuple[str, str]] | None = None
    raw: Decimal | None = None  # the score before the framework's rounding, when the rule computed one

    def text(self) -> tuple[str, str] | Callable[[], tuple[str, str]]:
        """(formula, reason), or the function that will make them."""
        return self.explain if self.explain is not None else (self.formula or "", self.reason or "")


class Ctx:
    """What a rule sees for one item. Ratio lookups go through the per-evaluation index."""

    __slots__ = ("name", "weight", "stated", "row", "ev", "fw", "_index", "places")

    def __init__(self, name: str, weight: Decimal, stated: Decimal | None, row: Any, ev: Any, fw: Scale,
                 index: Any):
        self.name = name
        self.weight = weight
        self.stated = stated
        self.row = row
        self.ev = ev
        self.fw = fw
        self._index = index
        self.places: int | None = None  # decimals the table writes its scores with (None: unknown)

    def rate(self, key: str) -> Any:
        return self._index.rate(key)

    def quarters(self, key: str) -> Any:
        return self._index.quarters(key)

    def invalid(self, key: str) -> str | None:
        """Why the ratio ``key`` cannot be computed from the inputs that are there (zero or negative)."""
        return self._index.invalid.get(key)


# --------------------------------------------------------------------------- names


def norm_name(s: str) -> str:
    """Names compared without whitespace and quotes (“三公”经费 → 三公经费); memoised, names repeat."""
    try:
        return _NORM[s]
    except KeyError:
        if len(_NORM) > 50_000:
            _NORM.clear()
        out = _NORM[s] = _NAME_STRIP.sub("", s)
        return out


_NORM: dict[str, str] = {}
_NAME_STRIP = re.compile(r"[\s“”\"'‘’「」『』]+")


def match_name(s: str) -> str:
    """A name as rows are matched to leaves: :func:`norm_name` without a trailing bracket
    (``执行率(B/A)`` → ``执行率``, ``资金到位率（%）`` → ``资金到位率``); memoised."""
    try:
        return _MATCH[s]
    except KeyError:
        if len(_MATCH) > 50_000:
            _MATCH.clear()
        n = norm_name(s)
        cut = _BRACKET_TAIL.sub("", n)
        out = _MATCH[s] = cut or n
        return out


_MATCH: dict[str, str] = {}
_BRACKET_TAIL = re.compile(r"[（(][^（）()]*[)）]$")
