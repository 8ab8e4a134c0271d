"""Model objects from the shape-free table readers (:mod:`~jixiao.extract.grid`, :mod:`~jixiao.extract.funds`).

The readers return cells with spans; this module turns them into :class:`~jixiao.model.Indicator` rows and
budget figures, with evidence, under the extraction context's claims (a region read by one reader is not read
again by another).
"""

from __future__ import annotations

import re
from decimal import Decimal

from jixiao.extract.collect import Context
from jixiao.extract.funds import FundsBlock, read_funds
from jixiao.extract.grid import _vocab as _grid_vocab
from jixiao.extract.grid import level1_name, level2_name, read_tables
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.model import Indicator
from jixiao.numbers import D, NumberError, to_wan


@vocabulary_cache
def _rx() -> dict:
    """The patterns of this module, built from ``lexicon.yaml`` ``grid``."""
    g = lexicon()["grid"]
    unit = alt(g["score_unit"])
    return {
        "level_weight": re.compile(rf"[（(]?(\d+(?:\.\d+)?)(?:{unit})[）)]?$|[（(](\d+(?:\.\d+)?)[）)]$"),
        "unit_chars": "".join(g["score_unit"]),
        "total_row": re.compile(rf"({alt(g['total_rows'])})"),
        "bad_value": re.compile(alt(g["not_value"])),
        "sub_prefix": re.compile(rf"^(?:{alt(lexicon()['funds']['sub_prefix'])})"),
        "source_name": re.compile(alt(lexicon()["fund_text"]["source_end"])),
        "not_source": re.compile(alt(lexicon()["funds"]["not_source"])),
    }


def _dec(s: str | None) -> Decimal | None:
    if not s:
        return None
    s = s.rstrip(_rx()["unit_chars"])
    try:
        return D(s)
    except (NumberError, ValueError):
        return None


def read_grid_indicators(ctx: Context, prefix: str = "_grid", fallback_from: int | None = None) -> list[Indicator]:
    """Indicator rows of every table the header finder sees outside claimed regions.

    Evidence is marked under ``{prefix}[i].field``; the caller renames it to the final index.
    """
    out: list[Indicator] = []
    v = _grid_vocab()
    rx = _rx()
    for header, rows, stop in read_tables(ctx.text, fallback_from=fallback_from, skip=ctx.is_claimed):
        if any(ctx.is_claimed(r.cells["name"][1]) for r in rows if "name" in r.cells):
            continue  # read by another reader (tab rows of a docx/xlsx grid)
        rows = _trusted(header, rows)
        level1 = level2 = None
        l1w = None
        got = 0
        for row in rows:
            c = row.cells
            if "level1" in c:
                raw = c["level1"][0]
                level1 = level1_name(raw)
                m = rx["level_weight"].search(raw)
                l1w = _dec(m.group(1) or m.group(2)) if m else _dec(c.get("level1_weight", ("",))[0])
                level2 = None
            if "level2" in c:
                level2 = level2_name(c["level2"][0])
            name = v["name_prefix_re"].sub("", c["name"][0]) if "name" in c else ""
            if not name or v["placeholder_re"].match(name) or rx["total_row"].fullmatch(name):
                continue
            # a placeholder (—, /) held its value column's place; it is no value
            c = {k: x for k, x in c.items() if k not in ("target", "actual") or not v["placeholder_re"].match(x[0])}
            values = [k for k in ("target", "actual", "weight", "score") if k in c]
            if not values or not _plausible(name, c) or _runs_into_level(name):
                continue
            target = None
            if "target" in c:
                target = c.get("nature", ("",))[0] + c["target"][0] + c.get("unit", ("",))[0]
            weight = _dec(c["weight"][0]) if "weight" in c else None
            score = _dec(c["score"][0]) if "score" in c else None
            idx = len(out)
            out.append(Indicator(
                name=name, level1=level1, level2=level2, target=target,
                actual=c["actual"][0] if "actual" in c else None, weight=weight, score=score,
                deviation=c["deviation"][0] if "deviation" in c else None,
                nature=c["nature"][0] if "nature" in c else None, level1_weight=l1w,
            ))
            for key in ("name", "target", "actual", "weight", "score"):
                if key in c:
                    _, a, b = c[key]
                    if key == "target" and "nature" in c:
                        a = min(a, c["nature"][1])
                    if key == "target" and "unit" in c:
                        b = max(b, c["unit"][2])
                    ctx.mark(f"{prefix}[{idx}].{key}", a, b)
            got += 1
        if got:
            ctx.claimed.append((header.start, stop))
    return out


def _runs_into_level(name: str) -> bool:
    """A name that starts with a level name (数量指标建设…): the table's cells ran together."""
    words = lexicon()["grid"]["level2_common"]
    return any(name.startswith(w) and len(name) > len(w) for w in words)


_WANT = ("target", "actual", "weight", "score")


def _trusted(header, rows: list) -> list:
    """The rows to keep. A table printed with cell separators is read row by row; one whose cells ran
    together (no separators) only when most rows come out complete, and then only its complete rows."""
    if not rows:
        return rows
    toks = [t for r in rows for ts in r.parts.values() for t in ts]
    strong = sum(1 for t in toks if t.gap == 2) >= 0.5 * max(1, len(toks))
    if strong:
        return rows
    want = [r for r in _WANT if r in header.roles]
    if "weight" in want or "score" in want:
        complete = [r for r in rows if all(k in r.cells for k in want)]
    elif "target" in want and "actual" in want:
        # no 分值 to close a row: a row is only as sure as its two values, each one figure (100% 100%)
        complete = [r for r in rows if all(len(r.parts.get(k, ())) == 1 and r.parts[k][0].is_figure
                                           for k in ("target", "actual"))]
    else:
        return []
    return complete if len(complete) >= 0.6 * len(rows) else []


def _plausible(name: str, c: dict) -> bool:
    """A row a person would read off the table: a name that is not prose, values that are not labels,
    a score within its weight."""
    rx = _rx()
    if len(name) > 80 or _grid_vocab()["bad_name"].search(name) or sum(ch.isdigit() for ch in name) > len(name) // 2:
        return False
    for key in ("target", "actual"):
        if key in c and (rx["bad_value"].search(c[key][0]) or len(c[key][0]) > 40):
            return False
    w = _dec(c["weight"][0]) if "weight" in c else None
    s = _dec(c["score"][0]) if "score" in c else None
    if w is not None and not (0 < w <= 100):
        return False
    return not (s is not None and w is not None and s > w)


def read_funds_block(ctx: Context) -> dict | None:
    """The first funds block: budget slots (万元), the 执行率 row as an indicator, and the block's span."""
    blocks = [b for b in read_funds(ctx.text) if not ctx.is_claimed(b.start)]
    if not blocks:
        return None
    b = blocks[0]
    out: dict = {"budget": {}, "block": b}
    for slot in ("initial", "adjusted", "executed"):
        f = b.values.get(slot)
        if f is not None:
            unit = _unit_of(f.raw, b)
            out["budget"][slot] = (to_wan(f.value, unit), f.start, f.end)
    rate, w, s = b.values.get("rate"), b.values.get("weight") or b.weight_note, b.values.get("score")
    if rate is not None:
        out["budget"]["execution_rate"] = (rate.value, rate.start, rate.end)
    if w is not None or s is not None:
        out["row"] = {
            "indicator": Indicator(name=b.rate_name or "执行率", level1=b.label or "项目资金",
                                   actual=squash(rate.raw) if rate else None,
                                   weight=w.value if w else None, score=s.value if s else None),
            "spans": {k: (f.start, f.end) for k, f in (("actual", rate), ("weight", w), ("score", s)) if f},
        }
    ctx.claimed.append((b.start, b.end))
    out["more"] = blocks[1:]
    return out


def block_budget(b: FundsBlock) -> dict:
    """A funds block's budget, executed amount (万元) and rate, with spans: one project of a document that prints
    several project forms."""
    out = {}
    for slot, key in (("adjusted", "budget"), ("initial", "budget"), ("executed", "executed"), ("rate", "execution_rate")):
        f = b.values.get(slot)
        if f is not None and key not in out:
            value = f.value if slot == "rate" else to_wan(f.value, _unit_of(f.raw, b))
            out[key] = (value, f.start, f.end)
    return out


def block_sources(b: FundsBlock) -> list[dict]:
    """The rows under a funds block's total that carry figures (其中：中央财政资金 808.1 692.98 86%): money by
    source, with spans."""
    out = []
    for name, vals in b.rows:
        name = _rx()["sub_prefix"].sub("", squash(name)).rstrip(":：")
        if not _rx()["source_name"].search(name) or _rx()["not_source"].search(name):
            continue
        src: dict = {"name": name, "_ev": {}}
        for slot, key in (("adjusted", "budget"), ("initial", "budget"), ("executed", "executed"),
                          ("rate", "execution_rate")):
            f = vals.get(slot)
            if f is None or key in src:
                continue
            src[key] = f.value if slot == "rate" else to_wan(f.value, _unit_of(f.raw, b))
            src["_ev"][key] = (f.start, f.end)
        if name and src["_ev"] and all(s["name"] != name for s in out):
            out.append(src)
    return out


def _unit_of(raw: str, block: FundsBlock) -> str:
    s = squash(raw)
    if s.endswith("万元"):
        return "万元"
    if s.endswith("元"):
        return "元"
    return block.unit
