"""Project lists printed as tables: 项目名称 | 预算数 | 执行数 | 执行率, in any printed shape.

A department's report often lists its projects with their money in a small table. The table is found by its
column words (``lexicon.yaml`` ``project_table``) and its rows are aligned by the same dynamic programme that
reads indicator tables (:func:`jixiao.extract.grid.read_tables`), so pipe rows, tab rows, one long line of cells
and one cell a line read alike. A row is kept when it names a project and gives at least one amount.
"""

from __future__ import annotations

import re

from jixiao.extract.collect import Context
from jixiao.extract.grid import read_tables, spaced
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.numbers import NumberError, parse_amount, parse_percent

_AMOUNT = ("budget", "executed")  # a 年初预算数 column holds its place in a row; a project has no slot for it


@vocabulary_cache
def _vocab() -> dict:
    """The header vocabulary of project tables, in the shape :func:`~jixiao.extract.grid.find_headers` reads."""
    g = lexicon()["project_table"]
    words = sorted(((w, role) for role, ws in g["header_words"].items() for w in ws), key=lambda x: -len(x[0]))
    return {
        "header_re": re.compile(rf"(?:{'|'.join(spaced(w) for w, _ in words)}){g['header_suffix']}"),
        "role_of": dict(words),
        "weak": set(g["weak_words"]),
        "header_anchor": g["anchor"],
        "name_anchor": re.compile("|".join(spaced(w) for w in g["anchor"])),
        "value_roles": ("initial", "budget", "executed", "rate"),
        "yuan": re.compile(g["yuan_header"]),
        "not_project": re.compile(alt(g["not_project"])),
    }


def read_project_tables(ctx: Context) -> list[dict]:
    """Projects with their amounts from every project table of the text (found.projects' shape, with ``_ev``)."""
    v = _vocab()
    text = ctx.text
    out: list[dict] = []
    for h, rows, stop_at in read_tables(text, skip=ctx.is_claimed, vocab=v):
        yuan = bool(v["yuan"].search(text[h.start:h.end]))
        got = 0
        for row in rows:
            c = row.cells
            name = squash(c["name"][0]) if "name" in c else ""
            if len(name) < 2 or v["not_project"].search(name):
                continue
            p: dict = {"name": name, "_ev": {"name": (c["name"][1], c["name"][2])}}
            for role in _AMOUNT:
                if role in c:
                    value = _amount(c[role][0], yuan)
                    if value is not None:
                        p[role] = value
                        p["_ev"][role] = (c[role][1], c[role][2])
            if "rate" in c:
                try:
                    p["execution_rate"] = parse_percent(squash(c["rate"][0]))
                    p["_ev"]["execution_rate"] = (c["rate"][1], c["rate"][2])
                except (NumberError, ValueError):
                    pass
            if "budget" in p or "executed" in p:
                out.append(p)
                got += 1
        if got:
            ctx.claimed.append((h.start, stop_at))
    return out


def _amount(cell: str, yuan: bool):
    """A cell's amount in 万元 (its own unit first, else the header's), or None."""
    try:
        return parse_amount(squash(cell), "元" if yuan else "万元")
    except (NumberError, ValueError):
        return None
