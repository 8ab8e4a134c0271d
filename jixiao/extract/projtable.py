"""Project lists printed as tables: 项目名称 | 预算数 | 执行数 | 执行率, in any printed shape.

A department's report often lists its projects with their money in a small table. The table is found by its
column words (``lexicon.yaml`` ``project_table``) and its rows are aligned by the same dynamic programme that
reads indicator tables (:func:`jixiao.extract.grid.parse_rows`), so pipe rows, tab rows, one long line of cells
and one cell a line read alike. A row is kept when it names a project and gives at least one amount.
"""

from __future__ import annotations

import re

from jixiao.extract.cells import tokenize
from jixiao.extract.collect import Context
from jixiao.extract.grid import find_headers, parse_rows, spaced, stop_index
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.numbers import D, NumberError, to_wan

_AMOUNT = ("initial", "budget", "executed")


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
    headers = find_headers(text, vocab=v)
    for k, h in enumerate(headers):
        if ctx.is_claimed(h.start) or "name" not in h.roles:
            continue
        region_end = min(headers[k + 1].start if k + 1 < len(headers) else len(text), h.end + 6000)
        toks = tokenize(text, h.end, region_end)
        toks = toks[:stop_index(toks, 0)]
        if not toks:
            continue
        yuan = bool(v["yuan"].search(text[h.start:h.end]))
        got = 0
        for row in parse_rows(toks, h.roles):
            c = row.cells
            name = squash(c["name"][0]) if "name" in c else ""
            if len(name) < 2 or v["not_project"].search(name):
                continue
            p: dict = {"name": name, "_ev": {"name": (c["name"][1], c["name"][2])}}
            for role in _AMOUNT:
                if role in c:
                    value = _amount(c[role][0], yuan)
                    if value is not None:
                        p["budget" if role == "budget" else role] = value
                        p["_ev"][role] = (c[role][1], c[role][2])
            if "rate" in c:
                try:
                    p["execution_rate"] = D(c["rate"][0].rstrip("%％"))
                    p["_ev"]["execution_rate"] = (c["rate"][1], c["rate"][2])
                except (NumberError, ValueError):
                    pass
            p.pop("initial", None)  # a project's 年初 amount has no slot of its own
            p["_ev"].pop("initial", None)
            if "budget" in p or "executed" in p:
                out.append(p)
                got += 1
        if got:
            ctx.claimed.append((h.start, toks[-1].end))
    return out


def _amount(cell: str, yuan: bool):
    """A cell's amount in 万元 (its own unit first, else the header's)."""
    s = squash(cell).replace(",", "")
    m = re.search(r"(万元|亿元|元)$", s)
    unit = m.group(1) if m else ("元" if yuan else "万元")
    try:
        return to_wan(D(s[:m.start()] if m else s), unit)
    except (NumberError, ValueError):
        return None
