"""The extraction context: the document, its segments, and the evidence being gathered."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from jixiao.extract.text import Seg, paragraphs, sentences
from jixiao.ingest.base import Document
from jixiao.model import Evidence


@cache
def lexicon() -> dict[str, Any]:
    """The genre's vocabulary (extract/lexicon.yaml), loaded once."""
    return yaml.safe_load(resources.files("jixiao.extract").joinpath("lexicon.yaml").read_text("utf-8"))


@cache
def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass
class Context:
    """Shared state of one extraction: document, paragraphs, sentences, evidence, claimed spans."""

    doc: Document
    paras: list[Seg] = field(default_factory=list)
    sents: list[Seg] = field(default_factory=list)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    claimed: list[tuple[int, int]] = field(default_factory=list)  # regions owned by forms/tables
    project_sections: list[tuple[int, int, str]] = field(default_factory=list)
    _claimed_n: int = -1
    _claimed_starts: list[int] = field(default_factory=list)
    _claimed_ends: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        text = self.doc.text
        self.paras = paragraphs(text)
        self.sents = [s for p in self.paras for s in sentences(text, p)]

    @property
    def text(self) -> str:
        return self.doc.text

    def evid(self, start: int, end: int, cell: str | None = None) -> Evidence:
        d = self.doc
        return Evidence(doc=d.name, start=start, end=end, line=d.line_of(start), text=d.text[start:end],
                        page=d.page_of(start), cell=cell, confidence=d.confidence_of(start, end))

    def mark(self, path: str, start: int, end: int, cell: str | None = None) -> None:
        self.evidence[path] = self.evid(start, end, cell)

    def is_claimed(self, pos: int) -> bool:
        if len(self.claimed) != self._claimed_n:  # re-sort only after new claims
            merged: list[list[int]] = []
            for a, b in sorted(self.claimed):
                if merged and a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
            self._claimed_starts = [a for a, _ in merged]
            self._claimed_ends = [b for _, b in merged]
            self._claimed_n = len(self.claimed)
        k = bisect.bisect_right(self._claimed_starts, pos) - 1
        return k >= 0 and pos < self._claimed_ends[k]

    def project_at(self, pos: int) -> str | None:
        for a, b, name in self.project_sections:
            if a <= pos < b:
                return name
        return None
