"""What the scoring engine found about its inputs, as findings (JX13x).

The engine scores a ratio on its framework's base, always; a report that states the ratio on another base
gets a ``definition`` warning (JX130). An input that cannot be scored from — a negative amount or 分值, a
zero denominator — is an error (JX131), and a total that could not be computed says why (JX132, info, with
the part that was scored). Each finding carries the engine's stated value, recomputed value and arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.audit.context import Context
from jixiao.audit.registry import rule
from jixiao.model import Finding

#: The code of the partial-score finding; ``jixiao batch --summary`` adds up its ``recomputed`` texts.
PARTIAL_CODE = "JX132"


def _problems(ctx: Context, kind: str) -> Iterator[tuple[object, object]]:
    res = ctx.score_result
    if res is None:
        return
    seen: set[str] = set()
    for item in (*getattr(res, "items", ()), *getattr(res, "others", ())):
        for p in getattr(item, "problems", ()):
            if getattr(p, "kind", None) == kind and p.message not in seen:
                seen.add(p.message)
                yield item, p
    for p in getattr(res, "problems", ()):
        if getattr(p, "kind", None) == kind and p.message not in seen:
            seen.add(p.message)
            yield None, p


def _path(ctx: Context, item: object, p: object) -> str | None:
    where = getattr(p, "where", None)
    if where:
        return where
    i = getattr(item, "index", None)
    return ctx.indicator_path(i, "score") if i is not None else None


@rule("JX130", "评分比率口径与框架不同", severity="warning",
      source="scoring-rules.md Decisions：比率分母以框架口径为准（53号 年初批复预算），另一口径相符为 definition")
def ratio_base(ctx: Context) -> Iterator[Finding]:
    """A ratio the report states on another base (年初 / 调整后) than its framework's: the engine scores it on
    the framework's base (or not at all when the report lacks that denominator) and says so here."""
    for item, p in _problems(ctx, "definition"):
        yield ctx.finding("JX130", "warning", p.message, path=_path(ctx, item, p), stated=p.stated,
                          recomputed=p.recomputed, arithmetic=p.arithmetic, kind="definition")


@rule("JX131", "评分输入无效", severity="error",
      source="jixiao.model.input_problem：金额、分值不能为负，比率分母不能为 0")
def invalid_inputs(ctx: Context) -> Iterator[Finding]:
    """A negative amount or 分值, or a zero denominator: nothing is scored from it (the item stays unscored and
    the total is not computed)."""
    for item, p in _problems(ctx, "input"):
        yield ctx.finding("JX131", "error", p.message, path=_path(ctx, item, p), stated=p.stated,
                          recomputed=p.recomputed, arithmetic=p.arithmetic)


@rule(PARTIAL_CODE, "未能计算总分（部分评分）", severity="info",
      source="jixiao.scoring：缺少指标或输入时只给出可评部分，并列出所缺指标")
def partial_score(ctx: Context) -> Iterator[Finding]:
    """The framework's total could not be computed for a report that offers scores (a stated total or score
    rows): which items are missing, and what the part that could be scored comes to
    (``已评 3 项 / 共 27 项，可评分值 11 分，得 10.96 分``)."""
    res = ctx.score_result
    partial = getattr(res, "partial", None) if res is not None else None
    offered = ctx.ev.score.total is not None or any(getattr(it, "index", None) is not None
                                                     for it in getattr(res, "items", ()))
    if not offered:
        return  # the report offers no score to total (a narrative under a default framework): nothing to say
    for _, p in _problems(ctx, "missing"):
        if getattr(p, "severity", None) == "info":
            continue  # an item's own note (a denominator the report lacks); the result's line says the rest
        text = f"；{partial.text()}" if partial is not None else ""
        yield ctx.finding(PARTIAL_CODE, "info", f"{p.message}{text}", path="score.total",
                          stated=getattr(getattr(ctx.ev, "score", None), "total", None),
                          recomputed=partial.text() if partial is not None else None,
                          arithmetic=partial.text() if partial is not None else None)
