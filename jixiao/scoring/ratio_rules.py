"""The rule kinds that read a ratio against bands, step deductions or quarterly 序时 targets (§2b, seed 004).

Kept apart from :mod:`.rules` (whose helpers they share) so each module stays small; registering them is
importing this module, which :mod:`jixiao.scoring` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from jixiao.scoring.fmt import num, pct, raw_text
from jixiao.scoring.params import Band, Direction, QuarterTargets, RatioName, non_empty
from jixiao.scoring.ratios import QUARTERS
from jixiao.scoring.registry import HUNDRED, ONE, ZERO, Ctx, Outcome, RuleParams, param, rule_kind
from jixiao.scoring.rules import _missing, _shown, _verdict
from jixiao.yamlschema import Bool, Num, choice


def _band_text(b: Mapping[str, Any]) -> str:
    """``≤ 90%``, ``(90%, 100%]``, ``≥ 90%`` … (memoised on the band, which the loader built)."""
    t = b.get("_text")
    if t is None:
        t = b["_text"] = _band_text_of(b)  # type: ignore[index]
    return t


def _band_text_of(b: Mapping[str, Any]) -> str:
    f, a, u, bl = b.get("from"), b.get("above"), b.get("upto"), b.get("below")
    lo, lo_open = (a, True) if a is not None else (f, False)
    hi, hi_open = (bl, True) if bl is not None else (u, False)
    if lo is None and hi is None:
        return "其他情况"
    if lo is None:
        return f"{'<' if hi_open else '≤'} {pct(hi)}"
    if hi is None:
        return f"{'>' if lo_open else '≥'} {pct(lo)}"
    return f"{'(' if lo_open else '['}{pct(lo)}, {pct(hi)}{')' if hi_open else ']'}"


def _in_band(v: Decimal, b: Mapping[str, Any]) -> bool:
    f, a, u, bl = b.get("from"), b.get("above"), b.get("upto"), b.get("below")
    return ((f is None or v >= f) and (a is None or v > a) and (u is None or v <= u)
            and (bl is None or v < bl))


class BandsParams(RuleParams):
    kind: Literal["bands"]
    ratio: RatioName
    bands: Annotated[tuple[Band, ...], non_empty("应为区间列表")] = param(
        help="[{upto|below|from|above: 百分数, score|deduct: 分}]，按顺序取第一个命中的区间")


@rule_kind("bands", "区间计分：比率落在哪个区间得（或扣）多少分", BandsParams)
def bands(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    rv = ctx.rate(p["ratio"])
    if rv is None:
        return _missing(ctx, "bands", p["ratio"], p["ratio"])
    w, fw = ctx.weight, ctx.fw
    v = fw.round(rv.value)  # the band is judged on the rate as the form shows it
    for b in p["bands"]:
        if _in_band(v, b):
            band = _band_text(b)
            if b.get("score") is not None:
                s = min(w, b["score"])
            else:
                s = max(ZERO, w - b["deduct"])

            def explain(b=b, band=band, s=s) -> tuple[str, str]:
                if b.get("score") is not None:
                    formula = f"{pct(v)} ∈ {band} → {num(s)}"
                else:
                    formula = f"{pct(v)} ∈ {band} → {num(w)} − {num(b['deduct'])} = {num(s)}"
                return formula, _verdict(w, s, f"{rv.show(fw)}，处于 {band} 区间")

            inputs = rv.inputs()
            inputs["band"] = band
            return Outcome(s, "bands", inputs, None, None, True, [], explain)
    out = _missing(ctx, "bands", f"覆盖 {pct(v)} 的区间")
    out.problems.append(("warning", f"{rv.label} {pct(v)} 不在框架的任何区间内"))
    return out


class StepsParams(RuleParams):
    kind: Literal["steps"]
    ratio: RatioName
    limit: Num = param(HUNDRED)
    direction: Direction = param("above")
    per: Num = param(ONE, help="每多少个百分点")
    deduct: Num
    count: choice("exact", "floor", "ceil") = param("exact", help="不足一档时：exact 按比例；floor 不扣；ceil 按一档扣")


@rule_kind("steps", "超限扣分：每超出（或低于）限值若干百分点扣 x 分，扣完为止", StepsParams)
def steps(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    rv = ctx.rate(p["ratio"])
    if rv is None:
        return _missing(ctx, "steps", p["ratio"], p["ratio"])
    w, fw, limit, per, deduct = ctx.weight, ctx.fw, p["limit"], p["per"], p["deduct"]
    v = rv.value
    gap = v - limit if p["direction"] == "above" else limit - v
    word = "超过" if p["direction"] == "above" else "低于"
    inputs = rv.inputs()
    inputs["limit"] = limit
    if gap <= 0:
        def explain_ok() -> tuple[str, str]:
            return (f"{pct(fw.round(v))} 未{word} {pct(limit)} → {num(w)}",
                    _verdict(w, w, f"{rv.show(fw)}，未{word} {pct(limit)}"))

        return Outcome(w, "steps", inputs, None, None, True, [], explain_ok)
    n = gap / per
    if p["count"] == "floor":
        n = n.to_integral_value(rounding="ROUND_FLOOR")
    elif p["count"] == "ceil":
        n = n.to_integral_value(rounding="ROUND_CEILING")
    d = fw.round(n * deduct)
    s = max(ZERO, w - d)

    def explain() -> tuple[str, str]:
        formula = (f"{num(w)} − {num(deduct)} × ({pct(fw.round(gap))} / {num(per)}) = {num(w)} − {num(d)} = "
                   f"{num(s)}" + ("（扣完为止）" if w - d < 0 else ""))
        what = f"{rv.show(fw)}，{word} {pct(limit)}，每 {num(per)} 个百分点扣 {num(deduct)} 分"
        return formula, _verdict(w, s, what)

    return Outcome(s, "steps", inputs, None, None, True, [], explain)


class QuarterlyParams(RuleParams):
    kind: Literal["quarterly"]
    ratio: RatioName
    per_quarter: Num
    target: Num = param(HUNDRED, help="各季度序时目标（百分数）")
    targets: QuarterTargets | None = param(None, help="{1: 25, 2: 50, …} 各季度不同的序时目标，覆盖 target")
    round_deduction: Bool = param(True, help="先按框架舍入扣分再相减（深圳口径）")


@rule_kind("quarterly", "季度序时进度：每季度按 系数 ×（1 − 执行率/序时目标）扣分", QuarterlyParams)
def quarterly(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    qs = ctx.quarters(p["ratio"])
    if not qs:
        return _missing(ctx, "quarterly", "各季度序时执行率")
    w, k, fw, name = ctx.weight, p["per_quarter"], ctx.fw, ctx.name
    targets = p.get("targets") or {}
    raw = ZERO
    low: list[tuple[int, Decimal, Decimal]] = []
    inputs: dict[str, Any] = {}
    for q in sorted(qs):
        rv = qs[q]
        t = targets.get(str(q)) or p["target"]
        inputs[rv.label] = rv.value
        if rv.value < t:
            raw += k * (t - rv.value) / t
            low.append((q, rv.value, t))
    if not low:
        def explain_ok() -> tuple[str, str]:
            return f"各季度均达到序时目标 → {num(w)}", _verdict(w, w, f"{name}：各季度序时执行率均达到序时进度")

        return Outcome(w, "quarterly", inputs, None, None, True, [], explain_ok)
    if p["round_deduction"]:
        d = fw.round(raw)
        s = max(ZERO, w - d)
    else:
        s = fw.round(max(ZERO, w - raw))

    def explain() -> tuple[str, str]:
        terms = " + ".join(f"{num(k)} × (1 − {pct(v)}/{pct(t)})" for _, v, t in low)
        if p["round_deduction"]:
            d_txt = num(d) if d == raw else f"{raw_text(raw)} → {num(d)}（{fw.rounding_label}）"
            formula = f"{num(w)} − [{terms}] = {num(w)} − {d_txt} = {num(s)}"
        else:
            formula = f"{num(w)} − [{terms}] = {_shown(fw, max(ZERO, w - raw), s)}"
        quarters = "、".join(f"{QUARTERS[q - 1]}季度 {pct(v)}" for q, v, _ in low)
        reason = (f"{quarters} 低于序时进度，每季度按 {num(k)} ×（1 − 执行率）扣分，"
                  f"合计扣 {num(w - s)} 分，得 {num(s)} 分")
        return formula, reason

    return Outcome(s, "quarterly", inputs, None, None, True, [], explain)
