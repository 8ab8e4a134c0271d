"""Labelled cells of a form: a label cell and its figure, or a row of labels over a row of figures.

``人员编制 | 36 | 实有人数 | 38`` and ``编制数 | 2023年实际在职人数 | 控制率 | 46 | 50 | 108.70%`` say the same
thing in two layouts. Both are read from the cell stream (:mod:`jixiao.extract.cells`) with the labels of
``lexicon.yaml`` ``staffing_cells``; prose is left to the narrative reader.
"""

from __future__ import annotations

import re
from decimal import Decimal

from jixiao.extract.cells import STRONG, Tok
from jixiao.extract.collect import Context
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.model import Ratio
from jixiao.numbers import ROUND_DOWN, ROUND_HALF_UP, D, NumberError, normalize

_YEAR = re.compile(r"^\d{4}\s*年(度)?$")
_YEAR4 = re.compile(r"^(19|20)\d\d$")


@vocabulary_cache
def _labels() -> list[tuple[str, re.Pattern[str]]]:
    return [(k, re.compile(v)) for k, v in lexicon()["staffing_cells"].items()]


@vocabulary_cache
def _rx() -> dict:
    """The patterns of this module, built from ``lexicon.yaml`` ``formcells``."""
    w = lexicon()["formcells"]
    units = alt(w["declared_units"])
    return {
        "keys": re.compile(alt(w["staffing_anchor"])),
        "staffing_unit": re.compile(rf"[（(](?:{alt(w['staffing_units'])})[）)]?$"),
        "rate_subject": re.compile(rf"({alt(w['rate_subjects'])})(?:{alt(w['rate_subject_after'])})?[（(]?"
                                   rf"(?:{alt(w['staffing_units'])})?[）)]?$"),
        "money": re.compile(alt(w["money_anchor"])),
        # a money label written as a cell: at a line start, after a separator, or right before a figure or a colon
        "money_cell": re.compile(rf"(?:{alt(w['money_label_end'])})(?:{alt(w['money_label_suffix'])})?\s*"
                                 r"(?:[:：]|\||\n|\t|[0-9０-９])"),
        "unit_decl": re.compile(rf"[（(]\s*({units})\s*(?:[）)]|\n)|(?:{alt(w['unit_label'])})\s*[:：]\s*({units})(?![/])"),
        "money_figure": re.compile(rf"([\d,]+(?:\.\d+)?)({alt(w['cell_units'])})?"),
        "value_suffix": "".join(w["value_suffix"]),
    }


def _label_of(t: Tok) -> str | None:
    rx = _rx()
    if t.kind != "text" or not rx["keys"].search(t.text):
        return None
    s = squash(t.text).rstrip(":：")
    s = rx["staffing_unit"].sub("", s)
    for key, pat in _labels():
        if pat.match(s):
            return key
    return None


def _value(t: Tok) -> Decimal | None:
    if t.kind not in ("num", "pct", "value"):
        return None
    s = normalize(squash(t.text)).rstrip(_rx()["value_suffix"])
    try:
        return D(s)
    except (NumberError, ValueError):
        return None


def read_staffing_cells(ctx: Context, staffing: dict[str, int], ratios: list[Ratio]) -> None:
    """Fill ``staffing`` (and a 控制率 into ``ratios``) from labelled form cells, marking evidence."""
    raw = ctx.tokens_near(_rx()["keys"], after=200)
    toks: list[Tok] = []
    year_before = False
    for k, t in enumerate(raw):
        if t.kind in ("num", "value"):
            s = t.text.strip()
            if _YEAR.match(s) or (_YEAR4.match(s) and k + 1 < len(raw) and raw[k + 1].text.startswith("年")):
                year_before = bool(_YEAR4.match(s))
                continue  # 2023 年实际在职人数: the year belongs to the label
        elif year_before and t.text.startswith("年"):
            t = Tok(t.text[1:], t.start + 1, t.end, raw[k - 1].gap, t.kind)
        year_before = False
        toks.append(t)
    i = 0
    n = len(toks)
    while i < n:
        key = _label_of(toks[i])
        if key is None or toks[i].gap != STRONG and i > 0:
            i += 1
            continue
        # a run of labels, then as many figures
        run = [(key, toks[i])]
        j = i + 1
        while j < n and (k := _label_of(toks[j])) is not None:
            run.append((k, toks[j]))
            j += 1
        vals = []
        while j < n and len(vals) < len(run) and _value(toks[j]) is not None:
            vals.append(toks[j])
            j += 1
        if len(run) >= 2 and len(vals) == len(run):
            pairs = list(zip(run, vals, strict=True))
        elif len(run) == 1 and vals:
            pairs = [(run[0], vals[0])]
        else:
            i += 1
            continue
        got: dict[str, tuple[Decimal, Tok]] = {}
        for (k, _lt), vt in pairs:
            v = _value(vt)
            if v is None or (k != "rate" and (v != v.to_integral_value() or "%" in vt.text)):
                continue
            got[k] = (v, vt)
        for k in ("authorized", "actual", "retired"):
            if k in got and k not in staffing:
                staffing[k] = int(got[k][0])
                ctx.mark(f"staffing.{k}", got[k][1].start, got[k][1].end)
        if "rate" in got and "authorized" in got and "actual" in got:
            _add_rate(ctx, ratios, got, toks[i].start)
        i = j
    return None


def _add_rate(ctx: Context, ratios: list[Ratio], got: dict, at: int) -> None:
    rate, rt = got["rate"]
    num, nt = got["actual"]
    den, dt = got["authorized"]
    if den == 0:
        return
    before = squash(ctx.text[max(0, at - 40):at])
    m = _rx()["rate_subject"].search(before)
    name = (m.group(1) if m else "财政供养人员") + "控制率"
    if any(r.name == name for r in ratios):
        return
    q = Decimal(1).scaleb(rate.as_tuple().exponent) if isinstance(rate.as_tuple().exponent, int) else Decimal(1)
    value = num / den * 100
    ok = value.quantize(q, rounding=ROUND_HALF_UP) == rate or value.quantize(q, rounding=ROUND_DOWN) == rate
    idx = len(ratios)
    ratios.append(Ratio(name=name, stated=rate, numerator=num if ok else None, denominator=den if ok else None))
    ctx.mark(f"other_rates[{idx}].stated", rt.start, rt.end)
    if ok:
        ctx.mark(f"other_rates[{idx}].numerator", nt.start, nt.end)
        ctx.mark(f"other_rates[{idx}].denominator", dt.start, dt.end)


@vocabulary_cache
def _money_labels() -> list[tuple[str, re.Pattern[str]]]:
    return [(k, re.compile(v)) for k, v in lexicon()["money_cells"].items()]


def read_money_cells(ctx: Context, budget: dict, funding: dict) -> None:
    """Budget and funding figures of form cells: a label cell followed by exactly one figure.

    A bare figure takes the unit the form declares before it ((万元), 单位：元); without one it is left out.
    """
    text = ctx.text
    rx = _rx()
    cell_units = set(lexicon()["formcells"]["cell_units"])
    toks = ctx.tokens_near(rx["money_cell"], after=60)
    decls = [(m.start(), m.group(1) or m.group(2)) for m in rx["unit_decl"].finditer(text)]
    for i, t in enumerate(toks[:-1]):
        if t.kind != "text" or not rx["money"].search(t.text):
            continue
        s = squash(t.text)
        key = next((k for k, pat in _money_labels() if pat.match(s)), None)
        if key is None or ctx.is_claimed(t.start):
            continue
        v = toks[i + 1]
        after = toks[i + 2] if i + 2 < len(toks) else None
        if v.kind not in ("num", "value") or (after is not None and after.is_figure and after.gap != 0):
            continue
        raw = normalize(squash(v.text))
        m = rx["money_figure"].fullmatch(raw)
        if not m:
            continue
        unit = m.group(2)
        if unit is None and after is not None and squash(after.text) in cell_units:
            unit = squash(after.text)
        if unit is None:
            near = [(abs(p - t.start) + (0 if p < t.start else 400), u) for p, u in decls if abs(p - t.start) < 1500]
            unit = min(near)[1] if near else None
        if unit is None:
            continue
        try:
            value = D(m.group(1).replace(",", ""))
        except (NumberError, ValueError):
            continue
        value = value / 10000 if unit == "元" else value
        section, slot = key.split(".")
        target = budget if section == "budget" else funding
        if slot not in target:
            target[slot] = value
            ctx.mark(key, v.start, v.end)
