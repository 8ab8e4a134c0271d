"""The extraction context: the document, its segments, and the evidence being gathered."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

from jixiao.extract.text import Seg, paragraphs, sentences
from jixiao.extract.vocab import alt, forget_vocabulary, lexicon, merge_words, vocabulary_cache
from jixiao.ingest.base import Document
from jixiao.model import Evidence

# the vocabulary lives in jixiao.extract.vocab; its names stay importable from here
__all__ = ["Context", "alt", "forget_vocabulary", "lexicon", "merge_words", "rx", "vocabulary_cache"]


@cache
def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_DIGIT = re.compile(r"[0-9０-９]")


def _form_ranges(text: str) -> list[tuple[int, int]]:
    """Spans of consecutive lines that may hold form cells: short lines, lines with | or tabs, long lines of
    cells run together (crawled forms carry about one ，。； per hundred characters). Punctuated prose is not one."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        n = len(line)
        marks = (line.count("，") + line.count("。") + line.count("；")
                 if n > 40 and "|" not in line and "\t" not in line else 0)
        prose = marks >= 2 and marks * 50 >= n  # two or more per hundred characters: punctuated prose
        if not prose:
            if out and out[-1][1] >= pos - 1:
                out[-1] = (out[-1][0], end)
            else:
                out.append((pos, end))
        pos = end + 1
    return out


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

    @property
    def tokens(self) -> list:
        """The form-like lines of the text as a cell stream (:func:`jixiao.extract.cells.tokenize`), made once.

        Lines of running prose are left out: form cells (labels and their figures) are never written in
        them, and prose is most of a report's text.
        """
        toks = self.__dict__.get("_tokens")
        if toks is None:
            from jixiao.extract.cells import tokenize

            text = self.doc.text
            toks = []
            for a, b in _form_ranges(text):
                if not _DIGIT.search(text, a, b):
                    continue  # no figure, no form cell to read
                for a2, b2 in self._unclaimed(a, b):
                    toks.extend(tokenize(text, a2, b2))
            self.__dict__["_tokens"] = toks
        return toks

    @property
    def form_ranges(self) -> list[tuple[int, int]]:
        """Spans of the lines that may hold form cells or tables (see :func:`_form_ranges`), found once."""
        ranges = self.__dict__.get("_ranges")
        if ranges is None:
            ranges = self.__dict__["_ranges"] = _form_ranges(self.doc.text)
        return ranges

    def tokens_near(self, pattern: re.Pattern[str], after: int = 400) -> list:
        """The cell stream of the form-like lines around the matches of ``pattern`` (from the start of the
        matching line to ``after`` characters past the match): what a reader looking for those labels needs,
        without tokenising the rest of the document."""
        from jixiao.extract.cells import tokenize

        text = self.doc.text
        windows: list[list[int]] = []
        for m in pattern.finditer(text):
            a = text.rfind("\n", 0, m.start()) + 1
            b = min(len(text), m.end() + after)
            if windows and a <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], b)
            else:
                windows.append([a, b])
        if not windows:
            return []
        ranges = self.form_ranges
        range_ends = [fb for _, fb in ranges]
        toks: list = []
        for a, b in windows:
            for fa, fb in ranges[bisect.bisect_right(range_ends, a):]:
                if fa >= b:
                    break
                lo, hi = max(a, fa), min(b, fb)
                if lo >= hi:
                    continue
                lo = text.rfind("\n", 0, lo) + 1 if lo > fa else lo  # whole lines only
                for a2, b2 in self._unclaimed(lo, hi):
                    toks.extend(tokenize(text, a2, b2))
        return toks

    def _unclaimed(self, a: int, b: int) -> list[tuple[int, int]]:
        """[a, b) without the regions already claimed by a table reader."""
        out = []
        for ca, cb in sorted(self.claimed):
            if cb <= a or ca >= b:
                continue
            if ca > a:
                out.append((a, ca))
            a = max(a, cb)
        if a < b:
            out.append((a, b))
        return out

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
        if not self.project_sections:
            return None
        for a, b, name in self.project_sections:
            if a <= pos < b:
                return name
        return None
