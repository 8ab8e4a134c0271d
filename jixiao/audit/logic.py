"""JX2xx — logic: statements in the report that contradict each other.

Not sums but consistency: money left unspent must show up somewhere, a report
that lost points cannot say it has no problems, a delay in the problems section
should cost a 时效 point, a score below full marks needs a 偏差原因, and the
dates must fit the year. Sources: scoring-rules.md P-D1, P-Q6, P-G1, §5.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from jixiao.audit.context import HUNDRED, Context, fmt
from jixiao.audit.registry import rule
from jixiao.model import Finding, Indicator
from jixiao.numbers import NumberError, parse_number

_NONE_RE = re.compile(r"^\s*[（(]?\s*(无|没有|暂无|无。|无问题)\s*[)）]?\s*[。.]?\s*$")
_DELAY_RE = re.compile(r"延迟|延误|延期|推迟|滞后|迟缓|缓慢|未能按期|未按期|未完成|未达到|未达标|进度慢|不及预期|差距")


def _is_none_text(s: str | None) -> bool:
    return s is not None and bool(_NONE_RE.match(s))


def _deducted(ctx: Context) -> list[tuple[int, Indicator]]:
    return [(i, ind) for i, ind in enumerate(ctx.ev.indicators)
            if ind.weight is not None and ind.score is not None and ind.score < ind.weight]


def _problems_evidence_path(ctx: Context) -> str | None:
    for p in ("problems", "measures"):
        if ctx.evidence(p):
            return p
    return None


def _locate_problems(ctx: Context):
    """The 存在问题 section's own words (``无``) located after its heading in the document."""
    if ctx.doc is None:
        return None
    m = re.search(r"(?:存在的?主要问题|存在问题|存在的问题)[^\n]*\n\s*(无)", ctx.text)
    return ctx.make_evidence(m.start(1), m.end(1)) if m else None


@rule("JX201", "未执行预算与年末结转结余不符", severity="warning",
      source="53号 结转结余率；部门决算 年末结转和结余 = 年初结转 + 预算 − 支出；scoring-rules.md §5 checks 6")
def unspent_vs_carryover(ctx: Context) -> Iterator[Finding]:
    """The budget left unspent (预算 − 执行数, plus 年初结转 when stated) should reappear as 年末结转和结余,
    or the report should say where it went (收回, 上缴). A gap needs an explanation: warning."""
    b = ctx.ev.budget
    if b.adjusted is None or b.executed is None or b.carryover_end is None:
        return
    unspent = b.adjusted - b.executed
    tol = (ctx.tol("budget.adjusted", b.adjusted) + ctx.tol("budget.executed", b.executed)
           + ctx.tol("budget.carryover_end", b.carryover_end))
    if abs(unspent - b.carryover_end) <= tol:
        return
    alt = None
    if b.carryover_start is not None:
        alt = unspent + b.carryover_start
        if abs(alt - b.carryover_end) <= tol + ctx.tol("budget.carryover_start", b.carryover_start):
            return
    arith = f"{fmt(b.adjusted)} − {fmt(b.executed)} = {fmt(unspent)}"
    if alt is not None:
        arith += f"；加年初结转 {fmt(b.carryover_start)} 为 {fmt(alt)}"
    arith += f"；年末结转和结余 写为 {fmt(b.carryover_end)}"
    yield ctx.finding("JX201", "warning",
                      f"未执行预算 {fmt(unspent)} 万元与年末结转和结余 {fmt(b.carryover_end)} 万元不符，需说明差额去向",
                      path="budget.carryover_end", stated=b.carryover_end, recomputed=unspent, arithmetic=arith,
                      related=["budget.adjusted", "budget.executed"])


def _shortfalls(ctx: Context) -> tuple[list[str], list]:
    """What the figures say went short of plan (execution under 100 %, deducted indicators), and those rows."""
    reasons = []
    b = ctx.ev.budget
    if b.execution_rate is not None and b.execution_rate < HUNDRED:
        reasons.append(f"预算执行率 {fmt(b.execution_rate)}% 未达 100%")
    elif b.executed is not None and b.adjusted and b.executed < b.adjusted:
        reasons.append(f"执行数 {fmt(b.executed)} 小于预算数 {fmt(b.adjusted)}")
    lost = _deducted(ctx)
    if lost:
        reasons.append("扣分指标：" + "、".join(f"{ind.name}（{fmt(ind.score)}/{fmt(ind.weight)}）" for _, ind in lost[:5]))
    return reasons, lost


@rule("JX202", "问题写“无”但有扣分或未全额执行", severity="warning",
      source="自评表填报说明：未满分或执行率 < 100% 须分析原因、列明问题；scoring-rules.md P-D1")
def no_problems_claimed(ctx: Context) -> Iterator[Finding]:
    """存在问题 written as 无 while points were deducted or the budget was not fully executed."""
    ev = ctx.ev
    if not _is_none_text(ev.problems):
        return
    reasons, lost = _shortfalls(ctx)
    if not reasons:
        return
    path = _problems_evidence_path(ctx)
    yield ctx.finding("JX202", "warning", "存在问题写为“无”，但" + "；".join(reasons),
                      path=path, stated=ev.problems, evidence=None if path else _locate_problems(ctx), arithmetic="；".join(reasons),
                      related=["budget.execution_rate", *(f"indicators[{i}].score" for i, _ in lost[:3])])


@rule("JX209", "存在问题写“无”", severity="info",
      source="自评须查找问题、提出改进措施；scoring-rules.md §5 seed 002（问题“无”：标记）")
def no_problems_listed(ctx: Context) -> Iterator[Finding]:
    """存在问题 written as 无 where the figures show no shortfall (with one, JX202 says so as a warning):
    a self-evaluation that finds nothing to improve is worth a reviewer's second look."""
    ev = ctx.ev
    if not _is_none_text(ev.problems) or _shortfalls(ctx)[0]:
        return
    path = _problems_evidence_path(ctx)
    yield ctx.finding("JX209", "info", "存在问题写为“无”：自评未列出任何问题或改进方向",
                      path=path, stated=ev.problems, evidence=None if path else _locate_problems(ctx))


@rule("JX203", "全部满分但问题部分报告延迟或未完成", severity="warning",
      source="自评表填报说明：存在问题提及延迟或未完成的，相应指标应扣分或说明；scoring-rules.md P-D1、T-6")
def full_marks_with_delays(ctx: Context) -> Iterator[Finding]:
    """Every output/benefit indicator scored full marks while 存在问题 reports a delay or shortfall
    (seed 001: 疫情原因业务开展工作延迟, 时效指标 15/15, 偏差 column empty)."""
    ev = ctx.ev
    text = ev.problems or ""
    m = _DELAY_RE.search(text)
    if not m or _is_none_text(text):
        return
    rows = [(i, ind) for i, ind in enumerate(ev.indicators)
            if ind.weight is not None and ind.score is not None and "执行率" not in ind.name]
    if not rows or any(ind.score < ind.weight for _, ind in rows):
        return
    if any((ind.deviation or "").strip() for _, ind in rows):
        return
    timely = [ind.name for _, ind in rows if "时效" in (ind.level2 or "") or "及时" in ind.name]
    extra = f"（时效指标 {'、'.join(timely)} 亦为满分）" if timely else ""
    yield ctx.finding("JX203", "warning",
                      f"存在问题提到“{m.group(0)}”，但各产出、效益指标均为满分且无偏差说明{extra}",
                      path=_problems_evidence_path(ctx), stated=text.strip()[:60],
                      evidence=None if _problems_evidence_path(ctx) else ctx.locate(text),
                      arithmetic=f"{len(rows)} 项指标得分 = 分值", related=[f"indicators[{rows[0][0]}].score"])


_SYNONYMS = {"预算执行": ("序时", "执行率", "执行进度", "支出进度"), "政府采购": ("采购",),
             "公用经费": ("公用经费",), "资产管理": ("资产", "盘点")}


def _explained(ctx: Context, ind: Indicator) -> bool:
    if (ind.deviation or "").strip():
        return True
    name = re.sub(r"[（(].*?[)）]|\s", "", ind.name)
    keys = {name[:4], name[-4:]} if len(name) >= 4 else {name}
    for k, syn in _SYNONYMS.items():
        if k in name:
            keys.update(syn)
    texts = list(ctx.ev.deductions)
    if ctx.text:
        texts += [s for s in re.split(r"[。；\n]", ctx.text) if "扣" in s and "分" in s]
    return any(any(k and k in t for k in keys) for t in texts)


def _number(s: str | None):
    if not s:
        return None
    try:
        n = parse_number(re.sub(r"^[≥≤><=＝]+", "", s.strip()))
    except (NumberError, ValueError, ArithmeticError):
        return None
    return n


@rule("JX204", "未满分或未达目标但无偏差原因", severity="warning",
      source="自评表填报说明：未完成目标或未得满分的须填写偏差原因分析及改进措施；scoring-rules.md P-D1")
def missing_deviation(ctx: Context) -> Iterator[Finding]:
    """An indicator scored below its 分值, or whose actual value falls short of its target, needs a
    偏差原因 — in its own column or in the report's 扣分原因 text."""
    for i, ind in enumerate(ctx.ev.indicators):
        reason = None
        if ind.weight is not None and ind.score is not None and ind.score < ind.weight:
            reason = f"得分 {fmt(ind.score)} 低于分值 {fmt(ind.weight)}"
        else:
            t, a = _number(ind.target), _number(ind.actual)
            reverse = (ind.nature or "").startswith("<") or "≤" in (ind.target or "")
            if t is not None and a is not None and t.unit == a.unit and not reverse and a.value < t.value:
                reason = f"实际完成值 {ind.actual} 低于年度指标值 {ind.target}"
        if reason is None or _explained(ctx, ind):
            continue
        yield ctx.finding("JX204", "warning", f"{ind.name}：{reason}，但未说明偏差原因",
                          path=ctx.indicator_path(i, "score") if ind.score is not None else ctx.indicator_path(i, "actual"),
                          stated=ind.score if ind.score is not None else ind.actual,
                          related=[f"indicators[{i}].actual", f"indicators[{i}].name"])


@rule("JX205", "超额完成 ≥ 130% 未说明", severity="warning",
      source="广西等地绩效系统：实际值 ≥ 目标值 130% 须填写偏差原因（厂商 actualValueCheck）；10号 超额完成须说明目标是否偏低；scoring-rules.md P-Q5、P-Q6")
def over_completion(ctx: Context) -> Iterator[Finding]:
    """An actual value at or above 130 % of a positive target, with no 偏差原因: the target may have
    been set too low and should be explained."""
    limit = ctx.profile.over_completion
    for i, ind in enumerate(ctx.ev.indicators):
        t, a = _number(ind.target), _number(ind.actual)
        if t is None or a is None or t.unit != a.unit or t.value <= 0 or t.unit == "%":
            continue
        if (ind.nature or "").startswith("<") or "≤" in (ind.target or ""):
            continue
        if a.value >= t.value * limit and not (ind.deviation or "").strip():
            pct = (a.value / t.value * HUNDRED).quantize(Decimal("0.1"))
            yield ctx.finding("JX205", "warning",
                              f"{ind.name}：实际完成 {ind.actual} 为目标 {ind.target} 的 {fmt(pct)}%，超额完成未说明原因（目标可能偏低）",
                              path=ctx.indicator_path(i, "actual"), stated=ind.actual, recomputed=f"{fmt(pct)}%",
                              arithmetic=f"{fmt(a.value)} / {fmt(t.value)} = {fmt(pct)}% ≥ {fmt(limit * HUNDRED)}%",
                              related=[f"indicators[{i}].target"])


def _grade_of(ctx: Context, total: Decimal) -> str:
    for bound, g in ctx.profile.grades:
        if total >= bound:
            return g
    return ctx.profile.grades[-1][1]


@rule("JX206", "自评等级与得分不符", severity="warning",
      source="财政部 评价等级：优 ≥ 90、良 80–89、中 60–79、差 < 60；scoring-rules.md P-G1")
def grade_vs_total(ctx: Context) -> Iterator[Finding]:
    """The self-stated grade (优/良/中/差) against the grade of the stated total (or of the scoring
    engine's grade when it computed one)."""
    sc = ctx.ev.score
    if not sc.grade or sc.total is None:
        return
    stated = sc.grade.strip()[:1]
    expected = _grade_of(ctx, sc.total)
    if stated == expected:
        return
    yield ctx.finding("JX206", "warning", f"自评等级写为“{sc.grade}”，按总分 {fmt(sc.total)} 应为“{expected}”",
                      path="score.grade", stated=sc.grade, recomputed=expected,
                      arithmetic="等级：优 ≥ 90，良 ≥ 80，中 ≥ 60，差 < 60", related=["score.total"])


_YEAR_RE = re.compile(r"(?<![\d\-—～~至])(20\d{2})\s*年(?!\s*[-—～~至])")


@rule("JX207", "标题年度与数字年度不符", severity="warning",
      source="自评报告应针对同一预算年度；scoring-rules.md §5")
def year_mismatch(ctx: Context) -> Iterator[Finding]:
    """The year of the title (2023年度…) against the year named in the sentences the budget figures
    were read from (2022年，年初部门预算数 …)."""
    ev = ctx.ev
    title_year = None
    if ev.title:
        m = re.search(r"(20\d{2})\s*年", ev.title)
        title_year = int(m.group(1)) if m else None
    year = title_year or ev.year
    if year is None:
        return
    if title_year is not None and ev.year is not None and title_year != ev.year:
        yield ctx.finding("JX207", "warning", f"标题年度 {title_year} 与评价年度 {ev.year} 不符",
                          path="title", stated=title_year, recomputed=ev.year)
        return
    seen: set[int] = set()
    for path, e in sorted(ev.evidence.items(), key=lambda kv: kv[1].start):
        if not path.startswith("budget.") or not e.text:
            continue
        for m in _YEAR_RE.finditer(e.text):
            y = int(m.group(1))
            if y != year and y not in seen and abs(y - year) <= 3:
                seen.add(y)
                yield ctx.finding("JX207", "warning",
                                  f"报告年度为 {year} 年，但预算数字所在语句写为 {y} 年",
                                  path=path, stated=y, recomputed=year)


_DATE_RE = re.compile(r"(20\d{2})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


@rule("JX208", "填表日期早于年度结束", severity="warning",
      source="年度自评应在年度终了后进行，全年结果方可确定；scoring-rules.md §5 seed 002")
def signed_before_year_end(ctx: Context) -> Iterator[Finding]:
    """The form was signed (填表日期) before the evaluated year ended, so full-year results cannot be final."""
    ev = ctx.ev
    if not ev.signed_date or ev.year is None:
        return
    m = _DATE_RE.search(ev.signed_date)
    if not m:
        return
    y, mo, d = (int(x) for x in m.groups())
    if (y, mo, d) < (ev.year + 1, 1, 1):
        yield ctx.finding("JX208", "warning",
                          f"填表日期 {y}-{mo:02d}-{d:02d} 早于 {ev.year} 年度结束，全年数据尚不能确定",
                          path="signed_date", stated=ev.signed_date, recomputed=f"{ev.year + 1}-01-01 之后")

