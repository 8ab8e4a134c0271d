"""Reports in traditional characters, and mirror sites' pinyin notes: read through a simplified view.

Some reports reach a reviewer in traditional characters (a mirror site converted the page), sometimes with the
pinyin of each rarer character written after it (``某縣(xiàn)文化館``). The vocabulary is simplified, so such a
text is read through a *view*: every character converted one for one (OpenCC's table, character by character, so
offsets stay aligned) and the pinyin notes dropped. What is read is then given back in the document's own
characters, notes included, with evidence spans in the document's own offsets: a reviewer sees the text as
published.

Only a text that is mostly traditional gets a view: in a simplified text a few characters that OpenCC would
change (著, 乾) are words of their own and stay as written.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jixiao.ingest.base import Document
from jixiao.model import Evaluation, Evidence

#: A text is read through the view when at least this share of its CJK characters are traditional forms.
TRADITIONAL_SHARE = 0.04
#: ... or when it carries at least this many pinyin notes.
MIN_NOTES = 3

_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Traditional forms of characters every report writes (预算 资金 项目 绩效 …): a cheap first look, so a
#: simplified text never pays for OpenCC.
_HINT = re.compile("[預資項績財產經實標業務專門發開關們國這為來時說對會與區際]")
_NOTE = re.compile(r"\([a-zA-ZāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüÜ]{1,7}\)")  # after a CJK character (see _notes)


def _notes(text: str, end: int | None = None) -> list[re.Match[str]]:
    """Pinyin notes: a bracketed syllable right after a CJK character (區(qū))."""
    return [m for m in _NOTE.finditer(text, 0, len(text) if end is None else end)
            if m.start() > 0 and "\u4e00" <= text[m.start() - 1] <= "\u9fff"]


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _table(text: str) -> dict[int, str]:
    """Character → simplified character, for the text's CJK characters that change one for one."""
    chars = sorted({c for c in set(text) if "\u4e00" <= c <= "\u9fff"})
    if not chars:
        return {}
    # one character a line: OpenCC's phrase table cannot join two of them
    out = _converter().convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):
        return {}
    return {ord(a): b for a, b in zip(chars, out, strict=True) if a != b and len(b) == 1}


class View:
    """A simplified view of a document's text with the map back to the document's offsets."""

    def __init__(self, text: str, table: dict[int, str], notes: bool):
        self.original = text
        keep: list[tuple[int, int]] = []  # spans of the original kept in the view
        pos = 0
        if notes:
            for m in _notes(text):
                keep.append((pos, m.start()))
                pos = m.end()
        keep.append((pos, len(text)))
        back: list[int] = []
        parts: list[str] = []
        for a, b in keep:
            back.extend(range(a, b))
            parts.append(text[a:b])
        back.append(len(text))
        self.back = back
        self.text = "".join(parts).translate(table)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A span of the view → the same span of the original (a note after its last character included)."""
        n = len(self.back) - 1
        start, end = max(0, min(start, n)), max(0, min(end, n))
        return self.back[start], self.back[end]  # back[end] lies after a note dropped before view char ``end``

    def restore(self, s: str, near: tuple[int, int] | None) -> str:
        """A string read from the view, in the original's characters (found near its evidence, else anywhere)."""
        if not s:
            return s
        pattern = re.compile(r"[\s|｜]*".join(re.escape(ch) for ch in s if not ch.isspace()))
        m = None
        if near is not None:
            m = pattern.search(self.text, max(0, near[0] - 2), min(len(self.text), near[1] + 2))
        if m is None:
            m = pattern.search(self.text)
        if m is None:
            return s
        out = []
        for p in range(m.start(), m.end()):
            ch = self.text[p]
            if ch.isspace() or ch in "|｜":
                continue
            out.append(self.original[self.back[p]:self.back[p + 1]])
        return "".join(out)


def view_of(text: str) -> View | None:
    """The simplified view of a text that needs one, else None."""
    notes = len(_notes(text, 200_000)) >= MIN_NOTES
    if not notes and len(_HINT.findall(text, 0, 50_000)) < 10:
        return None
    table = _table(text)
    if not table and not notes:
        return None
    cjk = len(_CJK.findall(text))
    changed = sum(text.count(chr(c)) for c in table) if table else 0
    if cjk and changed >= TRADITIONAL_SHARE * cjk:
        return View(text, table, notes)
    if notes:
        return View(text, {}, notes)
    return None


def read_through(doc: Document, read: Callable[[Document], Evaluation]) -> Evaluation:
    """``read(doc)``, through a simplified view when the text needs one; the answer in the document's terms."""
    view = view_of(doc.text)
    if view is None:
        return read(doc)
    vdoc = dataclasses.replace(doc, text=view.text, line_starts=(), page_starts=_forward(view, doc.page_starts),
                               confidences=())
    ev = read(vdoc)
    evidence: dict[str, Evidence] = {}
    near: dict[str, tuple[int, int]] = {}
    for path, e in ev.evidence.items():
        near[path] = (e.start, e.end)
        a, b = view.span(e.start, e.end)
        evidence[path] = dataclasses.replace(e, start=a, end=b, line=doc.line_of(a), text=doc.text[a:b],
                                             page=doc.page_of(a), confidence=doc.confidence_of(a, b))
    restored = _walk(ev, "", view, near)
    return dataclasses.replace(restored, evidence=evidence)


def _forward(view: View, offsets: tuple[int, ...]) -> tuple[int, ...]:
    if not offsets:
        return offsets
    return tuple(bisect.bisect_left(view.back, o) for o in offsets)


_SKIP_FIELDS = {"doc", "evidence", "scope", "form"}


def _walk(value: Any, path: str, view: View, near: dict[str, tuple[int, int]]) -> Any:
    """Every string of an evaluation restored to the document's characters."""
    if isinstance(value, str):
        return view.restore(value, near.get(path))
    if isinstance(value, tuple):
        return tuple(_walk(v, f"{path}[{i}]", view, near) for i, v in enumerate(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.name in _SKIP_FIELDS:
                continue
            v = getattr(value, f.name)
            if isinstance(v, (str, tuple)) or dataclasses.is_dataclass(v):
                new = _walk(v, f"{path}.{f.name}" if path else f.name, view, near)
                if new is not v:
                    changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value
