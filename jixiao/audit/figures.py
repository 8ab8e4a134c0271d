"""JX4xx — every stated figure: the groups of the figure index (:mod:`jixiao.figures`) recomputed.

These checks need no extracted field: they read the figure index built from the document
itself, so a sum, a rate, a count or a repeated total is audited wherever it is written. Severity
follows what a reviewer can trust: a gap within one unit of the last written digit is ``info``
(rounding), a list that may leave parts out is a ``warning`` (breakdown), a clear mismatch is an
``error``. Every finding quotes both sides: ``evidence`` is the stated figure, ``related`` the
figures it was recomputed from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from jixiao.audit.context import HUNDRED, Context, fmt
from jixiao.audit.registry import rule
from jixiao.figures.index import Figure, FigureIndex
from jixiao.figures.lexicon import lexicon
from jixiao.model import Finding
from jixiao.numbers import quantize


def index_of(ctx: Context) -> FigureIndex | None:
    """The document's figure index: the one the pipeline built, or built here once per audit."""
    if ctx.doc is None:
        return None
    idx = ctx.cache.get("figure_index")
    if idx is None:
        idx = getattr(ctx, "index", None)
        if idx is None:
            from jixiao.figures import build_index

            idx = build_index(ctx.doc)
        ctx.cache["figure_index"] = idx
    return idx


def scale(f: Figure) -> Decimal:
    """What one written unit of ``f`` is worth in its value's unit (元 → 0.0001 万元)."""
    return lexicon().money.get(f.unit, Decimal(1)) if f.kind == "money" else Decimal(1)


def unit_of(f: Figure) -> Decimal:
    """One unit of the last written digit, in value units."""
    return Decimal(1).scaleb(-f.decimals) * scale(f)


def tol(f: Figure, *, exact_integers: bool = False) -> Decimal:
    """Half a unit of the last written digit; a written 0 is exact, and so is an integer count."""
    if f.written == 0 or (exact_integers and f.decimals == 0):
        return Decimal(0)
    return unit_of(f) / 2


def show(f: Figure) -> str:
    """A figure as written, with its unit (387,664.62元)."""
    return f"{f.raw}{f.unit}" if f.unit and f.unit != "分" else f.raw


def wan(v: Decimal, like: Figure) -> str:
    """A recomputed value in the unit the text wrote ``like`` in."""
    s = scale(like)
    shown = v / s if s != 1 else v
    places = max(like.decimals, 0)
    return f"{fmt(quantize(shown, places))}{like.unit if like.unit != '分' else ''}"


def make(idx: FigureIndex, ctx: Context, code: str, severity: str, message: str, *, stated: Figure,
         related: Iterable[Figure] = (), recomputed: str | None = None, arithmetic: str | None = None,
         kind: str | None = None, path: str | None = None) -> Finding:
    """A finding whose evidence is the stated figure and whose related evidence is every input."""
    ev = idx.evidence(stated)
    rel = []
    for f in related:
        e = idx.evidence(f)
        if e.start != ev.start and all(e.start != r.start for r in rel):
            rel.append(e)
    f = Finding(code=code, severity=severity, message=message, path=path or f"figures[{stated.i}]",
                stated=show(stated), recomputed=recomputed, arithmetic=arithmetic, evidence=ev,
                related=tuple(rel), kind=kind)
    return ctx.ocr_downgrade(f)


def sum_verdict(total: Figure, parts: list[Figure], *, exhaustive: bool, counts: bool = False
                ) -> tuple[str | None, Decimal, Decimal, Decimal]:
    """(severity or None, sum, difference, tolerance) of ``Σ parts`` against ``total``.

    Within the summed half-units of every term: nothing. Within one more unit of the coarsest
    written digit: info (rounding). Parts above the total, or an exhaustive list below it: error.
    A list that may leave parts out and falls short: warning."""
    s = sum((p.value for p in parts), Decimal(0))
    diff = s - total.value
    t, coarse = sum_band(total, parts, counts)
    if abs(diff) <= t:
        return None, s, diff, t
    if abs(diff) <= t + coarse and not counts:
        return "info", s, diff, t
    if diff > 0 or exhaustive:
        return "error", s, diff, t
    return "warning", s, diff, t


def sum_band(total: Figure, parts: list[Figure], counts: bool = False) -> tuple[Decimal, Decimal]:
    """(tolerance, rounding band) of a sum: the summed half-units of the written digits, and one unit
    of the coarsest written digit beyond it (a gap there is last-digit rounding, info)."""
    t = tol(total, exact_integers=counts) + sum((_part_tol(p, total, counts) for p in parts), Decimal(0))
    coarse = max(unit_of(total), *(2 * _part_tol(p, total, counts) for p in parts))
    return t, coarse


def _part_tol(p: Figure, total: Figure, counts: bool) -> Decimal:
    """A part written with fewer decimals than its total is taken as exact to the total's precision
    (10万元 + 250万元 against 260.3万元: the writer would have written 250.3)."""
    if p.written == 0 or (counts and p.decimals == 0):
        return Decimal(0)
    if p.decimals < total.decimals and scale(p) == scale(total):
        return Decimal(1).scaleb(-total.decimals) * scale(total) / 2
    return tol(p)


def _sum_stated_nearby(idx: FigureIndex, g: Any, s: Decimal) -> bool:
    """The parts' sum is written just before the total, in its sentence (预算 1000 万元，支出 800 万元，其中
    A 600、B 400: the list splits the budget)."""
    t = sum((tol(p) for p in g.parts), tol(g.total))
    for f in idx.figures[max(0, g.total.i - 8):g.total.i]:
        if f.kind == g.total.kind and f.sentence == g.total.sentence and abs(f.value - s) <= t:
            return True
    return False


def _siblings(g: Any) -> bool:
    """Parts that can partition a total: distinct names, none restating the total or holding another."""
    labels = [p.label for p in g.parts]
    if len(g.parts) > 12 or g.parts[0].value == g.total.value:
        return False  # the first part restates the total (其中财政拨款 100 万元，基本支出 60 万元 …)
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if a and b and (a in b or b in a):
                return False
    return True


def _one_dimension(parts: list[Figure]) -> bool:
    """Counted parts that name the same thing (二级项目8个 … 二级项目8个) partition their total."""
    labels = [p.label for p in parts]
    if any(len(x) < 2 for x in labels):
        return False
    tail = labels[0][-2:]
    return all(x.endswith(tail) for x in labels)


@rule("JX401", "“其中/分别为/包括”所列分项之和 = 总数", severity="error",
      source="文中总数与其后所列分项应一致（其中、分别为、包括、含、即）；issue 13；scoring-rules.md §5 checks 1",
      needs_doc=True,
      example='`共投入资金1987.08万元。其中中央资金776.84万元，省级资金290.36万元，地方资金992.88万元` → error: 776.84 + 290.36 + 992.88 = 2060.08 ≠ 1987.08')
def narrative_sums(ctx: Context) -> Iterator[Finding]:
    """A total written in the text and the parts listed after 其中 / 分别为 / 包括 / 含 / 即 (or 为
    right after an amount), read from the figure index whatever the extractor mapped. Parts above the
    total are an error; parts below it a ``breakdown`` warning unless the wording makes the list
    exhaustive (分别为, 即, a 其他 part), then an error; a gap within one unit of the last written digit
    is info. A nested 其中 closes the outer list, parts in brackets are skipped, and a list that ends
    with 等 is never exhaustive."""
    idx = index_of(ctx)
    if idx is None:
        return
    for g in idx.groups_of("sum"):
        if g.where != "text" or g.total.approx or any(p.approx for p in g.parts):
            continue
        counts = g.total.kind == "count"
        sev, s, diff, t = sum_verdict(g.total, g.parts, exhaustive=g.exhaustive and not g.cut, counts=counts)
        if sev is None or (len(g.parts) == 1 and diff < 0):
            continue
        if sev == "error" and _sum_stated_nearby(idx, g, s):
            continue  # the parts add up to another amount of the passage: the list is that one's
        if sev == "error" and g.opener == "为" and len(g.parts) < 3:
            sev = "warning"  # 为 also means "for": two amounts after it may not be its parts
        if sev == "error" and (not _siblings(g) or (not counts and abs(diff) > g.total.value / 2)):
            sev = "warning"  # parts that cannot partition the total, or miss it by half: not one slip
        if sev == "warning" and (g.cut or len(g.parts) < 2):
            continue
        if counts and sev == "error" and diff > 0 and not _one_dimension(g.parts):
            sev = "warning"  # 750人，其中党员419人、45岁以下587人: overlapping attributes, not a partition
        terms = " + ".join(show(p) for p in g.parts)
        what = g.total.label or "总数"
        note = {"info": "（相差在末位数字的舍入范围内）",
                "warning": f"（少 {wan(-diff, g.total)}，所列分项可能未穷尽{'，以“等”结尾' if g.etc else ''}）"
                if diff < 0 else "（分项之和超过总数；各分项可能相互交叉，请核对）",
                "error": "（分项之和超过总数）" if diff > 0 else "（所列分项应为全部，却与总数不符）"}[sev]
        yield make(idx, ctx, "JX401", sev,
                   f"{what} 写为 {show(g.total)}，其后“{g.opener}”所列分项 {terms} 合计 {wan(s, g.total)}{note}",
                   stated=g.total, related=g.parts, recomputed=wan(s, g.total),
                   arithmetic=f"{terms} = {wan(s, g.total)}；写为 {show(g.total)}，相差 {wan(diff, g.total)}"
                              f"（容差 ±{wan(t, g.total) if t else '0'}：每项末位半个单位）",
                   kind="rounding" if sev == "info" else ("breakdown" if sev == "warning" else None))


def _rate_working(num: Figure, den: Figure) -> tuple[Decimal, Decimal, Decimal]:
    """(exact rate, low, high) of num/den × 100 with each input off by half its last digit."""
    exact = num.value / den.value * HUNDRED
    tn, td = tol(num, exact_integers=True), tol(den, exact_integers=True)
    lo = max(num.value - tn, Decimal(0)) / (den.value + td) * HUNDRED
    hi = (num.value + tn) / max(den.value - td, Decimal("1e-9")) * HUNDRED
    return exact, lo, hi


def rate_verdict(rate: Figure, num: Figure, dens: list[Figure], cutoff: Decimal | None = Decimal(10)
                 ) -> tuple[str | None, Figure, Decimal, Figure | None]:
    """(severity, first denominator, its rate, the denominator that reproduces the stated rate).

    The nearest denominator reproduces it: None. Only when truncated: info. Another one does:
    warning (definition). None does: error when the gap is under 10 points (the pair is right,
    the figure is wrong), else None (the inputs found are probably not the rate's)."""
    st = rate.value
    half = Decimal(5).scaleb(-(rate.decimals + 1))
    first = dens[0]
    results = []
    for d in dens:
        if d.value <= 0:
            continue
        exact, lo, hi = _rate_working(num, d)
        ok = lo - half <= st <= hi + half
        trunc = quantize(lo, rate.decimals, "down") <= st <= quantize(hi, rate.decimals, "down")
        results.append((d, exact, ok, trunc))
    if not results:
        return None, first, Decimal(0), None
    d0, e0, ok0, tr0 = results[0]
    if ok0:
        return None, d0, e0, d0
    if tr0:
        return "info", d0, e0, d0
    other = next((r for r in results[1:] if r[2] or r[3]), None)
    if other is not None:
        return "warning", d0, e0, other[0]
    if cutoff is None or abs(e0 - st) < cutoff:
        return "error", d0, e0, None
    return None, d0, e0, None


@rule("JX402", "文中比率 = 附近所列分子 / 分母", severity="error",
      source="财预〔2013〕53号 附件2 比率公式；财预〔2020〕10号 执行率；issue 13", needs_doc=True,
      example='`共投入资金1987.08万元 … 全年执行资金1847.85万元，执行率92.9%` → info (rounding): 1847.85 / 1987.08 = 92.9932%, rounds to 93.0, written cut to 92.9')
def narrative_rates(ctx: Context) -> Iterator[Finding]:
    """A rate written in the text (执行率, 支付率, 到位率, 完成率, 占比 …) against the amount named as its
    numerator in the same line and the amounts named as a base before it (within a few paragraphs).
    Reproduced on the nearest base: nothing; only when truncated: info; only on another base named
    nearby: a ``definition`` warning naming both; on none: an error when the gap is under ten points
    (further off, the amounts found are taken not to be the rate's inputs)."""
    idx = index_of(ctx)
    if idx is None:
        return
    for g in idx.groups_of("rate"):
        sev, d0, e0, match = rate_verdict(g.rate, g.numerator, g.denominators)
        if sev is None:
            continue
        shown = max(g.rate.decimals, 2)

        def working(d: Figure, num: Figure = g.numerator, shown: int = shown) -> str:
            e = num.value / d.value * HUNDRED
            return f"{show(num)} / {show(d)} × 100% = {fmt(quantize(e, 4))}% → {fmt(quantize(e, shown))}%"

        name = g.rate.label or g.name
        if sev == "info":
            msg = (f"{name} 写为 {g.rate.raw}%，按 {show(g.numerator)}/{show(d0)} 计算为 "
                   f"{fmt(quantize(e0, shown + 1))}%，四舍五入应为 {fmt(quantize(e0, g.rate.decimals))}%（写数为截位）")
            kind, rel, arith = "rounding", [g.numerator, d0], working(d0)
        elif sev == "warning":
            msg = (f"{name} 写为 {g.rate.raw}%，与按 {show(match)}（{match.label}）计算相符，但按最近所列的 "
                   f"{show(d0)}（{d0.label}）计算为 {fmt(quantize(e0, shown))}%（口径不同）")
            kind, rel, arith = "definition", [g.numerator, d0, match], working(d0) + "；" + working(match)
        else:
            msg = (f"{name} 写为 {g.rate.raw}%，按 {g.numerator.label} {show(g.numerator)} / "
                   f"{d0.label} {show(d0)} 计算为 {fmt(quantize(e0, shown))}%")
            kind, rel, arith = None, [g.numerator, d0], working(d0)
        yield make(idx, ctx, "JX402", sev, msg, stated=g.rate, related=rel,
                   recomputed=f"{fmt(quantize(e0, shown))}%", arithmetic=arith, kind=kind)


_ORD = "一二三四五六七八九十"


@rule("JX403", "所列个数 = 列举的项数", severity="error",
      source="文中“N个/N项”与其后列举的名称应一致；issue 13", needs_doc=True,
      example='`直属事业单位10个，分别为：甲中心、乙站…（九个名称）` → error: 9 items listed for 10')
def listed_counts(ctx: Context) -> Iterator[Finding]:
    """A count written before a list (直属事业单位10个：A、B、C…; 包括N项：…) against the items the list
    names: fewer items than the count is an error, more (sub-items named) or a list ending with 等 a
    warning. Also N个，其中k个…，其余 A …%、B …%: k plus the items listed after 其余 against N (a
    ``breakdown`` warning)."""
    idx = index_of(ctx)
    if idx is None:
        return
    for g in idx.groups_of("count"):
        if g.how == "parts":
            yield from _remainder(idx, ctx, g)
            continue
        n = len(g.items)
        if Decimal(n) == g.count.value:
            continue
        sev = "warning" if g.etc or n > g.count.value else "error"
        if g.how == "ordinal":
            names = "、".join(idx.text[a:b] for a, b in g.items)
            f = make(idx, ctx, "JX403", sev,
                     f"{g.count.label or '数量'} 写为 {show(g.count)}，其后逐条列出 {n} 条（{names}）"
                     + ("（列举跨段，后文可能另有）" if g.etc else ""),
                     stated=g.count, recomputed=str(n), arithmetic=f"一是…{_ORD[n - 1]}是：{n} 条 ≠ 写明 {g.count.raw}",
                     kind="breakdown" if sev == "warning" else None)
            from dataclasses import replace

            yield replace(f, related=tuple(idx.evidence(start=a, end=b) for a, b in g.items))
            continue
        names = "、".join(idx.text[a:b] for a, b in g.items[:12])
        a, b = g.items[0][0], g.items[-1][1]
        f = make(idx, ctx, "JX403", sev,
                 f"{g.count.label or '数量'} 写为 {show(g.count)}，其后列举 {n} 项：{names}"
                 + ("（以“等”结尾）" if g.etc else ""),
                 stated=g.count, recomputed=str(n), arithmetic=f"列举 {n} 项 ≠ 写明 {g.count.raw}",
                 kind="breakdown" if sev == "warning" else None)
        from dataclasses import replace

        yield replace(f, related=(idx.evidence(start=a, end=b),))


def _remainder(idx: FigureIndex, ctx: Context, g: Any) -> Iterator[Finding]:
    k = g.counted
    n = int(k.value) + len(g.items)
    if Decimal(n) == g.count.value:
        return
    from dataclasses import replace

    f = make(idx, ctx, "JX403", "warning",
             f"{g.count.label or '数量'} 写为 {show(g.count)}，其中 {show(k)}，其余列举 {len(g.items)} 项，合计 {n}",
             stated=g.count, related=[k], recomputed=str(n), kind="breakdown",
             arithmetic=f"{k.raw} + {len(g.items)}（其余逐项列出）= {n} ≠ {g.count.raw}")
    yield replace(f, related=(*f.related, idx.evidence(start=g.items[0][0], end=g.items[-1][1])))


@rule("JX404", "同一数额前后写法不一", severity="error",
      source="同一报告中同一事项的金额应一致（一、二部分之间，文字与表格之间）；issue 13", needs_doc=True,
      example='`地方资金922.88万元` (一) … `地方资金992.88万元` (二) → error: the same amount written two ways')
def repeated_amounts(ctx: Context) -> Iterator[Finding]:
    """An amount named by the same distinctive label (中央级资金转移支付, 地方资金 …) written twice with
    two values, one of them in a breakdown. An error when one statement is the total of a breakdown that
    adds up (地方资金 922.88 = 877.99 + 44.89, so 992.88 elsewhere is the slip); otherwise a warning (two
    things may share a name). Generic labels (预算数, 资金, 项目支出), changes (较上年, 增加), different
    verbs (下达 / 拨付), different years, per-unit and approximate figures are not compared."""
    idx = index_of(ctx)
    if idx is None:
        return
    failing, confirmed = _sum_roles(idx)
    for g in idx.groups_of("repeat"):
        fs = sorted(g.figures, key=lambda f: f.start)
        first = fs[0]
        for f in fs[1:]:
            if abs(f.value - first.value) <= tol(f) + tol(first):
                continue
            sure = any(x.i in confirmed for x in fs)
            yield make(idx, ctx, "JX404", "error" if sure else "warning",
                       f"“{g.key}”前文写为 {show(first)}（第 {first.line} 行），此处写为 {show(f)}"
                       + ("" if sure else "（两处可能指不同事项，请核对）"),
                       stated=f, related=[first], recomputed=show(first),
                       arithmetic=f"{show(f)} ≠ {show(first)}，相差 {wan(f.value - first.value, f)}")
            break


def _sum_roles(idx: FigureIndex) -> tuple[set[int], set[int]]:
    """(figures of a breakdown that does not add up, totals of one that does). A repeat of a confirmed
    total is one quantity with a slip, not two quantities sharing a name."""
    failing: set[int] = set()
    confirmed: set[int] = set()
    for g in idx.groups_of("sum"):
        sev, *_ = sum_verdict(g.total, g.parts, exhaustive=False, counts=g.total.kind == "count")
        if sev in ("error", "warning"):
            failing.update(f.i for f in (g.total, *g.parts))
        elif sev is None and len(g.parts) >= 2:
            confirmed.add(g.total.i)
    return failing, confirmed


@rule("JX405", "数量 × 单价 = 金额", severity="warning",
      source="标准×数量=金额（补助、资助按人按户发放）；issue 13", needs_doc=True,
      example='`资助学生9名，每人0.60万元，共计发放6.46万元` → warning: 9 × 0.60 = 5.40')
def unit_prices(ctx: Context) -> Iterator[Finding]:
    """A count, a price per unit and the amount they make, written in one sentence (9名学生，每人0.60万元，
    共6.46万元). A warning: the sentence may leave a term out."""
    idx = index_of(ctx)
    if idx is None:
        return
    for g in idx.groups_of("product"):
        want = g.quantity.value * g.price.value
        t = tol(g.amount) + g.quantity.value * tol(g.price)
        if abs(want - g.amount.value) <= t:
            continue
        yield make(idx, ctx, "JX405", "warning",
                   f"{g.amount.label or '金额'} 写为 {show(g.amount)}，按 {show(g.quantity)} × {show(g.price)} "
                   f"计算为 {wan(want, g.amount)}",
                   stated=g.amount, related=[g.quantity, g.price], recomputed=wan(want, g.amount),
                   arithmetic=f"{g.quantity.raw} × {show(g.price)} = {wan(want, g.amount)} ≠ {show(g.amount)}")


@rule("JX406", "资金来源合计 = 资金使用合计 + 结转结余", severity="error",
      source="部门决算：收入 = 支出 + 结转结余；自评表 年度资金总额 按收入性质分 = 按支出性质分；issue 13",
      needs_doc=True,
      example='`本年收入合计90.37万元，本年支出合计76.36万元，年末结转结余0万元` → error: 76.36 + 0 ≠ 90.37')
def sources_uses(ctx: Context) -> Iterator[Finding]:
    """The funds by source (按收入性质分, 收入合计) against the funds by use (按支出性质分, 支出合计), plus
    a stated 结转结余. When no balance is written the gap is an error for the two halves of one 自评表
    row (按收入性质分 / 按支出性质分), else a warning."""
    idx = index_of(ctx)
    if idx is None:
        return
    lex = lexicon()
    for g in idx.groups_of("balance"):
        bal = g.balance.value if g.balance is not None else Decimal(0)
        gap = g.sources.value - g.uses.value - bal
        t = tol(g.sources) + tol(g.uses) + (tol(g.balance) if g.balance is not None else 0)
        if abs(gap) <= t:
            continue
        paired = "按收入性质分" in idx.text[g.sources.label_start:g.sources.start] \
            and "按支出性质分" in idx.text[g.uses.label_start:g.uses.start]
        sev = "error" if (paired or g.balance is not None) else "warning"
        rel = [g.uses] + ([g.balance] if g.balance is not None else [])
        terms = f"{show(g.uses)}" + (f" + {show(g.balance)}" if g.balance is not None else "")
        _ = lex
        yield make(idx, ctx, "JX406", sev,
                   f"{g.sources.label} {show(g.sources)} 与 {g.uses.label} {terms} 不符，相差 {wan(gap, g.sources)}",
                   stated=g.sources, related=rel, recomputed=wan(g.uses.value + bal, g.sources),
                   arithmetic=f"{terms} = {wan(g.uses.value + bal, g.sources)} ≠ {show(g.sources)}")


def figures_of(groups: Iterable[Any]) -> set[int]:
    out: set[int] = set()
    for g in groups:
        for v in vars(g).values():
            if isinstance(v, Figure):
                out.add(v.i)
    return out
