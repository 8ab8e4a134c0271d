"""Rows of tables flattened line by line — a name, then its values — and the sums they state.

A 基础数据表 crawled one cell per line (or as pipe rows) still reads in order: ``项目支出：`` and its
three values, then ``1.政务云`` and its values, ``2.超级大脑`` …, ``3.其他`` …. The numbered rows
under a total row are its parts; their values line up with the total's columns, except that an
empty cell leaves no trace. :func:`row_sums` tries the few ways each short row can sit under the
total's columns and keeps the one under which most columns add up, so a column that still does not
add up is a finding and not an artefact of the flattening.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from jixiao.figures.index import Figure, FigureIndex
from jixiao.figures.lexicon import lexicon

_NUMBERED = re.compile(r"^\s*(?:\d{1,2}\s*[.、．]|[（(]\d{1,2}[)）]|[①②③④⑤⑥⑦⑧⑨⑩]|[一二三四五六七八九十]、)")
_MAX_VALUES = 6
#: A line that could be a total row: a name ending in a colon, or a total word, alone on its line.
_PARENT_HINT = re.compile(r"(?:[:：]|合计|小计|总计)[ \t|]*\n[ \t|\n]*[\d-]")
_MAX_COMBOS = 400


@dataclass
class LineRow:
    label: str
    start: int
    values: list[Figure] = field(default_factory=list)

    @property
    def numbered(self) -> bool:
        return bool(_NUMBERED.match(self.label))

    @property
    def sub(self) -> bool:
        return self.label.lstrip().startswith(("其中", "含"))


@dataclass
class RowSum:
    """A total row, its numbered part rows, and how the parts' values sit under the total's columns."""

    parent: LineRow
    children: list[LineRow]
    columns: list[tuple[Figure, list[Figure]]]  # (total cell, part cells) per column with ≥ 2 parts
    exhaustive: bool
    kind: str = "row_sum"


def line_rows(idx: FigureIndex) -> list[LineRow]:
    """Rows read line by line: a line of name cells starts a row, lines of value cells extend it."""
    text = idx.text
    rows: list[LineRow] = []
    cur: LineRow | None = None
    pos = 0
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl == -1 else nl
        line = text[pos:end]
        if len(line) <= 80:
            figs = [f for f in idx.between(pos, end) if f.kind in ("money", "plain", "score", "count", "percent")]
            label, values = _split_line(text, pos, end, figs)
            if label is not None and values is not None:
                cur = LineRow(label, pos, values)
                rows.append(cur)
            elif label is None and values:
                if cur is not None and len(cur.values) + len(values) <= _MAX_VALUES:
                    cur.values.extend(values)
            elif line.strip(" |\t") and label is None and values is None:
                cur = None
        else:
            cur = None
        pos = end + 1
    return rows


def _split_line(text: str, a: int, b: int, figs: list[Figure]) -> tuple[str | None, list[Figure] | None]:
    """(name, values) of a line: name cells first, then only value cells; (None, values) for a line
    of values only; (None, None) when names and values interleave (narrative)."""
    line = text[a:b]
    if not figs:
        name = line.strip(" |\t\u3000")
        return (name, []) if name and not name.isdigit() else (None, [] if not name else None)
    first = figs[0].start
    name = text[a:first].strip(" |\t\u3000")
    tail = figs[-1].end
    between = "".join(text[f.end:g.start] for f, g in zip(figs, figs[1:], strict=False)) + text[tail:b]
    if re.search(r"[\u4e00-\u9fff]", between.replace("万元", "").replace("元", "").replace("人", "")):
        return None, None
    if name and _NUMBERED.fullmatch(name + " "):
        return None, None  # a bare ordinal is not a name
    return (name or None), figs


def row_sums(idx: FigureIndex, rows: list[LineRow] | None = None) -> list[RowSum]:
    """Total rows (a name ending in ：, or 合计/小计) with the numbered rows under them."""
    lex = lexicon()
    if rows is None:
        if not _PARENT_HINT.search(idx.text):
            return []
        rows = line_rows(idx)
    out = []
    for i, r in enumerate(rows):
        name = r.label.rstrip()
        if not r.values or r.numbered or not (name.endswith((":", "：")) or lex.total_rows.find_in(name)):
            continue
        kids: list[LineRow] = []
        sub_open = False
        for c in rows[i + 1:i + 30]:
            if c.numbered:
                kids.append(c)
                sub_open = False
            elif c.sub:
                sub_open = True
            elif not sub_open:
                break
        kids = [k for k in kids if k.values]
        if len(kids) < 2:
            continue
        cols = _align(r.values, [k.values for k in kids])
        if cols:
            exhaustive = any(lex.catch_all.find_in(k.label) for k in kids)
            out.append(RowSum(r, kids, cols, exhaustive))
    return out


def _align(total: list[Figure], parts: list[list[Figure]]) -> list[tuple[Figure, list[Figure]]]:
    """Columns (total cell, part cells) under the placement of the parts' cells that makes the most
    columns add up; nothing when no placement makes any column add up (the rows are not a breakdown)."""
    m = len(total)
    options = []
    for vals in parts:
        k = len(vals)
        if k > m:
            return []
        options.append(list(itertools.combinations(range(m), k)))
    n_combos = 1
    for o in options:
        n_combos *= len(o)
    if n_combos > _MAX_COMBOS:
        return []
    best = None
    for choice in itertools.product(*options):
        cols: list[list[Figure]] = [[] for _ in range(m)]
        for vals, where in zip(parts, choice, strict=True):
            for v, c in zip(vals, where, strict=True):
                cols[c].append(v)
        exact = gap = 0
        for t, cs in zip(total, cols, strict=True):
            if not cs:
                continue
            d = abs(sum(v.value for v in cs) - t.value)
            if d <= _half(t) + sum(_half(v) for v in cs):
                exact += 1
            else:
                gap += d / max(t.value, 1)
        key = (exact, -gap)
        if best is None or key > best[0]:
            best = (key, cols)
    if best is None or best[0][0] == 0:
        return []
    return [(t, cs) for t, cs in zip(total, best[1], strict=True) if len(cs) >= 2]


def _half(f: Figure) -> object:
    from decimal import Decimal

    if f.written == 0 or (f.kind == "count" and f.decimals == 0):
        return Decimal(0)  # a written 0 and a whole count are exact
    sc = lexicon().money.get(f.unit, Decimal(1)) if f.kind == "money" else Decimal(1)
    return Decimal(5).scaleb(-(f.decimals + 1)) * sc
