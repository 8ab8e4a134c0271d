"""The ingested document: one text with positions, plus the tables found in it.

Every reader produces the same :class:`Document`. Its ``text`` is the whole
document in reading order; tables are rendered into it as tab-separated lines,
one table row per line, with cells of a vertical merge left empty below their
first row (as the printed form shows them). So one text extractor serves txt,
docx, pdf, xlsx and html alike, while ``tables`` keeps the grid with merged
cells resolved and every cell's character span for evidence.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

#: Characters of text one document may hold (JIXIAO_MAX_TEXT_CHARS): a 自评报告 has tens of thousands;
#: every later pass costs memory in proportion, so a file that unpacks to more is refused while reading.
MAX_TEXT_CHARS = int(float(os.environ.get("JIXIAO_MAX_TEXT_CHARS", "10000000")))
#: Grid positions (rows × columns) of one table, checked before the grid is built.
MAX_TABLE_POSITIONS = 2_000_000
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Longest reason kept: a library may quote a whole XML line or a 4,000-digit number.
MAX_REASON_CHARS = 1000


def one_line(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """``text`` on one line (any run of whitespace, line breaks included, becomes one space), cut to ``limit``."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


class IngestError(Exception):
    """A file that cannot be read. ``str()`` is the one-line ``FILE: reason`` message.

    The reason is flattened to one line here, so a library message quoted in it can never
    break the ``FILE: reason`` contract. Picklable, so it crosses a worker process intact.
    """

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = one_line(reason)
        super().__init__(f"{self.path}: {self.reason}")

    def __reduce__(self):
        # subclasses keep their extra attributes (line, key, errors) through the instance dict
        return (type(self), (self.path, self.reason), self.__dict__)


class LimitError(IngestError):
    """A limit passed while building a document, before the file's name is known; ``read`` adds it."""

    def __init__(self, reason: str, path: str | Path = ""):
        super().__init__(path, reason)

    def __reduce__(self):
        return (type(self), (self.reason, self.path))


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: resolved text, grid position, merge size, span in ``Document.text``."""

    text: str
    row: int
    col: int
    start: int
    end: int
    rowspan: int = 1
    colspan: int = 1
    confidence: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A grid. ``rows`` has merged cells filled in (each row stands alone); ``cells`` the originals."""

    rows: tuple[tuple[str, ...], ...]
    cells: tuple[Cell, ...] = ()
    start: int = 0
    end: int = 0
    page: int | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A file turned into text with positions.

    ``page_starts[i]`` is the offset where page ``i + 1`` starts (empty when the
    format has no pages). ``line_starts`` is computed once for line lookups.
    ``ocr`` is set when the text came from OCR; ``confidences`` then maps
    (start, end) spans of words to a 0-1 confidence.
    """

    name: str
    text: str
    format: str
    tables: tuple[Table, ...] = ()
    page_starts: tuple[int, ...] = ()
    meta: dict = field(default_factory=dict)
    line_starts: tuple[int, ...] = ()
    ocr: bool = False
    confidences: tuple[tuple[int, int, Decimal], ...] = ()

    def __post_init__(self) -> None:
        if not self.line_starts:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            object.__setattr__(self, "line_starts", tuple(starts))

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        return bisect.bisect_right(self.line_starts, offset)

    def column_of(self, offset: int) -> int:
        """1-based column of a character offset within its line."""
        return offset - self.line_starts[self.line_of(offset) - 1] + 1

    def page_of(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)

    def confidence_of(self, start: int, end: int) -> Decimal | None:
        """Lowest OCR confidence of the words overlapping a span (None for non-OCR text)."""
        if not self.confidences:
            return None
        lows = [c for s, e, c in self.confidences if s < end and e > start]
        return min(lows) if lows else None


class TextBuilder:
    """Accumulates paragraphs and tables into one text, recording table cell spans.

    Readers call :meth:`para` and :meth:`table` in reading order and
    :meth:`new_page` at page breaks, then :meth:`build`.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._len = 0
        self.tables: list[Table] = []
        self.page_starts: list[int] = []

    @property
    def length(self) -> int:
        """Characters added so far: the offset the next paragraph or table will start at."""
        return self._len

    def _add(self, s: str) -> int:
        start = self._len
        self._parts.append(s)
        self._len += len(s)
        if self._len > MAX_TEXT_CHARS:
            raise LimitError(f"文字过多，超过 {MAX_TEXT_CHARS:,} 字符上限 (text over the limit of {MAX_TEXT_CHARS:,} "
                             f"characters, JIXIAO_MAX_TEXT_CHARS)")
        return start

    def new_page(self) -> None:
        if self._len and not self._parts[-1].endswith("\n"):
            self._add("\n")
        self.page_starts.append(self._len)

    def para(self, text: str) -> None:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            return
        self._add(text.rstrip("\n") + "\n\n")

    def table(self, grid: list[list[str | None]], page: int | None = None, name: str | None = None,
              merges: dict[tuple[int, int], tuple[int, int]] | None = None) -> tuple[int, ...]:
        """Add a table; returns the text offset at which each of its rows starts.

        ``grid`` holds the cell text at each position, with ``None`` for positions
        covered by a merge whose origin is elsewhere. ``merges`` maps an origin
        (row, col) to its (rowspan, colspan).
        """
        merges = merges or {}
        nrows = len(grid)
        ncols = max((len(r) for r in grid), default=0)
        if nrows * ncols > MAX_TABLE_POSITIONS:
            raise LimitError(f"表格过大（{nrows:,} 行 × {ncols:,} 列，上限 {MAX_TABLE_POSITIONS:,} 格）"
                             f"(table over the limit of {MAX_TABLE_POSITIONS:,} cells)")
        filled: list[list[str]] = [[""] * ncols for _ in range(nrows)]
        cells: list[Cell] = []
        tstart = self._len
        row_starts: list[int] = []
        for (r0, c0), (rs, cs) in merges.items():
            v = _clean_cell(grid[r0][c0] or "")
            for r in range(r0, min(nrows, r0 + rs)):
                for c in range(c0, min(ncols, c0 + cs)):
                    filled[r][c] = v
        for r, row in enumerate(grid):
            line_cells: list[str] = []
            for c in range(ncols):
                v = row[c] if c < len(row) else ""
                if v is None:  # covered by a merge: printed empty
                    line_cells.append("")
                    continue
                v = _clean_cell(v)
                if not filled[r][c]:
                    filled[r][c] = v
                line_cells.append(v)
            # build the line, recording spans
            offset = self._len
            row_starts.append(offset)
            pieces = []
            for c, v in enumerate(line_cells):
                if c:
                    pieces.append("\t")
                    offset += 1
                if v:
                    rs, cs = merges.get((r, c), (1, 1))
                    cells.append(Cell(text=v, row=r, col=c, start=offset, end=offset + len(v), rowspan=rs, colspan=cs))
                pieces.append(v)
                offset += len(v)
            self._add("".join(pieces) + "\n")
        self._add("\n")
        self.tables.append(Table(rows=tuple(tuple(r) for r in filled), cells=tuple(cells), start=tstart,
                                 end=self._len, page=page, name=name))
        return tuple(row_starts)

    def build(self, name: str, fmt: str, meta: dict | None = None, **kw) -> Document:
        text = "".join(self._parts)
        if _SURROGATE.search(text):  # a lone surrogate cannot be printed or written as UTF-8: one for one
            text = _SURROGATE.sub("\ufffd", text)
        return Document(name=name, text=text, format=fmt, tables=tuple(self.tables),
                        page_starts=tuple(self.page_starts), meta=meta or {}, **kw)


def _clean_cell(v: str) -> str:
    """Cell text on one line: inner line breaks joined (a PDF/Word cell often wraps)."""
    v = v.replace("\r", "\n").replace("\t", " ")
    if _SURROGATE.search(v):
        v = _SURROGATE.sub("\ufffd", v)
    lines = [ln.strip() for ln in v.split("\n")]
    return "".join(ln for ln in lines if ln)
