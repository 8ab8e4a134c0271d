"""The groups the figures of a text form: totals and their parts, rates and their inputs, counts
and their lists, the same quantity stated twice, quantity × unit price, sources and uses.

Each finder walks the figures once (or the text once, for openers and list words) and looks only
inside a bounded window around a figure, so the whole pass stays linear in the document. The
rows of forms (budget row, indicator rows, score tables) are found by :mod:`jixiao.figures.forms`;
:mod:`jixiao.figures.build` runs them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.figures.index import Figure, FigureIndex
from jixiao.figures.lexicon import lexicon

_WINDOW = 400  # how far a total is looked for before its opener, and parts after it
_RATE_WINDOW = 3000  # how far back a rate's inputs are looked for
_HARD_STOP = set("。！!？?\n")


@dataclass
class SumGroup:
    """A total and the parts written after it (其中 / 分别为 / 包括 / 含 / 即 / 为, or a table's rows).

    ``exhaustive`` is True when the wording says the parts are the whole (分别为, 即, a 其他 part);
    ``etc`` when the list ends with 等; ``cut`` when a nested list or a new total ended it early.
    """

    total: Figure
    parts: list[Figure]
    opener: str
    where: str = "text"  # "text" or "table"
    exhaustive: bool = False
    etc: bool = False
    cut: bool = False
    kind: str = "sum"


@dataclass
class RateGroup:
    """A stated rate with the numerator and the candidate denominators named near it."""

    rate: Figure
    name: str
    numerator: Figure | None
    denominators: list[Figure]
    kind: str = "rate"


# -- totals and parts ------------------------------------------------------------------------------

def _change(f: Figure) -> bool:
    """An amount named as a change or a comparison (较上年增加 …, 上年 …)."""
    return bool(f.label) and lexicon().change_words.find_in(f.label) is not None


def _compatible(a: Figure, b: Figure) -> bool:
    if a.kind != b.kind or _change(b):
        return False
    if a.kind == "count":
        same = {"人": "人", "名": "人", "人次": "人次"}
        return same.get(a.unit, a.unit) == same.get(b.unit, b.unit)
    return a.kind in ("money", "count", "measure") and (a.kind != "measure" or a.unit == b.unit)


_OPENER_RE = None


def _opener_re() -> re.Pattern[str]:
    global _OPENER_RE
    if _OPENER_RE is None:
        words = sorted(lexicon().openers.words, key=len, reverse=True)
        _OPENER_RE = re.compile("|".join(re.escape(w) for w in words))
    return _OPENER_RE


def sums(idx: FigureIndex, skip: set[int] = frozenset()) -> list[SumGroup]:
    """Narrative breakdowns: the nearest compatible figure before an opener, and the parts after it."""
    lex = lexicon()
    text = idx.text
    out: list[SumGroup] = []
    opener_spans = [(m.start(), m.end(), m.group(0)) for m in _opener_re().finditer(text)]
    opener_starts = {s: (e, w) for s, e, w in opener_spans}
    used_totals: set[int] = set()
    for s, e, word in opener_spans:
        if lex.not_openers.at(text, s):
            continue
        if word in ("为", "分别", "由"):
            # 为 opens a list only right after an amount (124.23万元,为 A 25万元 …)
            total = _total_right_before(idx, s, tight=True)
            if total is None or total.kind != "money":
                continue
        else:
            total = _total_right_before(idx, s, tight=False, like=_first_after(idx, e))
        if total is None or total.i in used_totals or total.table is not None or total.i in skip or _change(total):
            continue
        depth, close = _bracket(text, s)
        if depth and close == -1:
            continue
        parts, etc, cut = _parts_after(idx, total, e, opener_starts, stop=close if depth else None)
        if not parts or any(p.i in skip for p in parts):
            continue
        if not word.startswith("分别") and any(not _named(p) for p in parts):
            continue  # a run of bare numbers after 其中 is a form row, not a list of named parts
        if total.kind == "count":
            parts = _one_kind(parts)
        prefix = _matching_prefix(total, parts)
        if prefix is not None and prefix < len(parts):
            parts, cut, etc = parts[:prefix], True, False  # the list goes on past its total: those were the parts
        exhaustive = word in lex.exhaustive_openers or any(lex.catch_all.find_in(p.label) for p in parts)
        used_totals.add(total.i)
        out.append(SumGroup(total, parts, word, exhaustive=exhaustive and not etc, etc=etc, cut=cut))
    out += _bracketed(idx, skip | used_totals)
    return out


def _bracketed(idx: FigureIndex, skip: set[int]) -> list[SumGroup]:
    """总预算2455.5万元（部门预算项目87.5万元+专项资金2350万元）: a total with its parts in brackets."""
    text = idx.text
    out = []
    for f in idx.figures:
        if f.kind not in ("money", "count") or f.i in skip or f.table is not None or f.approx or _change(f):
            continue
        k = f.end
        if k < len(text) and text[k] == " ":
            k += 1
        if k >= len(text) or text[k] not in "(（":
            continue
        close = -1
        for j in range(k + 1, min(len(text), k + _WINDOW)):
            if text[j] in ")）":
                close = j
                break
            if text[j] in "(（\n":
                break
        if close == -1:
            continue
        inside = text[k + 1:close]
        if _opener_re().search(inside):
            continue  # （其中 …）: the opener's own list
        inner = [p for p in idx.between(k + 1, close) if p.kind == f.kind]
        parts = [p for p in inner if _compatible(f, p) and p.paren == f.paren + 1]
        if len(parts) < 2 or len(parts) < len(inner) or any(p.approx for p in parts) or any(not _named(p) for p in parts):
            continue  # a bracket that also holds a change (上年 …, 增加 …) is a comparison, not a breakdown
        etc = "等" in inside[-3:]
        plus = "+" in inside or "＋" in inside
        out.append(SumGroup(f, parts, "（）", exhaustive=plus and not etc, etc=etc))
    return out


def _first_after(idx: FigureIndex, pos: int) -> Figure | None:
    import bisect

    k = bisect.bisect_left(idx._starts, pos)
    for f in idx.figures[k:k + 6]:
        if f.start - pos > 120:
            return None
        if f.kind in ("money", "count") and not f.approx:
            return f
    return None


def _bracket(text: str, pos: int) -> tuple[int, int]:
    """(bracket depth at ``pos`` within its line, offset of the bracket that closes it or -1)."""
    ls = max(text.rfind("\n", 0, pos) + 1, pos - _WINDOW)
    depth = 0
    for ch in text[ls:pos]:
        if ch in "(（":
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
    if not depth:
        return 0, -1
    for i in range(pos, min(len(text), pos + _WINDOW)):
        if text[i] in ")）":
            return depth, i
        if text[i] in "(（\n":
            return depth, -1
    return depth, -1


def _total_right_before(idx: FigureIndex, pos: int, *, tight: bool, like: Figure | None = None) -> Figure | None:
    """The figure an opener at ``pos`` refers back to: the nearest one like its first part, in its
    sentence or in the sentence just before (…共处置个案128613宗，开具…104份。其中情感纠纷122694宗…)."""
    text = idx.text
    k = _last_figure_before(idx, pos)
    if not tight and like is not None:
        while k is not None:
            f = idx.figures[k]
            gap = text[f.end:pos]
            if pos - f.end > 160 or "\n" in gap or "；" in gap or ";" in gap:
                return None
            stops = [i for i, ch in enumerate(gap) if ch in _HARD_STOP]
            if len(stops) > 1 or (stops and gap[stops[-1] + 1:].strip()):
                return None
            if _compatible(f, like) and not f.approx and f.table is None:
                return f if len(gap) <= 16 or stops else None
            k = k - 1 if k > 0 else None
        return None
    while k is not None:
        f = idx.figures[k]
        if pos - f.end > _WINDOW:
            return None
        gap = text[f.end:pos]
        if tight:
            return f if len(gap.strip(" ,，:：")) == 0 and len(gap) <= 2 else None
        if "\n" in gap or "；" in gap or ";" in gap or len(gap) > 16:
            return None
        if f.kind in ("money", "count") and not f.approx:
            # a hard stop between the total and 其中 only right before it (…1987.08万元。其中…)
            stops = [i for i, ch in enumerate(gap) if ch in _HARD_STOP]
            if stops and (len(stops) > 1 or gap[stops[0] + 1:].strip()):
                return None
            return f
        if f.kind in ("percent", "date", "ref", "ordinal", "plain"):
            k = k - 1 if k > 0 else None
            continue
        return None
    return None


def _last_figure_before(idx: FigureIndex, pos: int) -> int | None:
    import bisect

    k = bisect.bisect_left(idx._starts, pos) - 1
    while k >= 0 and idx.figures[k].end > pos:
        k -= 1
    return k if k >= 0 else None


def _parts_after(idx: FigureIndex, total: Figure, pos: int, openers: dict[int, tuple[int, str]],
                 stop: int | None = None) -> tuple[list[Figure], bool, bool]:
    """Compatible figures after an opener, up to the end of the sentence, a new total or a nested list."""
    import bisect

    lex = lexicon()
    text = idx.text
    k = bisect.bisect_left(idx._starts, pos)
    parts: list[Figure] = []
    etc = cut = False
    depth0 = idx.figures[k].paren if k < len(idx.figures) else 0
    limit = pos + _WINDOW if stop is None else stop
    last_end = pos
    if stop is not None:
        depth0 = idx.figures[k].paren if k < len(idx.figures) and idx.figures[k].start < stop else 0
    while k < len(idx.figures):
        f = idx.figures[k]
        if f.start > limit:
            cut = stop is None
            break
        gap = text[last_end:f.start]
        if any(ch in _HARD_STOP for ch in gap) or (not parts and any(ch in "；;" for ch in gap)):
            break
        if parts and _opener_in(gap, openers, last_end):
            cut = True  # a nested list: the outer one stops here
            break
        if f.paren > depth0 or f.table is not None:
            k += 1
            continue
        if _compatible(total, f) and not f.approx:
            after = text[f.end:f.end + 3]
            if parts and lex.total_words.find_in(f.label or "") and not lex.catch_all.find_in(f.label or ""):
                cut = True
                break
            nxt = after.lstrip(" ,，:：")
            if parts and nxt.startswith(("为", "其中", "包括", "分别")):
                cut = True  # this figure opens a list of its own: a new total
                break
            parts.append(f)
            last_end = f.end
        elif f.kind in ("money", "count") and parts and f.kind != total.kind:
            last_end = f.end
        k += 1
    if parts:
        tail = text[parts[-1].end:parts[-1].end + 4]
        etc = bool(lex.etcetera.at(tail.lstrip(" )）"), 0))
    return parts, etc, cut


def _one_kind(parts: list[Figure]) -> list[Figure]:
    """Counted parts up to the first that names another kind of thing (行政编制, 事业编制 … 实际在岗人数)."""
    tail = parts[0].label[-2:] if parts and len(parts[0].label) >= 2 else ""
    if not tail or len(parts) < 3 or not parts[1].label.endswith(tail):
        return parts
    k = next((i for i, p in enumerate(parts) if not p.label.endswith(tail)), len(parts))
    return parts[:k]


def _matching_prefix(total: Figure, parts: list[Figure]) -> int | None:
    """The length of the shortest run of leading parts that adds up to the total (within half units)."""
    acc = Decimal(0)
    t = _half(total)
    for k, p in enumerate(parts, start=1):
        acc += p.value
        t += _half(p)
        if abs(acc - total.value) <= t:
            return k
        if acc > total.value + t:
            return None
    return None


def _half(f: Figure) -> Decimal:
    if f.written == 0 or (f.kind == "count" and f.decimals == 0):
        return Decimal(0)  # a written 0 and a whole count are exact
    sc = lexicon().money.get(f.unit, Decimal(1)) if f.kind == "money" else Decimal(1)
    return Decimal(5).scaleb(-(f.decimals + 1)) * sc


def _named(f: Figure) -> bool:
    return len(re.findall(r"[\u4e00-\u9fff]", f.label)) >= 2


def _opener_in(gap: str, openers: dict[int, tuple[int, str]], base: int) -> bool:
    for i in range(len(gap)):
        hit = openers.get(base + i)
        if hit and hit[1] not in ("为", "由", "分别", "即"):
            return True
    return False


# -- rates ------------------------------------------------------------------------------------------

def rates(idx: FigureIndex, found: list[SumGroup] = ()) -> list[RateGroup]:
    """Stated rates with the money figures whose labels name their numerator and denominator.

    Candidate bases are ranked: totals of a breakdown first, then amounts named by a strong base word
    (预算, 下达, 安排, 投入, 到位, 计划, 总额), then the rest; a part of a breakdown is never a base."""
    lex = lexicon()
    out = []
    totals = {g.total.i for g in found}
    parts = {p.i for g in found for p in g.parts} - totals
    money = [f for f in idx.figures if f.kind == "money" and f.table is None]
    mstarts = [f.start for f in money]
    import bisect

    for f in idx.figures:
        if f.kind != "percent" or f.table is not None or f.cmp:
            continue
        name = lex.rate_names.find_in(f.label[-12:]) if f.label else None
        if not name:
            continue
        rw = next(r for r in lex.rates if name in r.names)
        a = bisect.bisect_left(mstarts, f.start - _RATE_WINDOW)
        b = bisect.bisect_left(mstarts, f.start)
        before = money[a:b]
        if not before:
            continue
        num = None
        s0 = idx.sentences[f.sentence][0]
        prev_pct = max((g.end for g in idx.figures[max(0, f.i - 6):f.i] if g.kind == "percent"), default=0)
        for m in reversed(before):
            if m.start < max(s0, prev_pct):
                break  # the numerator is in the rate's sentence, after any earlier rate
            if rw.num.find_in(m.label) or (m is before[-1] and not rw.num.words):
                num = m
                break
        if num is None:
            continue
        dens = [m for m in reversed(before) if m is not num and m.i not in parts
                and _den_like(m, rw) and m.value >= num.value * Decimal("0.2")]
        dens.sort(key=lambda m: (m.i not in totals, not any(w in m.label for w in _STRONG_BASE)))
        if dens:
            out.append(RateGroup(f, name, num, dens[:4]))
    return out


_STRONG_BASE = ("预算", "下达", "安排", "投入", "到位", "计划", "总额", "批复")


def _den_like(m: Figure, rw: Any) -> bool:
    if not m.label:
        return False
    has_den = bool(rw.den.find_in(m.label))
    has_num = bool(rw.num.find_in(m.label))
    return has_den and (not has_num or "预算" in m.label)

