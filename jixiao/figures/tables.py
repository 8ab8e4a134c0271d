"""Tables as the figure index sees them: rows of cells, each cell with its span in the text.

This is the one interface between the index and whatever finds tables. Three sources feed it today:
``Document.tables`` (grids with merged cells resolved, from docx/xlsx/html/pdf), and the tab- and
pipe-separated lines of the text that no grid covers (txt files, crawled pages). A reader of tables
flattened in other ways (one cell per line, one long line of space-separated cells) plugs in by
returning :class:`TableView` objects — pass them to :func:`jixiao.figures.build_index` as
``tables=`` or register the reader in :data:`TABLE_READERS`; views it returns win over the line
tables they overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CellRef:
    """One non-empty cell: its text, its span in ``Document.text``, and its grid position."""

    text: str
    start: int
    end: int
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True, slots=True)
class TableView:
    """A table: ``rows[r]`` holds the non-empty cells of row ``r`` in column order."""

    rows: tuple[tuple[CellRef, ...], ...]
    start: int
    end: int
    source: str  # "grid", "tab", "pipe", or the name of a plugged-in reader
    name: str | None = None

    def cells(self) -> Iterable[CellRef]:
        for row in self.rows:
            yield from row


#: Extra table readers ``(Document) -> Iterable[TableView]`` (e.g. the extractor's cell-stream reader).
TABLE_READERS: list[Callable[[Any], Iterable[TableView]]] = []


def from_grids(doc: Any) -> list[TableView]:
    """``Document.tables`` as views (merged cells appear once, at their origin)."""
    out = []
    for t in getattr(doc, "tables", ()) or ():
        rows: dict[int, list[CellRef]] = {}
        for c in t.cells:
            if c.text.strip():
                rows.setdefault(c.row, []).append(CellRef(c.text, c.start, c.end, c.row, c.col, c.rowspan, c.colspan))
        if not rows:
            continue
        n = max(rows) + 1
        view_rows = tuple(tuple(sorted(rows.get(r, []), key=lambda c: c.col)) for r in range(n))
        out.append(TableView(view_rows, t.start, t.end, "grid", t.name))
    return out


def from_lines(text: str, covered: list[tuple[int, int]]) -> list[TableView]:
    """Runs of tab- or pipe-separated lines outside ``covered`` spans, one row per line.

    Columns are the positions between separators (a run of ``|||`` keeps its empty columns), so
    a table crawled with its empty cells written out keeps its alignment.
    """
    out: list[TableView] = []
    rows: list[tuple[CellRef, ...]] = []
    kind = ""
    t_start = t_end = 0
    cov = sorted(covered)
    ci = 0
    pos = 0
    n = len(text)

    def flush() -> None:
        nonlocal rows, kind
        if rows:
            out.append(TableView(tuple(rows), t_start, t_end, kind))
        rows, kind = [], ""

    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl == -1 else nl
        while ci < len(cov) and cov[ci][1] <= pos:
            ci += 1
        inside = ci < len(cov) and cov[ci][0] <= pos < cov[ci][1]
        line_kind = ""
        if not inside:
            if text.find("\t", pos, end) != -1:
                line_kind = "tab"
            elif text.find("|", pos, end) != -1:
                line_kind = "pipe"
        if line_kind:
            if line_kind != kind:
                flush()
                t_start, kind = pos, line_kind
            rows.append(_split(text, pos, end, "\t" if line_kind == "tab" else "|", len(rows)))
            t_end = end
        elif inside or text[pos:end].strip():
            flush()  # a blank line keeps a run of table lines going; text ends it
        if nl == -1:
            break
        pos = nl + 1
    flush()
    return [t for t in out if sum(len(r) for r in t.rows) >= 2]


def _split(text: str, a: int, b: int, sep: str, row: int) -> tuple[CellRef, ...]:
    cells = []
    col = 0
    i = a
    while i <= b:
        j = text.find(sep, i, b)
        if j == -1:
            j = b
        s, e = i, j
        while s < e and text[s] in " \u3000\xa0":
            s += 1
        while e > s and text[e - 1] in " \u3000\xa0\r":
            e -= 1
        if e > s:
            cells.append(CellRef(text[s:e], s, e, row, col))
        col += 1
        i = j + 1
    return tuple(cells)


def tables_of(doc: Any, extra: Iterable[TableView] = ()) -> list[TableView]:
    """Every table of ``doc``: plugged-in views first, then grids, then line tables nobody covers."""
    views = [*extra]
    for reader in TABLE_READERS:
        views.extend(reader(doc))
    covered = [(v.start, v.end) for v in views]
    for g in from_grids(doc):
        if not any(a < g.end and g.start < b for a, b in covered):
            views.append(g)
            covered.append((g.start, g.end))
    views.extend(from_lines(getattr(doc, "text", "") or "", covered))
    views.sort(key=lambda v: v.start)
    return views
