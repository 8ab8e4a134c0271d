"""JX111–JX117 — the score table's arithmetic: scores within weights, weights and scores summing to their
parents and to the total, the 执行率 row's score, the framework's recomputed scores. The shared sum check
and its tolerance policy are :func:`jixiao.audit.arithmetic.sum_finding`'s."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from jixiao.audit.arithmetic import sum_finding
from jixiao.audit.context import (
    HUNDRED,
    Context,
    fmt,
    half,
)
from jixiao.audit.registry import rule
from jixiao.model import Finding
from jixiao.numbers import quantize


def _norm(s: str | None) -> str:
    return "".join((s or "").split())


@rule("JX111", "得分不超过分值", severity="error",
      source="财预〔2020〕10号：超额完成不加分，单项得分以分值为上限；scoring-rules.md P-Q5、P-W4")
def score_within_weight(ctx: Context) -> Iterator[Finding]:
    """Each indicator's 得分 must lie between 0 and its 分值 (a 得分 read from a percent cell is skipped:
    the column was misread)."""
    for i, ind in enumerate(ctx.ev.indicators):
        if ind.score is None or ind.weight is None or ind.weight < 0:  # a negative 分值 is JX131's (no range)
            continue
        sev_text = (ctx.evidence(f"indicators[{i}].score") or ctx.evidence(f"indicators[{i}].weight"))
        if sev_text is not None and sev_text.text.strip().endswith(("%", "％")):
            continue  # a percent read into the 得分 column is a misread cell, not a score
        if ind.score > ind.weight or ind.score < 0:
            f = ctx.finding("JX111", "error",
                            f"{ind.name} 得分 {fmt(ind.score)} 超出分值范围 0～{fmt(ind.weight)}",
                            path=f"indicators[{i}].score", stated=ind.score, recomputed=ind.weight,
                            arithmetic=f"0 ≤ 得分 ≤ 分值：{fmt(ind.score)} {'>' if ind.score > 0 else '<'} "
                                       f"{fmt(ind.weight if ind.score > 0 else Decimal(0))}",
                            related=[f"indicators[{i}].weight"])
            yield ctx.ocr_downgrade(f)


def _groups(ctx: Context, level: str) -> dict[tuple[str, ...], list[int]]:
    key = ("groups", level)
    if key not in ctx.cache:
        ctx.cache[key] = _make_groups(ctx, level)
    return ctx.cache[key]


def _make_groups(ctx: Context, level: str) -> dict[tuple[str, ...], list[int]]:
    out: dict[tuple[str, ...], list[int]] = {}
    for i, ind in enumerate(ctx.ev.indicators):
        l1 = _norm(ind.level1)
        key = (l1,) if level == "level1" else (l1, _norm(ind.level2))
        if not key[-1]:
            continue
        out.setdefault(key, []).append(i)
    return out


@rule("JX112", "下级分值之和 = 上级分值", severity="error",
      source="财预〔2020〕10号：各级指标分值之和等于上级分值；厂商系统 weightCheckNew；scoring-rules.md P-W4")
def weight_sums(ctx: Context) -> Iterator[Finding]:
    """Third-level 分值 add up to their second-level 分值, and those to the first-level 分值."""
    inds = ctx.ev.indicators
    for level, attr in (("level2", "level2_weight"), ("level1", "level1_weight")):
        for key, idx in _groups(ctx, level).items():
            parent = next((getattr(inds[i], attr) for i in idx if getattr(inds[i], attr) is not None), None)
            if parent is None or any(inds[i].weight is None for i in idx):
                continue
            ppath = f"indicators[{idx[0]}].{attr}"
            name = key[-1]
            parts = [(f"indicators[{i}].weight", inds[i].name, inds[i].weight) for i in idx]
            f = sum_finding(ctx, "JX112", f"{name} 下级指标分值之和与其分值不符",
                             (ppath, f"{name} 分值", parent), parts,
                             primary=ppath if ctx.evidence(ppath) else parts[0][0], min_decimals=2, counts=True)
            if f:
                yield f


@rule("JX113", "各项得分之和 = 总分", severity="error",
      source="财预〔2020〕10号：总分 = 各三级指标得分 + 预算执行率得分；scoring-rules.md P-W4")
def score_total(ctx: Context) -> Iterator[Finding]:
    """The stated 总分 against the sum of the indicator scores (when the table is complete, i.e. its
    分值 add up to 100), and against the sum of the stated first-level parts."""
    ev = ctx.ev
    total = ev.score.total
    if total is None:
        return
    tterm = ("score.total", "总分", total)
    inds = [(i, ind) for i, ind in enumerate(ev.indicators) if ind.score is not None]
    if inds and all(ind.weight is not None for _, ind in inds):
        wsum = sum((ind.weight for _, ind in inds), Decimal(0))
        if wsum == HUNDRED:
            parts = [(f"indicators[{i}].score", ind.name, ind.score) for i, ind in inds]
            f = sum_finding(ctx, "JX113", "各指标得分之和与总分不符", tterm, parts, min_decimals=2, counts=True)
            if f:
                yield f
                return
    if ev.score.parts:
        parts = [(f"score.parts.{k}", k, v) for k, v in ev.score.parts.items()]
        f = sum_finding(ctx, "JX113", "一级指标得分之和与总分不符", tterm, parts, min_decimals=2, counts=True)
        if f:
            yield f


@rule("JX114", "一级指标得分 = 其下各项得分之和", severity="error",
      source="评分表结构：上级得分为下级得分之和；scoring-rules.md §5 seed 004（20 / 18.99 / 58.62）")
def part_sums(ctx: Context) -> Iterator[Finding]:
    """Each stated first-level score (部门决策 18.99 …) against the scores of its rows."""
    ev = ctx.ev
    groups = _groups(ctx, "level1")
    for name, value in ev.score.parts.items():
        idx = groups.get((_norm(name),))
        if not idx or any(ev.indicators[i].score is None for i in idx):
            continue
        parts = [(f"indicators[{i}].score", ev.indicators[i].name, ev.indicators[i].score) for i in idx]
        f = sum_finding(ctx, "JX114", f"{name} 得分与其下各项得分之和不符",
                         (f"score.parts.{name}", f"{name} 得分", value), parts, min_decimals=2, counts=True)
        if f:
            yield f


@rule("JX115", "预算执行率得分 = 分值 × 执行率", severity="warning",
      source="财预〔2020〕10号 自评表：预算执行率得分 = 分值 × min(执行率, 100%)；scoring-rules.md P-E2")
def execution_score(ctx: Context) -> Iterator[Finding]:
    """In a 项目 自评表 the 预算执行率 row scores 分值 × min(执行率, 100%). A score that fits neither
    the stated nor the recomputed rate is a warning (local rules may band it). Department frameworks
    score execution by their own standards and are not checked here."""
    ev = ctx.ev
    b = ev.budget
    if ctx.score_result is not None or ev.scope != "project" or b.executed is None or not b.adjusted \
            or b.adjusted <= 0:
        return  # the scoring engine's recomputation (JX117) takes over when it ran
    rates = [b.executed / b.adjusted * HUNDRED]
    if b.execution_rate is not None:
        rates.append(b.execution_rate)
    for i, ind in enumerate(ev.indicators):
        if ind.weight is None or ind.score is None or "执行率" not in ind.name:
            continue
        d = ctx.decimals(f"indicators[{i}].score", ind.score)
        expects = [quantize(ind.weight * min(r, HUNDRED) / HUNDRED, max(d, 2)) for r in rates]
        if any(abs(e - ind.score) <= half(d) for e in expects):
            continue
        f = ctx.finding("JX115", "warning",
                        f"预算执行率得分 写为 {fmt(ind.score)}，按 {fmt(ind.weight)} × {fmt(quantize(rates[0], 2))}% "
                        f"计算为 {fmt(expects[0])}",
                        path=f"indicators[{i}].score", stated=ind.score, recomputed=expects[0],
                        arithmetic=f"{fmt(ind.weight)} × min({fmt(quantize(rates[0], 4))}%, 100%) = {fmt(expects[0])}",
                        related=["budget.executed", "budget.adjusted"])
        yield f


@rule("JX116", "分值合计为 100", severity="warning",
      source="财预〔2020〕10号：指标分值合计 100 分；scoring-rules.md P-W4")
def weights_total(ctx: Context) -> Iterator[Finding]:
    """The stated first-level 分值 of a score table add up to 100."""
    inds = ctx.ev.indicators
    seen: dict[str, tuple[int, Decimal]] = {}
    for i, ind in enumerate(inds):
        key = _norm(ind.level1)
        if key and ind.level1_weight is not None and key not in seen:
            seen[key] = (i, ind.level1_weight)
    if len(seen) < 2:
        return
    parts = [(f"indicators[{i}].level1_weight", k, w) for k, (i, w) in seen.items()]
    s = sum((w for _, w in seen.values()), Decimal(0))
    if s != HUNDRED:
        yield ctx.finding("JX116", "warning", f"一级指标分值合计为 {fmt(s)}，不等于 100",
                          path=parts[0][0], stated=s, recomputed=HUNDRED,
                          arithmetic=" + ".join(fmt(w) for _, _, w in parts) + f" = {fmt(s)} ≠ 100",
                          related=[p for p, _, _ in parts])


@rule("JX117", "得分与评分规则重算不符", severity="warning",
      source="jixiao.scoring 按框架评分规则重算（scoring-rules.md §1–§2）")
def engine_scores(ctx: Context) -> Iterator[Finding]:
    """Where the scoring engine could recompute an item from its rule (``recomputed``), a stated
    得分 that differs by more than half a unit of its last digit is a warning: the rule applied
    locally may differ from the framework's."""
    res = ctx.score_result
    if res is None:
        return
    for item in getattr(res, "items", None) or ():
        if not getattr(item, "recomputed", False):
            continue
        stated, score = getattr(item, "stated", None), getattr(item, "score", None)
        if not isinstance(stated, Decimal) or not isinstance(score, Decimal):
            continue
        name = getattr(item, "name", "") or ""
        idx = next((i for i, ind in enumerate(ctx.ev.indicators) if _norm(ind.name) == _norm(name)), None)
        path = ctx.indicator_path(idx, "score") if idx is not None else getattr(item, "path", None)
        if abs(stated - score) <= half(max(ctx.decimals(path, stated), 2)):
            continue
        formula = getattr(item, "formula", None) or getattr(item, "rule", None) or ""
        reason = getattr(item, "reason", None) or ""
        yield ctx.finding("JX117", "warning",
                          f"{name} 得分 写为 {fmt(stated)}，按评分规则计算为 {fmt(score)}",
                          path=path, stated=stated, recomputed=score,
                          arithmetic="；".join(x for x in (str(formula), str(reason)) if x))
