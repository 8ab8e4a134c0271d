"""JX1xx — arithmetic: every stated sum, ratio and score recomputed from its inputs.

Tolerance is half a unit of the last written digit of every term (the written
precision is read from the evidence text, else from the Decimal's exponent).
A figure that matches only when truncated is ``info`` (kind ``rounding``); a
ratio that matches only on a non-default denominator is a ``definition``
warning naming both bases; anything else beyond tolerance is an ``error``.
Source of the policy: scoring-rules.md, boxed Decisions and §5.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal

from jixiao.audit.context import (
    HUNDRED,
    Context,
    fmt,
    half,
    matches_interval,
    ratio_interval,
    truncation_matches,
)
from jixiao.audit.registry import rule
from jixiao.model import Finding, Ratio
from jixiao.numbers import quantize

Term = tuple[str | None, str, Decimal]  # (evidence path, label, value)

_BUDGET_LABELS = {
    "initial": "年初预算", "adjusted": "调整后（全年）预算", "executed": "执行数", "basic": "基本支出",
    "project": "项目支出", "personnel": "人员经费", "public": "日常公用经费", "adjustment": "调整数",
    "initial_basic": "年初基本支出", "initial_project": "年初项目支出",
}


def sum_finding(ctx: Context, code: str, what: str, total: Term, parts: Sequence[Term], *,
                 kind: str | None = None, severity: str = "error", primary: str | None = None,
                 note: str = "", min_decimals: int = 0, counts: bool = False) -> Finding | None:
    """Compare a stated total with the sum of its stated parts; None when within tolerance.

    Each term carries half a unit of its last written digit, except: a written 0 is exact;
    ``min_decimals`` treats figures written with fewer decimals as exact to that many (scores and
    分值: a 15 is fifteen points, not 14.5–15.5); ``counts`` makes integers exact (宗, 人次, 场)."""
    tpath, tlabel, tval = total
    s = sum((v for _, _, v in parts), Decimal(0))
    if s == tval:
        return None

    def t(path: str | None, v: Decimal) -> Decimal:
        if v == 0:
            return Decimal(0)
        d = ctx.decimals(path, v)
        if counts and d == 0:
            return Decimal(0)
        return half(max(d, min_decimals))

    tol = t(tpath, tval) + sum((t(p, v) for p, _, v in parts), Decimal(0))
    diff = s - tval
    if abs(diff) <= tol:
        return None
    terms = " + ".join(fmt(v) for _, _, v in parts)
    arithmetic = (f"{terms} = {fmt(s)}；{tlabel} 写为 {fmt(tval)}，相差 {fmt(diff)}"
                  f"（容差 ±{fmt(tol)}：每项末位半个单位）")
    msg = f"{what}：{tlabel} 写为 {fmt(tval)}，按 {terms} 计算为 {fmt(s)}{note}"
    f = ctx.finding(code, severity, msg, path=primary or tpath, stated=tval, recomputed=s,
                    arithmetic=arithmetic, related=[tpath, *(p for p, _, _ in parts)], kind=kind)
    return ctx.ocr_downgrade(f)


def _budget_identity(ctx: Context, code: str, what: str, total: str, parts: Sequence[str]) -> Iterator[Finding]:
    """A Budget identity ``total = Σ parts`` (slot names), checked when every slot is stated."""
    terms = [_b(ctx, name) for name in (total, *parts)]
    if any(t is None for t in terms):
        return
    f = sum_finding(ctx, code, what, terms[0], terms[1:])
    if f:
        yield f


def _b(ctx: Context, name: str) -> Term | None:
    v = getattr(ctx.ev.budget, name)
    return None if v is None else (f"budget.{name}", _BUDGET_LABELS.get(name, name), v)


@rule("JX101", "基本支出 + 项目支出 = 合计", severity="error",
      source="部门预算/决算口径：支出按性质分为基本支出和项目支出（财政部部门决算报表）；scoring-rules.md §5")
def budget_split(ctx: Context) -> Iterator[Finding]:
    """基本支出 + 项目支出 must equal the total they split: the 年初 split against 年初预算, the
    adjusted split against the 调整后/全年 budget or, when the text splits the spend, against 执行数.
    An error only when the split matches none of the stated totals; a warning when it matches another
    amount written in the text (the total compared with is then probably not the one split)."""
    b = ctx.ev.budget
    if b.initial is not None and b.initial_basic is not None and b.initial_project is not None:
        f = sum_finding(ctx, "JX101", "年初预算的基本支出与项目支出之和与年初预算数不符",
                         _b(ctx, "initial"), [_b(ctx, "initial_basic"), _b(ctx, "initial_project")])
        if f:
            yield f
    if b.basic is None or b.project is None:
        return
    parts = [_b(ctx, "basic"), _b(ctx, "project")]
    totals = [t for t in (_b(ctx, "adjusted"), _b(ctx, "executed")) if t is not None]
    if not totals:
        return
    found = [sum_finding(ctx, "JX101", "基本支出与项目支出之和与合计不符", t, parts, primary="budget.basic")
             for t in totals]
    if all(found):
        s = b.basic + b.project
        best = min(range(len(totals)), key=lambda i: abs(totals[i][2] - s))
        f = found[best]
        if len(totals) > 1:
            names = "、".join(f"{t[1]} {fmt(t[2])}" for t in totals)
            f = ctx.ocr_downgrade(ctx.finding(
                "JX101", "error",
                f"基本支出 {fmt(b.basic)} + 项目支出 {fmt(b.project)} = {fmt(s)}，与{names} 均不相符",
                path="budget.basic", stated=totals[best][2], recomputed=s, arithmetic=f.arithmetic,
                related=["budget.project", *(t[0] for t in totals)]))
        other = _stated_elsewhere(ctx, s, [p for p, _, _ in parts])
        if other is not None and f.severity == "error":
            from dataclasses import replace

            f = replace(f, severity="warning", related=(*f.related, other),
                        message=f"{f.message}（该合计与文中另一处金额 {other.text} 相符，比较的总数可能不是被拆分的那一项）")
        yield f


def _stated_elsewhere(ctx: Context, value: Decimal, paths: list[str | None]):
    """Evidence of another amount in the document equal to ``value`` (the total a split really splits)."""
    from jixiao.audit.figures import index_of, tol

    idx = index_of(ctx)
    if idx is None:
        return None
    own = {ctx.evidence(p).start for p in paths if p and ctx.evidence(p) is not None}
    for f in idx.figures:
        if f.kind == "money" and f.start not in own and abs(f.value - value) <= tol(f):
            return idx.evidence(f)
    return None


@rule("JX102", "人员经费 + 公用经费 = 基本支出", severity="error",
      source="基本支出由人员经费和日常公用经费构成（政府收支分类、部门决算）；scoring-rules.md §5 seed 003")
def basic_split(ctx: Context) -> Iterator[Finding]:
    """人员经费 + 日常公用经费 must equal 基本支出 (within half a unit per term)."""
    yield from _budget_identity(ctx, "JX102", "人员经费与日常公用经费之和与基本支出不符", "basic", ("personnel", "public"))


@rule("JX103", "年初预算 + 调整数 = 调整后预算", severity="error",
      source="财预〔2013〕53号 附件2 预算调整率的定义（调整数 = 调整后 − 年初）；scoring-rules.md §5 seed 004")
def adjustment_sum(ctx: Context) -> Iterator[Finding]:
    """年初预算 + 调整数 (调增为正、调减为负) must equal the 调整后 budget."""
    yield from _budget_identity(ctx, "JX103", "年初预算加调整数与调整后预算不符", "adjusted", ("initial", "adjustment"))


_FUNDING_LABELS = {"general_public": "一般公共预算", "gov_fund": "政府性基金预算",
                   "state_capital": "国有资本经营预算", "other": "其他资金"}


@rule("JX104", "资金来源之和 = 执行数", severity="error",
      source="部门决算：支出按资金来源分列（一般公共预算、政府性基金、国有资本经营、其他）；scoring-rules.md §5 seed 000")
def funding_sum(ctx: Context) -> Iterator[Finding]:
    """Spending by source of funds must add up to the executed total. When only some sources are
    named the list may be partial, so only a sum above the total is an error."""
    fu = ctx.ev.funding
    b = ctx.ev.budget
    if b.executed is None:
        return
    parts = [(f"funding.{k}", label, getattr(fu, k)) for k, label in _FUNDING_LABELS.items()
             if getattr(fu, k) is not None]
    if not parts:
        return
    complete = len(parts) == len(_FUNDING_LABELS)
    s = sum((v for _, _, v in parts), Decimal(0))
    if not complete and s <= b.executed:
        return
    f = sum_finding(ctx, "JX104", "各资金来源支出之和与执行数不符", _b(ctx, "executed"), parts,
                     primary=parts[0][0])
    if f:
        yield f


@rule("JX105", "项目明细之和 = 项目支出", severity="error",
      source="项目支出总计与所列各项目支出应一致；scoring-rules.md §5 seed 003（6 项 = 39.4）")
def project_lines(ctx: Context) -> Iterator[Finding]:
    """The executed amounts of the listed projects against 项目支出. Lines adding up to more than the
    total are an error. Lines adding up to less are a ``breakdown`` warning when the projects are a
    plain list of expense lines (no own budgets, as in a 项目支出 paragraph); named projects with their
    own budgets need not cover all of 项目支出, so no finding then."""
    b = ctx.ev.budget
    projs = ctx.ev.projects
    if b.project is None or len(projs) < 2 or any(p.executed is None for p in projs):
        return
    parts = [(f"projects[{i}].executed", p.name, p.executed) for i, p in enumerate(projs)]
    s = sum((p.executed for p in projs), Decimal(0))
    if s < b.project and any(p.budget is not None for p in projs):
        return
    if s > b.project:
        f = sum_finding(ctx, "JX105", "各项目支出之和超过项目支出总计", _b(ctx, "project"), parts)
    else:
        f = sum_finding(ctx, "JX105", "各项目支出之和小于项目支出总计", _b(ctx, "project"), parts,
                         kind="breakdown", severity="warning", note="（明细可能未列全）")
    if f:
        yield f


# -- ratios -------------------------------------------------------------------------------------

_DEFAULT_BASE_RE = re.compile(r"调整率|公用经费控制率")
_BASE_NAMES = {"年初": "年初预算", "调整后": "调整后预算", "文中": "文中所列分母"}


def _base_label(label: str) -> str:
    return _BASE_NAMES.get(label, label)


def _input_tol(ctx: Context, path: str | None, v: Decimal) -> Decimal:
    """A ratio's input: an amount written with decimals may be rounded (half a unit); an integer
    (persons, cases, a budget of 8 万元) is taken as exact, as the corpus labels recompute them."""
    d = ctx.decimals(path, v)
    return half(d) if d > 0 else Decimal(0)


def _ratio_findings(ctx: Context, code: str, r: Ratio, *, stated_path: str, num_path: str | None,
                    den_path: str | None, base_paths: dict[str, str], default: str | None) -> Finding | None:
    """Recompute ``r`` on every plausible base; see the module docstring for the verdicts."""
    if r.numerator is None:
        return None
    cands: list[tuple[str, Decimal, str | None]] = []
    if r.denominator is not None:
        label = next((k for k, v in r.bases.items() if v == r.denominator), "文中")
        cands.append((label, r.denominator, den_path))
    for k, v in r.bases.items():
        if v is not None and all(c[0] != k for c in cands):
            cands.append((k, v, base_paths.get(k)))
    cands = [c for c in cands if c[1] > 0]
    if not cands:
        return None
    if default is not None and any(c[0] == default for c in cands):
        cands.sort(key=lambda c: c[0] != default)
    d = ctx.decimals(stated_path, r.stated)
    st_tol = half(d)
    tn = _input_tol(ctx, num_path, r.numerator)
    results = []
    for label, den, dpath in cands:
        iv = ratio_interval(r.numerator, den, tn, _input_tol(ctx, dpath, den))
        if iv is None:
            continue
        exact = r.numerator / den * HUNDRED
        rounded = matches_interval(r.stated, st_tol, *iv)
        truncated = (not rounded) and truncation_matches(r.stated, d, *iv)
        results.append((label, den, dpath, exact, rounded, truncated))
    if not results:
        return None
    first = results[0]
    shown_d = max(d, 2)

    def working(res) -> str:
        label, den, _, exact, _, _ = res
        return (f"{fmt(r.numerator)} / {fmt(den)} × 100% = {fmt(quantize(exact, 4))}% → "
                f"{fmt(quantize(exact, shown_d))}%（{_base_label(label)}口径）")

    rel = [num_path, *(res[2] for res in results)]
    if first[4]:
        return None
    if first[5]:
        return ctx.finding(
            code, "info",
            f"{r.name} 写为 {fmt(r.stated)}%，按 {fmt(r.numerator)}/{fmt(first[1])} 计算为 "
            f"{fmt(quantize(first[3], shown_d + 2))}%，四舍五入应为 {fmt(quantize(first[3], d))}%（写数为截位而非四舍五入）",
            path=stated_path, stated=r.stated, recomputed=quantize(first[3], d), arithmetic=working(first),
            related=rel, kind="rounding")
    other = next((res for res in results[1:] if res[4] or res[5]), None)
    if other is not None:
        return ctx.finding(
            code, "warning",
            f"{r.name} 写为 {fmt(r.stated)}%，与按{_base_label(other[0])} {fmt(r.numerator)}/{fmt(other[1])} "
            f"计算的 {fmt(quantize(other[3], d))}% 相符，但按{_base_label(first[0])} {fmt(r.numerator)}/"
            f"{fmt(first[1])} 计算为 {fmt(quantize(first[3], shown_d))}%（口径不同：分母应为{_base_label(first[0])}）",
            path=stated_path, stated=r.stated, recomputed=quantize(first[3], shown_d),
            arithmetic=working(first) + "；" + working(other), related=rel, kind="definition")
    f = ctx.finding(
        code, "error",
        f"{r.name} 写为 {fmt(r.stated)}%，按 {fmt(r.numerator)}/{fmt(first[1])} 计算为 "
        f"{fmt(quantize(first[3], shown_d))}%",
        path=stated_path, stated=r.stated, recomputed=quantize(first[3], shown_d),
        arithmetic="；".join(working(res) for res in results), related=rel)
    return ctx.ocr_downgrade(f)


def _exec_score_note(ctx: Context, recomputed: Decimal) -> str:
    """When a 预算执行率 score row exists, say which rate its 得分 fits (seed 001: 9.98 fits 99.76%)."""
    for i, ind in enumerate(ctx.ev.indicators):
        if ind.weight is None or ind.score is None or "执行率" not in ind.name:
            continue
        d = ctx.decimals(f"indicators[{i}].score", ind.score)
        expect = quantize(ind.weight * min(recomputed, HUNDRED) / HUNDRED, d)
        if abs(expect - ind.score) <= half(d):
            return (f"；得分 {fmt(ind.score)} = {fmt(ind.weight)} × {fmt(quantize(recomputed, 4))}% 与重算的执行率相符，"
                    f"写数疑为笔误")
    return ""


@rule("JX106", "预算执行率 = 执行数 / 预算数", severity="error",
      source="财预〔2020〕10号 自评表：预算执行率 = 全年执行数 / 全年预算数（调整后）；53号 预算完成率；scoring-rules.md P-E1")
def execution_rate(ctx: Context) -> Iterator[Finding]:
    """The stated 预算执行率 recomputed as 执行数 / 全年(调整后)预算数. Matching only on the 年初
    budget is a ``definition`` warning; a truncated figure is ``info``; otherwise an error — a
    ``definition`` warning when the text states only the 年初 budget (the full-year base is unstated)."""
    b = ctx.ev.budget
    if b.execution_rate is None or b.executed is None:
        return
    bases: dict[str, Decimal] = {}
    if b.adjusted is not None and b.adjusted > 0:
        bases["调整后"] = b.adjusted
    if b.initial is not None and b.initial > 0:
        bases["年初"] = b.initial
    if not bases:
        return
    default = "调整后" if "调整后" in bases else "年初"
    r = Ratio("预算执行率", b.execution_rate, b.executed, bases[default], bases)
    f = _ratio_findings(ctx, "JX106", r, stated_path="budget.execution_rate", num_path="budget.executed",
                        den_path=f"budget.{'adjusted' if default == '调整后' else 'initial'}",
                        base_paths={"调整后": "budget.adjusted", "年初": "budget.initial"}, default=default)
    if f is not None:
        from dataclasses import replace

        if f.severity in ("error", "warning") and f.kind is None:
            note = _exec_score_note(ctx, b.executed / bases[default] * HUNDRED)
            f = replace(f, arithmetic=(f.arithmetic or "") + note)
        if f.severity == "error" and default == "年初":
            f = replace(f, severity="warning", kind="definition",
                        message=f.message + "（文中未写明调整后/全年预算，年中调整可能使口径不同）")
        yield f


@rule("JX107", "项目执行率 = 项目执行数 / 项目预算数", severity="error",
      source="财预〔2020〕10号 项目支出绩效自评表 预算执行率；scoring-rules.md §5 seed 000")
def project_rates(ctx: Context) -> Iterator[Finding]:
    """Each project's stated 执行率 recomputed from its own budget and executed amounts. A project that
    merely repeats the document's own budget figures (a 项目 自评表) is checked once, by JX106."""
    b = ctx.ev.budget
    for i, p in enumerate(ctx.ev.projects):
        if p.execution_rate is None or p.executed is None or p.budget is None or p.budget <= 0:
            continue
        if (p.executed, p.budget, p.execution_rate) == (b.executed, b.adjusted, b.execution_rate):
            continue
        r = Ratio(f"{p.name} 执行率", p.execution_rate, p.executed, p.budget)
        f = _ratio_findings(ctx, "JX107", r, stated_path=f"projects[{i}].execution_rate",
                            num_path=f"projects[{i}].executed", den_path=f"projects[{i}].budget",
                            base_paths={}, default=None)
        if f is not None:
            yield f


def _default_base(ctx: Context, name: str) -> str | None:
    return ctx.profile.ratio_base if _DEFAULT_BASE_RE.search(name) else None


@rule("JX108", "预算调整率 = 调整数 / 年初预算", severity="error",
      source="财预〔2013〕53号 附件2：预算调整率 = 预算调整数 / 预算数（批复的年初预算）；scoring-rules.md 2a")
def adjustment_rate(ctx: Context) -> Iterator[Finding]:
    """The stated 调整率 against 调整数 / 年初预算 (53号); matching only on the 调整后 budget is a
    ``definition`` warning. Skipped when the same rate is listed among the stated ratios (JX109)."""
    b = ctx.ev.budget
    if b.adjustment_rate is None or b.adjustment is None:
        return
    if any("调整率" in r.name for r in ctx.ev.other_rates):
        return
    bases = {k: v for k, v in (("年初", b.initial), ("调整后", b.adjusted)) if v is not None and v > 0}
    if not bases:
        return
    default = ctx.profile.ratio_base if ctx.profile.ratio_base in bases else next(iter(bases))
    r = Ratio("调整率", b.adjustment_rate, b.adjustment, bases[default], bases)
    f = _ratio_findings(ctx, "JX108", r, stated_path="budget.adjustment_rate", num_path="budget.adjustment",
                        den_path={"年初": "budget.initial", "调整后": "budget.adjusted"}[default],
                        base_paths={"年初": "budget.initial", "调整后": "budget.adjusted"}, default=default)
    if f is not None:
        yield f


@rule("JX109", "文中比率按其分子分母重算", severity="error",
      source="财预〔2013〕53号 附件2 各比率公式（控制率、执行率、利用率等）；scoring-rules.md Decisions, §5")
def stated_ratios(ctx: Context) -> Iterator[Finding]:
    """Every stated ratio with its inputs (控制率, 执行率, 利用率, shares such as 587/750 = 78%) is
    recomputed on the stated denominator and on every other base found next to it. For 调整率 and
    公用经费控制率 the framework's default base (53号: 年初) comes first."""
    for i, r in enumerate(ctx.ev.other_rates):
        if r.numerator is None or (r.denominator is None and not r.bases):
            continue
        base_paths = {k: f"other_rates[{i}].bases.{k}" for k in r.bases}
        f = _ratio_findings(ctx, "JX109", r, stated_path=f"other_rates[{i}].stated",
                            num_path=f"other_rates[{i}].numerator", den_path=f"other_rates[{i}].denominator",
                            base_paths=base_paths, default=_default_base(ctx, r.name))
        if f is not None:
            yield f


@rule("JX110", "“其中”明细之和 = 总数", severity="warning",
      source="文中“其中”所列分项应与总数一致；scoring-rules.md §5 checks 1（seed 004 个案 128613）")
def breakdowns(ctx: Context) -> Iterator[Finding]:
    """The parts listed after 其中 (or 线上/线下) against their total. Parts short of the total are a
    ``breakdown`` warning (the list may be non-exhaustive); parts exceeding it, or an exhaustive list
    that does not add up, are an error. Approximate figures (约, 余) only give info. With the document at
    hand JX401 reads every such list from the text itself, so this rule checks evaluation files only."""
    if ctx.doc is not None and getattr(ctx.doc, "text", None):
        return
    for i, bd in enumerate(ctx.ev.breakdowns):
        if not bd.parts:
            continue
        tpath = f"breakdowns[{i}].total"
        parts = [(f"breakdowns[{i}].parts[{j}]", name, v) for j, (name, v) in enumerate(bd.parts)]
        s = sum((v for _, _, v in parts), Decimal(0))
        approx = ctx.approximate(tpath) or any(ctx.approximate(p) for p, _, _ in parts)
        if approx:
            severity = "info"
        elif s > bd.total or bd.exhaustive:
            severity = "error"
        else:
            severity = "warning"
        unit = bd.unit or ""
        note = f"（相差 {fmt(bd.total - s)}{unit}，所列明细可能未穷尽）" if s < bd.total else ""
        f = sum_finding(ctx, "JX110", f"{bd.name} 的“其中”明细之和与总数不符", (tpath, bd.name, bd.total),
                         parts, kind="breakdown", severity=severity, note=note, counts=True)
        if f:
            yield f


# -- scores ---------------------------------------------------------------------------------------
