"""Text as a stream of cells, whatever the table's printed shape.

Real forms reach us as pipe tables, tab rows, one cell a line, one long line of
space-separated cells (crawls of xls/pdf files), or with no separator at all
between a label and its figures (``图书上架率100%100%``). All of them become one
stream of tokens that remember what separated them from the previous token:
``STRONG`` (a pipe, tab or line break), ``SPACE`` or ``GLUED``. Table readers work
on this stream (:mod:`jixiao.extract.grid`), never on one printed shape.

One pass over the text, no backtracking: tokenising is linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.numbers import normalize

STRONG, SPACE, GLUED = 2, 1, 0

#: Comparators written before target values (≧ ═ ﹦ are common in crawled forms).
CMP_CHARS = "≥≤≧≦＞＜><=＝═﹦"
_NUM = r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


@vocabulary_cache
def _rx() -> dict[str, re.Pattern[str]]:
    """The cell patterns, built from ``lexicon.yaml`` ``cells``: a figure with its comparator and unit, a date,
    a range; a comparator, a unit or a 分值 alone."""
    w = lexicon()["cells"]
    cmp = rf"(?:[{CMP_CHARS}][=＝]?|{alt(w['comparators'])})"  # ≥, >=, ＞＝
    mag = "".join(re.escape(c) for c in w["magnitudes"])
    unit = rf"(?:[{mag}](?=[\u4e00-\u9fa5]))?(?:{alt(w['units'])})(?:[/*][\u4e00-\u9fa5·*]{{1,4}})*"
    date = (rf"\d{{4}}\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?)?(?:{alt(w['date_after'])})?"
            rf"|\d{{1,2}}\s*月(?:{alt(w['month_end'])})?(?:{alt(w['month_after'])})?")
    rng = rf"{_NUM}\s*(?:[-~～—]|{alt(w['range_words'])})\s*{_NUM}\s*(?:{unit})?"
    return {
        "value": re.compile(rf"(?P<date>{date})|(?P<range>{rng})|(?P<cmp>{cmp})?\s*(?P<num>[-−]?{_NUM})\s*(?P<unit>{unit})?"
                            rf"(?P<bound>{alt(w['bound_after'])})?"),
        "only_cmp": re.compile(rf"^(?:{cmp}|{alt(w['natures'])})$"),
        # a unit may carry its name in brackets (%(百分比), the bracket sometimes cut by the line)
        "only_unit": re.compile(rf"^(?:(?:{unit})(?:[（(][\u4e00-\u9fa5]{{1,6}}[）)]?)?|\([^)]{{1,6}}\)|（[^）]{{1,6}}）)$"),
        "score_num": re.compile(rf"^(?:\d{{1,3}})(?:\.\d+)?(?:{w['score_unit']})?$"),
    }


_PLAIN_NUM = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_STRONG_SEP = re.compile(r"[^|\t\n｜]+")
_WEAK = re.compile(r"[^\s\u3000\xa0]+")


@dataclass(frozen=True, slots=True)
class Tok:
    """One token: its text as written, span in the document, what separated it from the previous one, its kind.

    ``kind`` is one of ``num`` (a bare figure), ``pct`` (a percent), ``value`` (a figure with a unit or
    comparator, a date, a range), ``cmp`` (a comparator alone), ``unit`` (a unit alone), ``text``.
    """

    text: str
    start: int
    end: int
    gap: int
    kind: str

    @property
    def is_figure(self) -> bool:
        return self.kind in ("num", "pct", "value")


_HAS_DIGIT = re.compile(r"[0-9０-９]")


def _kind(s: str) -> str:
    rx = _rx()
    if not _HAS_DIGIT.search(s):  # most cells: words, a comparator or a unit alone
        if len(s) <= 6:
            if rx["only_cmp"].match(s):
                return "cmp"
            if rx["only_unit"].match(s):
                return "unit"
        return "text"
    n = normalize(s)
    if _PLAIN_NUM.match(n):
        return "num"
    if rx["only_cmp"].match(n):
        return "cmp"
    if rx["only_unit"].match(n):
        return "unit"
    m = rx["value"].fullmatch(n)
    if m:
        if m.group("num") and m.group("unit") in ("%", "％") and not m.group("cmp"):
            return "pct"
        return "value"
    return "text"


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Tok]:
    """The tokens of ``text[start:end]``, split at separators and at the edges of figures glued to words."""
    end = len(text) if end is None else end
    out: list[Tok] = []
    norm = normalize(text[start:end])
    gap = STRONG
    prev_end = start
    for sm in _STRONG_SEP.finditer(norm):
        s0 = start + sm.start()
        if s0 > prev_end:
            gap = STRONG
        first = True
        for wm in _WEAK.finditer(sm.group(0)):
            w0 = s0 + wm.start()
            wgap = gap if first else SPACE
            if not first and w0 > prev_end and gap == STRONG and not out:
                wgap = STRONG
            first = False
            _split_piece(text, norm, start, w0, s0 + wm.end(), wgap, out)
            prev_end = s0 + wm.end()
        gap = STRONG
        prev_end = max(prev_end, start + sm.end())
    return out


def _split_piece(text: str, norm: str, base: int, a: int, b: int, gap: int, out: list[Tok]) -> None:
    """Split one space-free piece at its figures (``图书上架率100%100%`` → text, 100%, 100%)."""
    piece = norm[a - base:b - base]
    if not _HAS_DIGIT.search(piece):
        out.append(Tok(text[a:b], a, b, gap, _kind(piece)))
        return
    pos = 0
    g = gap
    for m in _rx()["value"].finditer(piece):
        if m.start() == m.end():
            continue
        before = piece[m.start() - 1] if m.start() > 0 else ""
        after = piece[m.end()] if m.end() < len(piece) else ""
        if _is_word(before) and (_is_word(after) or (after != "" and after in ":：、")) and \
                not m.group(0).endswith("%") and not (pos > 0 and m.start() == pos):
            continue  # a figure inside a word run (儿童3岁体检人数, 指标8:) stays in it; one right after a figure
            # (860公里860公里桥梁…, cells run together) does not
        if m.start() == 0 and after in ("、", ".", "．") and m.group(0).isdigit() and len(m.group(0)) <= 2 and \
                m.end() + 1 < len(piece) and _is_word(piece[m.end() + 1]):
            continue  # a list number (1.政务云, 2、出国经费) stays with its item

        if m.start() > pos:
            frag = piece[pos:m.start()]
            out.append(Tok(text[a + pos:a + m.start()], a + pos, a + m.start(), g, _kind(frag)))
            g = GLUED
        out.append(Tok(text[a + m.start():a + m.end()], a + m.start(), a + m.end(), g, _kind(m.group(0))))
        g = GLUED
        pos = m.end()
    if pos < len(piece):
        out.append(Tok(text[a + pos:b], a + pos, b, g, _kind(piece[pos:])))


@vocabulary_cache(maxsize=4096)
def is_score_number(s: str) -> bool:
    """A 分值/得分 cell: up to three integer digits, optional decimals, optional 分."""
    return bool(_rx()["score_num"].match(normalize(s).strip()))


def _is_word(ch: str) -> bool:
    return bool(ch) and ("\u4e00" <= ch <= "\u9fff" or ch in "“”（）()")
