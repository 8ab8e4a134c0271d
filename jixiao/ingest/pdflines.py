"""The lines of a PDF page: page numbers told from figures, and lines a paragraph wrapped joined again (a short
line never wraps). Pure geometry over (text, box) lines; :mod:`jixiao.ingest.pdf` reads them from PDFium."""

from __future__ import annotations

import re
from typing import NamedTuple

_LATIN = re.compile(r"[A-Za-z]")
_CLOSERS = set("。！？；：!?;:")
#: The start of a section heading: 一、 （一） 第一部分. Arabic items (1. （1）) are left out: they
#: also run inline ("……完成。2.区级……") and are wrapped there as often as they start a line.
_LIST_START = re.compile(r"(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十\d]+[章节部分])")


class Line(NamedTuple):
    """One text line of a page: its text and box (top-down coordinates, like pdfplumber's)."""

    text: str
    left: float
    right: float
    top: float
    bottom: float


PAGE_NO = re.compile(r"^[\s\-—–－·]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*(?:共\s*)?\d{1,4}\s*页?)?[\s\-—–－·]*$")


def is_page_number(ln: Line, height: float, page_no: int = 0) -> bool:
    """A page number line ("- 3 -", "第 3 页", "3/12") in the top or bottom tenth of the page.

    A bare figure counts only when it is near the page's own number: a table cell "100" that falls in the
    margin zone is data (front matter may shift the printed number by a few pages).
    """
    if not (ln.top > 0.9 * height or ln.bottom < 0.1 * height) or not PAGE_NO.match(ln.text):
        return False
    bare = ln.text.strip()
    if page_no and bare.isdigit():
        return abs(int(bare) - page_no) <= 3
    return True


def inside(ln: Line, bbox) -> bool:
    x0, top, x1, bottom = bbox
    mid = (ln.top + ln.bottom) / 2
    return top <= mid <= bottom and ln.left < x1 and ln.right > x0


def metrics(lines: list[Line]) -> tuple[float, float, float] | None:
    """(left margin, right margin, line height) of a page's body text."""
    if len(lines) < 3:
        return None
    heights = sorted(ln.bottom - ln.top for ln in lines)
    return min(ln.left for ln in lines), max(ln.right for ln in lines), heights[len(heights) // 2]


def join(lines: list[Line], metrics) -> list[tuple[str, Line, Line]]:
    """Lines joined back into paragraphs where the layout only wrapped them: (text, first, last line).

    A line that runs to the right margin continues on the next line, unless the
    next one is indented (a new paragraph), far below, or either looks like a row
    of a table drawn without rules (runs of spaces).
    """
    out: list[tuple[str, Line, Line]] = []
    for ln in lines:
        if out and metrics is not None and wraps(out[-1][2], ln, metrics):
            text, first, prev = out[-1]
            # a word wrapped between Latin letters had a space; a number or Chinese text did not
            sep = " " if _LATIN.match(prev.text[-1:]) and _LATIN.match(ln.text[:1]) else ""
            out[-1] = (text + sep + ln.text.lstrip(), first, ln)
        else:
            out.append((ln.text, ln, ln))
    return out


#: A line shorter than this did not wrap at the margin, however wide the page's widest line is (a page of
#: table cells printed one a line has no body width to measure).
MIN_WRAPPED = 12


def wraps(prev: Line, ln: Line, metrics: tuple[float, float, float]) -> bool:
    left, right, h = metrics
    if h <= 0:
        return False
    if prev.text.rstrip()[-1:] in _CLOSERS and _LIST_START.match(ln.text.lstrip()):
        return False  # a sentence ended at the margin and a numbered item or heading follows
    return (prev.right >= right - 1.5 * h
            and len(prev.text.strip()) >= MIN_WRAPPED
            and ln.left <= left + 0.8 * h
            and 0 <= ln.top - prev.bottom < 1.5 * h
            and "  " not in prev.text.strip() and "  " not in ln.text.strip())


# ---- OCR hook: the OCR engineer may edit this block -------------------------------------------
