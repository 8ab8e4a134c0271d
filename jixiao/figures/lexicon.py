"""The figure index's vocabulary (``lexicon.yaml``), loaded once, with literal-word matchers.

Words are matched as literals, longest first: a lookup of the few lengths a list holds at one
position, never a regular expression that could backtrack over a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Words:
    """A word list with the lookups the index needs: at a position, ending at a position, inside a text."""

    words: frozenset[str]
    lengths: tuple[int, ...]  # longest first
    pattern: re.Pattern[str] | None = None  # the words as literal alternatives, longest first

    @classmethod
    def of(cls, words: Any) -> Words:
        ws = frozenset(str(w) for w in (words or ()) if str(w))
        pat = re.compile("|".join(re.escape(w) for w in sorted(ws, key=lambda w: (-len(w), w)))) if ws else None
        return cls(ws, tuple(sorted({len(w) for w in ws}, reverse=True)), pat)

    def at(self, text: str, i: int) -> str | None:
        """The longest word starting at ``text[i]``."""
        for n in self.lengths:
            w = text[i:i + n]
            if w in self.words:
                return w
        return None

    def ending(self, text: str, j: int) -> str | None:
        """The longest word ending just before ``text[j]``."""
        for n in self.lengths:
            if n <= j and text[j - n:j] in self.words:
                return text[j - n:j]
        return None

    def find_in(self, text: str) -> str | None:
        """The first listed word contained in ``text`` (the longest of those starting there)."""
        if self.pattern is None or not text:
            return None
        m = self.pattern.search(text)
        return m.group(0) if m else None

    def __contains__(self, w: object) -> bool:
        return w in self.words


@dataclass(frozen=True, slots=True)
class RateWords:
    names: Words
    num: Words
    den: Words
    name: str


@dataclass(frozen=True, slots=True)
class Lexicon:
    money: dict[str, Decimal]
    units: dict[str, str]  # unit → kind
    unit_words: Words
    cn_count: Words
    label_tail: Words
    label_head: Words
    key_head: Words
    key_verbs: Words
    openers: Words
    not_openers: Words
    exhaustive_openers: Words
    catch_all: Words
    etcetera: Words
    total_words: Words
    total_rows: Words
    rates: tuple[RateWords, ...]
    rate_names: Words
    score_total: Words
    score_col: Words
    weight_col: Words
    target_col: Words
    actual_col: Words
    reason_col: Words
    rate_col: Words
    budget_col: Words
    executed_col: Words
    sources: Words
    uses: Words
    balance: Words
    list_openers: Words
    list_separators: Words
    ordinals: Words
    unit_price: Words
    generic_words: Words
    change_words: Words


@cache
def lexicon() -> Lexicon:
    """The vocabulary of ``jixiao/figures/lexicon.yaml``."""
    raw = yaml.safe_load(resources.files("jixiao.figures").joinpath("lexicon.yaml").read_text("utf-8"))
    u = raw["units"]
    money = {k: Decimal(str(v)) for k, v in u["money"].items()}
    units: dict[str, str] = {k: "money" for k in money}
    for kind in ("percent", "score", "count", "measure"):
        for w in u[kind]:
            units.setdefault(str(w), kind)
    rates = tuple(RateWords(Words.of(r["name"]), Words.of(r["num"]), Words.of(r["den"]), str(r["name"][0]))
                  for r in raw["rates"])
    w = {k: Words.of(raw[k]) for k in (
        "label_tail", "label_head", "key_head", "key_verbs", "openers", "not_openers", "exhaustive_openers", "catch_all", "etcetera", "total_words",
        "total_rows", "score_total", "score_col", "weight_col", "target_col", "actual_col", "reason_col",
        "rate_col", "budget_col", "executed_col", "sources", "uses", "balance", "list_openers",
        "list_separators", "ordinals", "unit_price", "generic_words", "change_words")}
    return Lexicon(money=money, units=units, unit_words=Words.of(units), cn_count=Words.of(u["cn_count"]),
                   rates=rates, rate_names=Words.of([n for r in raw["rates"] for n in r["name"]]), **w)
