"""Tables whose columns are years: ``经费控制情况 | 2022年决算数 | 2023年预算数 | 2023年决算数``.

The 部门整体支出绩效评价基础数据表 and its relatives give each spending line for last year and this year. The
evaluated year's 决算 (or 执行) column is what the unit spent: ``项目支出`` → ``budget.project``, ``公用经费`` →
``budget.public``, and the numbered lines under 项目支出 (``1.政务云``) → projects with their executed amount.

Crawls print blank cells as empty paragraphs, so a row may show fewer figures than there are columns; the
empty paragraphs between figures tell which column each figure is in. A row whose figures cannot be placed
is left out.
"""

from __future__ import annotations

import re
from collections import Counter

from jixiao.extract.cells import Tok
from jixiao.extract.collect import Context
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.numbers import D, NumberError

_ITEM = re.compile(r"^\d{1,2}[.、．](?P<name>.+)$")


@vocabulary_cache
def _rx() -> dict[str, re.Pattern[str]]:
    """The patterns of this module, built from ``lexicon.yaml`` ``yearcols``."""
    w = lexicon()["yearcols"]
    return {
        "col": re.compile(rf"^(20\d\d)年度?({alt(w['column_kinds'])})$"),
        "any_col": re.compile(rf"\d{{4}}\s*年度?\s*(?:{alt(w['column_anchor'])})"),
        "top": re.compile(rf"^({alt(w['top_rows'])})"),
        "end": re.compile(rf"^({alt(w['end_rows'])})"),
    }


def _num(t: Tok):
    if t.kind != "num":
        return None
    try:
        return D(squash(t.text).replace(",", ""))
    except (NumberError, ValueError):
        return None


def read_year_columns(ctx: Context, year: int | None, budget: dict, projects: list[dict]) -> None:
    toks = ctx.tokens_near(_rx()["any_col"], after=3000)
    if not toks:
        return
    planned = lexicon()["yearcols"]["budget_columns"]
    i = 0
    while i < len(toks):
        cols, j = _header(toks, i)
        if len(cols) < 2:
            i += 1
            continue
        want = [k for k, (y, kind) in enumerate(cols) if kind not in planned and (year is None or y == year)]
        if not want:
            i = j
            continue
        col = want[-1]
        i = _rows(ctx, toks, j, len(cols), col, budget, projects)


def _header(toks: list[Tok], i: int) -> tuple[list[tuple[int, str]], int]:
    cols: list[tuple[int, str]] = []
    col_re = _rx()["col"]
    j = i
    while j < len(toks):
        s = squash(toks[j].text)
        if j + 1 < len(toks) and toks[j + 1].gap < 2:
            s2 = s + squash(toks[j + 1].text)
            m = col_re.match(s2)
            if m:
                cols.append((int(m.group(1)), m.group(2)))
                j += 2
                continue
        m = col_re.match(s)
        if not m:
            break
        cols.append((int(m.group(1)), m.group(2)))
        j += 1
    return cols, j


def _rows(ctx: Context, toks: list[Tok], j: int, ncols: int, col: int, budget: dict, projects: list[dict]) -> int:
    text = ctx.text
    gaps = Counter(text[toks[k - 1].end:toks[k].start].count("\n") for k in range(j + 1, min(len(toks), j + 60)))
    unit_nl = max(1, gaps.most_common(1)[0][0]) if gaps else 1
    under_project = False
    rx = _rx()
    w = lexicon()["yearcols"]
    while j < len(toks):
        label = squash(toks[j].text).rstrip(":：")
        if rx["col"].match(label) or rx["end"].match(label):
            return j
        k = j + 1
        cells: list[tuple[int, Tok]] = []
        pos = 0
        while k < len(toks) and (_num(toks[k]) is not None or squash(toks[k].text) in ("——", "—", "-", "/")):
            gap_nl = text[toks[k - 1].end:toks[k].start].count("\n")
            pos += max(1, round(gap_nl / unit_nl)) if unit_nl > 1 else 1
            if _num(toks[k]) is not None:
                cells.append((pos - 1, toks[k]))
            k += 1
        if k == j + 1:
            j += 1
            continue
        top = rx["top"].match(label)
        if top:
            under_project = top.group(1) in w["project_rows"]
        hit = next((t for c, t in cells if c == col), None) if pos == ncols else None
        if hit is not None:
            value = _num(hit)
            slot = w["rows"].get(label)
            item = _ITEM.match(label)
            if slot and slot not in budget:
                budget[slot] = value
                ctx.mark(f"budget.{slot}", hit.start, hit.end)
            elif item and under_project and not any(p["name"] == item.group("name") for p in projects):
                projects.append({"name": item.group("name"), "executed": value,
                                 "_ev": {"executed": (hit.start, hit.end),
                                         "name": (toks[j].start + toks[j].text.find(item.group("name")[:1]),
                                                  toks[j].end)}})
        j = k
    return j
