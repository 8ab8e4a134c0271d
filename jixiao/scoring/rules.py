"""The rule kinds: one small function each, registered with the pydantic model of its parameters.

A framework leaf names a kind and its parameters; the loader validates them with the kind's model (so a
typo is reported with file and line) and the engine hands the function a :class:`~.registry.Ctx` (the
weight, the stated score, the indicator row and the evaluation's ratios on the framework's base) and gets
back an :class:`~.registry.Outcome` that explains itself: inputs, the formula with numbers filled in, and a
Chinese reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from jixiao.scoring.fmt import frac, num, pct, raw_text
from jixiao.scoring.params import CheckItem, RatioName, Variant, non_empty
from jixiao.scoring.quantity import NATURES, parse_quantity
from jixiao.scoring.ratios import RateValue
from jixiao.scoring.registry import (
    HUNDRED,
    ONE,
    RULES,
    ZERO,
    Ctx,
    Outcome,
    RuleParams,
    Scale,
    param,
    rule_kind,
)
from jixiao.yamlschema import Num, Words

# --------------------------------------------------------------------------- shared helpers


def _shown(fw: Scale, raw: Decimal, s: Decimal) -> str:
    """``1.999935… → 1.99（去尾）`` when rounding changed the figure, else just the figure."""
    if s == raw:
        return num(s)
    return f"{raw_text(raw)} → {num(s)}（{fw.rounding_label}）"


def _verdict(w: Decimal, s: Decimal, what: str, how: str = "") -> str:
    """``…，按比例得 1.99 分，扣 0.01 分`` / ``…，得满分 2 分``."""
    if s >= w:
        return f"{what}，得满分 {num(w)} 分"
    return f"{what}，{how}得 {num(s)} 分，扣 {num(w - s)} 分"


def _missing(ctx: Ctx, rule: str, what: str, key: str | None = None) -> Outcome:
    """No inputs: fall back to the stated score, marked as not recomputed. Inputs that are there but
    impossible (a zero denominator, a negative amount: ``ctx.invalid``) leave the item unscored instead."""
    bad = ctx.invalid(key) if key else None
    if bad:
        return Outcome(None, rule, {"stated": ctx.stated}, "—", f"{bad}，不计分（自评得分 {num(ctx.stated)} 无从核实）",
                       False)
    out = stated(ctx, {})
    out.reason = f"缺少{what}，未按规则（{rule}）重算；" + out.reason.removeprefix("判断项，")
    return out


def check_range(ctx: Ctx, s: Decimal | None) -> list[tuple[str, str]]:
    if s is None:
        return []
    if s > ctx.weight:
        return [("error", f"得分 {num(s)} 超过分值 {num(ctx.weight)}")]
    if s < 0:
        return [("error", f"得分 {num(s)} 为负数")]
    return []


def _prop_core(w: Decimal, fw: Scale, a: Decimal, t: Decimal):
    """w × min(a/t, 1) → (score, text maker taking (a_txt, t_txt), unrounded score)."""
    if a < 0:
        a = ZERO  # P-Q4: a negative actual counts as 0
    if t <= 0:
        return w, lambda a_txt, t_txt: f"目标 {t_txt} ≤ 0，实际 {a_txt} 视为达成 → {num(w)}", w
    ratio = a / t
    if ratio >= 1:
        return w, lambda a_txt, t_txt: f"{_prop_head(w, a_txt, t_txt)} = {num(w)} × 1 = {num(w)}", w
    raw = w * ratio
    s = fw.round(raw)
    return s, lambda a_txt, t_txt: (f"{_prop_head(w, a_txt, t_txt)} = {num(w)} × {frac(ratio)} = "
                                    f"{_shown(fw, raw, s)}"), raw


def _prop_head(w: Decimal, a_txt: str, t_txt: str) -> str:
    if a_txt.startswith("("):  # a computed ratio against 100 %: w × min(n / d, 100%)
        return f"{num(w)} × min{a_txt[:-1]}, 100%)"
    return f"{num(w)} × min({a_txt} / {t_txt}, 1)"


def _reverse_core(w: Decimal, fw: Scale, a: Decimal, t: Decimal, variant: str):
    if a < 0:
        a = ZERO
    if a <= t:
        return w, lambda a_txt, t_txt: f"实际 {a_txt} ≤ 目标 {t_txt} → {num(w)}", w
    if t <= 0:
        return ZERO, lambda a_txt, t_txt: f"目标 {t_txt} ≤ 0 而实际 {a_txt} > 目标 → 0", ZERO
    if variant == "linear":
        if a >= 2 * t:
            return ZERO, lambda a_txt, t_txt: f"实际 {a_txt} ≥ 2 × 目标 {t_txt} → 0", ZERO
        raw = w * (ONE - (a - t) / t)
        s = fw.round(raw)
        return s, lambda a_txt, t_txt: f"{num(w)} × (1 − ({a_txt} − {t_txt}) / {t_txt}) = {_shown(fw, raw, s)}", raw
    raw = w * t / a
    s = fw.round(raw)
    return s, lambda a_txt, t_txt: (f"{num(w)} × {t_txt} / {a_txt} = {num(w)} × {frac(t / a)} = "
                                    f"{_shown(fw, raw, s)}"), raw


def _row_numbers(ctx: Ctx, default_target: Decimal | None = None) -> tuple[str, Decimal, Decimal, str, str] | None:
    """(comparator, actual, target, actual text, target text) of a quantitative indicator row; a row with
    no target is measured against ``default_target`` (percent) when one is given (资金到位率 → 100%)."""
    row = ctx.row
    if row is None or not row.actual or not (row.target or default_target is not None):
        return None
    tq = parse_quantity(row.target) if row.target else (None, default_target, pct(default_target))
    aq = parse_quantity(row.actual)
    if tq is None or aq is None:
        return None
    comp = NATURES.get((row.nature or "").strip()) or tq[0] or ">="
    return comp, aq[1], tq[1], aq[2], tq[2]


def _value_and_target(ctx: Ctx, p: Mapping[str, Any]):
    """Inputs of the proportional family: a framework ratio against ``target``, or the row's figures.

    Returns (a, t, inputs, labels) where ``labels()`` gives (a_txt, t_txt, label) when a text is wanted.
    """
    key = p.get("ratio")
    if key:
        rv = ctx.rate(key)
        if rv is None:
            return None
        t = p.get("target") or HUNDRED
        fw = ctx.fw
        if t == HUNDRED and rv.computed:
            return rv.value, t, rv.inputs(), lambda: (f"({rv.working()})", "100%", rv.show(fw))
        return rv.value, t, rv.inputs(), lambda: (pct(rv.value), pct(t), rv.show(fw))
    nums = _row_numbers(ctx, p.get("target"))
    if nums is None:
        return None
    _, a, t, a_txt, t_txt = nums
    name, row = ctx.name, ctx.row
    return a, t, {"actual": a, "target": t}, lambda: (a_txt, t_txt, f"{name}：实际 {row.actual}，目标 {row.target}")


def _row_rate(ctx: Ctx) -> RateValue | None:
    """The rate the row itself prints (``97.80%`` in a 预算执行率 row), used when there are no figures."""
    row = ctx.row
    if row is None or not row.actual or "%" not in row.actual.replace("％", "%"):
        return None
    q = parse_quantity(row.actual)
    if q is None or q[1] < 0:
        return None
    return RateValue(f"{row.name}（表内所列）", q[1], q[1])


# --------------------------------------------------------------------------- rule kinds

class AgainstTarget(RuleParams):
    ratio: RatioName | None = param(None, help="框架 ratios 中的比率名；省略时取指标行的目标值与实际值")
    target: Num | None = param(None, help="目标值（比率时为百分数，默认 100）")


class ProportionalParams(AgainstTarget):
    kind: Literal["proportional"]


class ReverseParams(AgainstTarget):
    kind: Literal["reverse"]
    variant: Variant = param("ratio", help="ratio: w×t/a（填报说明）；linear: w×(1−(a−t)/t)，a≥2t 为 0（S7）")


class EqualParams(AgainstTarget):
    kind: Literal["equal"]


def _against_target(ctx: Ctx, p: Mapping[str, Any], kind: str, core: Any, *verdict: str) -> Outcome:
    """An actual value scored against its target by ``core(w, a, t) -> (score, formula, unrounded)``."""
    got = _value_and_target(ctx, p)
    if got is None:
        return _missing(ctx, kind, "实际值或目标值", p.get("ratio"))
    a, t, inputs, labels = got
    w = ctx.weight
    s, formula, raw = core(w, a, t)

    def explain() -> tuple[str, str]:
        a_txt, t_txt, label = labels()
        return formula(a_txt, t_txt), _verdict(w, s, label, *verdict)

    return Outcome(s, kind, inputs, None, None, True, [], explain, raw)


@rule_kind("proportional", "正向指标按比例得分（实际/目标，封顶）", ProportionalParams)
def proportional(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    return _against_target(ctx, p, "proportional", lambda w, a, t: _prop_core(w, ctx.fw, a, t), "按比例")


@rule_kind("reverse", "反向指标（实际 ≤ 目标得满分，否则 w×t/a，或线性到 2t 为零）", ReverseParams)
def reverse(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    variant = p.get("variant") or "ratio"
    return _against_target(ctx, p, "reverse", lambda w, a, t: _reverse_core(w, ctx.fw, a, t, variant))


@rule_kind("equal", "等于型指标（目标为 0 时实际 ≤ 0 得满分，否则按正向计）", EqualParams)
def equal(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    got = _value_and_target(ctx, p)
    if got is None:
        return _missing(ctx, "equal", "实际值或目标值", p.get("ratio"))
    a, t, inputs, labels = got
    w = ctx.weight
    if t == 0:
        full = a <= 0
        s = raw = w if full else ZERO

        def formula(a_txt: str, t_txt: str) -> str:
            return f"目标 0，实际 {a_txt} {'≤' if full else '>'} 0 → {num(s)}"
    else:
        s, formula, raw = _prop_core(w, ctx.fw, a, t)

    def explain() -> tuple[str, str]:
        a_txt, t_txt, label = labels()
        return formula(a_txt, t_txt), _verdict(w, s, label)

    return Outcome(s, "equal", inputs, None, None, True, [], explain, raw)


class BudgetExecutionParams(RuleParams):
    kind: Literal["budget_execution"]
    ratio: RatioName = param("预算执行率", help="默认 预算执行率（执行数/调整后全年预算数）")


@rule_kind("budget_execution", "预算执行率：w × min(执行数/预算数, 100%)", BudgetExecutionParams)
def budget_execution(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    key = p.get("ratio") or "预算执行率"
    rv = ctx.rate(key) or (None if ctx.invalid(key) else _row_rate(ctx))
    if rv is None:
        return _missing(ctx, "budget_execution", "预算数与执行数", key)
    w, fw = ctx.weight, ctx.fw
    rate = rv.value / HUNDRED
    raw = w * rate if rate < 1 else w
    s = fw.round(raw) if rate < 1 else w
    written = _written_rate_score(ctx, rv, s)

    def explain() -> tuple[str, str]:
        head = f"{num(w)} × min({rv.working()}, 100%) = {num(w)} × "
        formula = head + (f"1 = {num(w)}" if rate >= 1 else f"{frac(rate)} = {_shown(fw, raw, s)}")
        if written is not None:
            formula += f"；按写明的 {pct(rv.stated)}：{num(w)} × {pct(rv.stated)} = {num(written)}"
            return formula, _verdict(w, written, f"{rv.show(fw)}，自评按写明的执行率 {pct(rv.stated)} 计分", "按比例")
        return formula, _verdict(w, s, rv.show(fw), "按比例")

    out = Outcome(written if written is not None else s, "budget_execution", rv.inputs(), None, None, True, [],
                  explain, raw)
    if written is not None:
        out.problems.append(("info", f"自评得分 {num(written)} 按写明的执行率 {pct(rv.stated)} 计算（按 {rv.working()} "
                                     f"为 {num(s)}），执行率写数舍入正确，视为相符"))
    return out


def _written_rate_score(ctx: Ctx, rv: RateValue, s: Decimal) -> Decimal | None:
    """The stated score when the form computed it from its written rate (98.15% × 10 = 9.82, not 9.81): only
    when that rate is the correct rounding of the figures' rate, and the stated score is exactly that."""
    stated, written = ctx.stated, rv.stated
    if stated is None or stated == s or written is None or not rv.computed or written > HUNDRED:
        return None
    exp = written.as_tuple().exponent
    half = Decimal(5).scaleb((exp if isinstance(exp, int) else 0) - 1)
    if abs(written - rv.value) > half:
        return None
    alt = ctx.fw.round(ctx.weight * written / HUNDRED)
    return alt if alt == stated else None


GRADE_A, GRADE_B, GRADE_C = "达成", "部分达成", "未达成"


def qualitative_grade(target: str | None, actual: str | None, p: Mapping[str, Any]) -> str | None:
    """达成 / 部分达成 / 未达成 from the actual text; None when it cannot be told."""
    if not actual:
        return None
    a = actual.strip()
    if any(w in a for w in p["fail_words"]):
        return GRADE_C
    if any(w in a for w in p["partial_words"]):
        return GRADE_B
    if (target and a == target.strip()) or any(w in a for w in p["pass_words"]):
        return GRADE_A
    return None


_QUAL_DEFAULTS = {
    "fail_words": ("未达成", "未完成", "未达到", "未实现", "没有完成", "较差"),
    "partial_words": ("部分达成", "部分完成", "部分实现", "一定效果"),
    "pass_words": ("达成", "完成", "达到", "实现", "全部", "基本达成", "已"),
}


class QualitativeParams(RuleParams):
    kind: Literal["qualitative"]
    high: Num = param(Decimal("0.8"))
    low: Num = param(Decimal("0.6"))
    fail_words: Words = param(_QUAL_DEFAULTS["fail_words"])
    partial_words: Words = param(_QUAL_DEFAULTS["partial_words"])
    pass_words: Words = param(_QUAL_DEFAULTS["pass_words"])


@rule_kind("qualitative", "定性指标：保留自评得分，检查是否落在等级区间（达成 [80%,100%]，部分达成 [60%,80%)，未达成 [0,60%)）",
           QualitativeParams, recomputes=False)
def qualitative(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    p = _with_defaults("qualitative", p)
    row = ctx.row
    w, s = ctx.weight, ctx.stated
    target, actual = (row.target, row.actual) if row is not None else (None, None)
    grade = qualitative_grade(target, actual, p)
    if grade is None:
        lo, hi, closed = ZERO, w, True
    elif grade == GRADE_A:
        lo, hi, closed = w * p["high"], w, True
    elif grade == GRADE_B:
        lo, hi, closed = w * p["low"], w * p["high"], False
    else:
        lo, hi, closed = ZERO, w * p["low"], False
    problems = check_range(ctx, s) if s is not None and (s > w or s < 0) else []

    def band_txt() -> str:
        return f"[{num(lo)}, {num(hi)}{']' if closed else ')'}"

    if grade is not None and s is not None and not (lo <= s <= hi if closed else lo <= s < hi):
        problems.append(("error", f"{grade}等级的得分应在 {band_txt()} 内，自评得分 {num(s)} 超出区间"))
    bad = bool(problems)

    def explain() -> tuple[str, str]:
        if grade is None:
            why = "定性指标，无法从实际完成情况判断等级"
        else:
            why = f"定性指标，实际“{actual}”对目标“{target or '—'}”为{grade}"
        formula = f"等级 {grade or '未知'} → 区间 {band_txt()}；自评得分 {num(s)}"
        if s is None:
            return formula, f"{why}，未给出得分"
        if not bad:
            return formula, f"{why}，保留自评得分 {num(s)} 分（在区间 {band_txt()} 内）"
        return formula, f"{why}，自评得分 {num(s)} 分不符合评分规则"

    inputs: dict[str, Any] = {"target": target, "actual": actual, "grade": grade}
    return Outcome(s, "qualitative", inputs, None, None, False, problems, explain)


class ChecklistParams(RuleParams):
    kind: Literal["checklist"]
    items: Annotated[tuple[CheckItem, ...], non_empty("应为检查事项列表")] = param(help="[{name, points, keywords: [...]}]")


@rule_kind("checklist", "检查清单：每个未做到的事项扣相应分值（依据扣分说明与存在问题）", ChecklistParams)
def checklist(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    texts = [t for t in (*ctx.ev.deductions, ctx.ev.problems or "") if t]
    if not texts:
        return _missing(ctx, "checklist", "扣分说明或存在问题的文字")
    w = ctx.weight
    blob = "\n".join(texts)
    lost, parts = ZERO, []
    inputs: dict[str, Any] = {}
    for item in p["items"]:
        hit = next((k for k in item["keywords"] if k in blob), None)
        inputs[item["name"]] = "未做到" if hit else "做到"
        if hit:
            lost += item["points"]
            parts.append(f"{item['name']}（“{hit}”）扣 {num(item['points'])}")
    s = max(ZERO, w - lost)
    formula = f"{num(w)} − {' − '.join(num(i['points']) for i in p['items'] if inputs[i['name']] == '未做到') or '0'} = {num(s)}"
    what = f"{ctx.name}：" + ("；".join(parts) if parts else "各检查事项均未见问题")
    return Outcome(s, "checklist", inputs, formula, _verdict(w, s, what), True)


class StatedParams(RuleParams):
    kind: Literal["stated"]


@rule_kind("stated", "保留自评得分（评分标准未公开或为判断项），只检查不超过分值", StatedParams, recomputes=False)
def stated(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    s, w = ctx.stated, ctx.weight
    key = (s, w)
    texts = _STATED_TEXT.get(key)
    if texts is None:
        if s is None:
            reason = "判断项，未给出自评得分"
        elif s >= w:
            reason = f"判断项，保留自评得分 {num(s)} 分（满分），未重新计算"
        else:
            reason = f"判断项，保留自评得分 {num(s)} 分（扣 {num(w - s)} 分），未重新计算"
        texts = (f"自评得分 {num(s)}（分值 {num(w)}）", reason)
        if len(_STATED_TEXT) > 10_000:
            _STATED_TEXT.clear()
        _STATED_TEXT[key] = texts
    problems = check_range(ctx, s) if s is not None and (s > w or s < 0) else []
    return Outcome(s, "stated", {"stated": s}, texts[0], texts[1], False, problems)


_STATED_TEXT: dict[tuple[Decimal | None, Decimal], tuple[str, str]] = {}


class AutoParams(RuleParams):
    kind: Literal["auto"]
    variant: Variant = param("ratio", help="反向指标的计分口径")
    high: Num = param(Decimal("0.8"))
    low: Num = param(Decimal("0.6"))


@rule_kind("auto", "自定义三级指标：按目标值的比较符（≥ ≤ =）或指标性质定量计分，文字目标按定性等级检查", AutoParams)
def auto(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    nums = _row_numbers(ctx)
    if nums is None:
        row = ctx.row
        if row is not None and row.target and not (row.actual or "").strip() and parse_quantity(row.target):
            out = stated(ctx, {})  # a quantitative target and no actual: nothing to compute, nothing to grade
            out.reason = (f"定量指标（目标 {row.target}）缺少实际完成值，未按定量规则重算；"
                          + out.reason.removeprefix("判断项，"))
            out.problems.append(("warning", f"目标为定量值 {row.target}，但未填实际完成值，无法重算得分"))
            return out
        if row is not None and (row.target or row.actual):
            key = (p.get("high"), p.get("low"))
            qp = _QUAL_PARAMS.get(key)
            if qp is None:
                qp = _QUAL_PARAMS[key] = _with_defaults("qualitative", {"high": key[0], "low": key[1]})
            return qualitative(ctx, qp)
        return stated(ctx, {})
    comp = nums[0]
    if comp == "<=":
        return reverse(ctx, {"variant": p.get("variant") or "ratio"})
    if comp == "=":
        return equal(ctx, {})
    return proportional(ctx, {})


_QUAL_PARAMS: dict[tuple[Any, Any], Mapping[str, Any]] = {}


def _with_defaults(kind: str, p: Mapping[str, Any]) -> Mapping[str, Any]:
    defaults = _DEFAULTS.get(kind)
    if defaults is None:
        defaults = _DEFAULTS[kind] = RULES[kind].defaults
    if all(p.get(k) is not None for k in defaults):
        return p
    return {k: (p.get(k) if p.get(k) is not None else v) for k, v in defaults.items()}


_DEFAULTS: dict[str, dict[str, Any]] = {}


