"""Every rule kind, through a one-leaf framework: scores, rounding edges, explanations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.model import Budget, Evaluation, Indicator, Project, Ratio
from jixiao.scoring import parse_framework, score_evaluation

D = Decimal

RATIOS = """
ratios:
  r: {label: 测试率, synonyms: [测试率]}
  q: {label: 序时执行率, synonyms: [序时执行率, 序时进度]}
  exec: {label: 预算执行率, synonyms: [预算执行率], budget: {numerator: executed, denominator: adjusted, stated: execution_rate}}
  pub: {label: 公用经费控制率, synonyms: [公用经费控制率], base: 调整后}
"""


def leaf(rule: str, weight: str = "10", rounding: str = "half_up", extra: str = ""):
    text = (f"id: t\nname: 测试\nrounding: {rounding}\ntotal: {weight}\n{RATIOS}\n{extra}\ntree:\n"
            f"  - name: X\n    weight: {weight}\n    rule: {rule}\n")
    return parse_framework(text, "t.yaml")


def score_one(rule, ev, **kw):
    res = score_evaluation(ev, leaf(rule, **kw))
    assert len(res.items) == 1
    return res.items[0]


def ratio_ev(name="测试率", stated="0", num=None, den=None, bases=None, row=None):
    r = Ratio(name, D(stated), None if num is None else D(num), None if den is None else D(den), bases or {})
    return Evaluation(doc="t", other_rates=(r,), indicators=(row,) if row else ())


def row_ev(target, actual, score=None, weight="10", nature=None):
    ind = Indicator(name="X", target=target, actual=actual, weight=D(weight),
                    score=None if score is None else D(score), nature=nature)
    return Evaluation(doc="t", indicators=(ind,))


# ----------------------------------------------------------------- proportional


def test_proportional_ratio_explains_itself():
    it = score_one("{kind: proportional, ratio: r, target: 100}", ratio_ev("测试率", "99.99", "155.586", "155.591"),
                   weight="2", rounding="down")
    assert it.score == D("1.99") and it.recomputed and it.rule == "proportional"
    assert it.reason == "测试率 99.99%（155.586/155.591），按比例得 1.99 分，扣 0.01 分"
    assert it.formula.startswith("2 × min(155.586 / 155.591, 100%) = 2 × 0.999968")
    assert it.inputs["numerator"] == D("155.586") and it.inputs["denominator"] == D("155.591")


def test_proportional_half_up_gives_full_marks_where_down_cuts():
    ev = ratio_ev("测试率", "99.99", "155.586", "155.591")
    assert score_one("{kind: proportional, ratio: r}", ev, weight="2", rounding="half_up").score == D(2)


@pytest.mark.parametrize(("mode", "expected"), [("half_up", "9.98"), ("down", "9.97")])
def test_rounding_edge_at_exactly_xx5(mode, expected):
    # 10 × 399/400 = 9.975 exactly: half_up → 9.98, down → 9.97
    it = score_one("{kind: proportional, ratio: r}", ratio_ev("测试率", "99.75", "399", "400"), rounding=mode)
    assert it.score == D(expected)
    assert "9.975 → " + expected in it.formula


def test_proportional_row_partial_capped_and_negative():
    assert score_one("auto", row_ev("≥8000册", "7600册")).score == D("9.5")
    assert score_one("auto", row_ev("≥100场", "180场")).score == D(10)  # over-completion: no bonus
    assert score_one("{kind: proportional}", row_ev("≥10", "-3")).score == D(0)  # P-Q4


def test_proportional_missing_inputs_keeps_stated():
    it = score_one("{kind: proportional, ratio: r}", Evaluation(doc="t", indicators=(
        Indicator(name="X", weight=D(10), score=D(8)),)))
    assert it.score == D(8) and not it.recomputed and it.rule == "stated"
    assert "缺少" in it.reason


# ----------------------------------------------------------------- reverse / equal


def test_reverse_ratio_and_linear_variants():
    ev = row_ev("≤2%", "3%", weight="3")
    assert score_one("{kind: reverse}", ev, weight="3").score == D(2)  # 3 × 2/3
    assert score_one("{kind: reverse, variant: linear}", ev, weight="3").score == D("1.5")
    assert score_one("{kind: reverse, variant: linear}", row_ev("≤2%", "4%", weight="3"), weight="3").score == 0
    assert score_one("{kind: reverse}", row_ev("≤2%", "1.5%", weight="3"), weight="3").score == D(3)


def test_auto_picks_reverse_from_comparator_and_nature():
    assert score_one("auto", row_ev("≤0.3万元", "0.4万元")).rule == "reverse"
    assert score_one("auto", row_ev("0.3", "0.4", nature="反向")).rule == "reverse"
    assert score_one("auto", row_ev("≥0.3", "0.4")).rule == "proportional"


def test_equal_to_zero_target():
    assert score_one("{kind: equal}", row_ev("=0起", "0起")).score == D(10)
    assert score_one("{kind: equal}", row_ev("=0起", "1起")).score == D(0)
    assert score_one("{kind: equal}", row_ev("=20", "15")).score == D("7.5")


# ----------------------------------------------------------------- budget execution


def test_budget_execution_uses_figures_not_stated_rate():
    ev = Evaluation(doc="t", budget=Budget(adjusted=D("130.76"), executed=D("130.44"), execution_rate=D("99.96")))
    it = score_one("{kind: budget_execution, ratio: exec}", ev)
    assert it.score == D("9.98")
    assert it.inputs["stated_rate"] == D("99.96")
    assert "130.44 / 130.76" in it.formula and "0.997553" in it.formula
    assert it.reason == "预算执行率 99.76%（130.44/130.76，调整后），按比例得 9.98 分，扣 0.02 分"


def test_budget_execution_capped_and_project_fallback_and_stated_rate():
    over = Evaluation(doc="t", budget=Budget(adjusted=D(100), executed=D(103)))
    assert score_one("{kind: budget_execution, ratio: exec}", over).score == D(10)
    proj = Evaluation(doc="t", projects=(Project("p", budget=D(80), executed=D(60)),))
    assert score_one("{kind: budget_execution, ratio: exec}", proj).score == D("7.5")
    only_rate = Evaluation(doc="t", budget=Budget(execution_rate=D("76")))
    it = score_one("{kind: budget_execution, ratio: exec}", only_rate)
    assert it.score == D("7.6") and "自评所述" in it.reason  # Chongqing: 76% × 10


# ----------------------------------------------------------------- bands


BANDS = "{kind: bands, ratio: pub, bands: [{upto: 90, score: 6}, {above: 90, upto: 100, score: 5}, {above: 100, score: 4}]}"


def test_bands_on_adjusted_base():
    ev = ratio_ev("日常公用经费控制率", "100", "57.94", "57.94", {"年初": D("64.65"), "调整后": D("57.94")})
    it = score_one(BANDS, ev, weight="6", rounding="down")
    assert it.score == D(5)
    assert it.reason == "公用经费控制率 100%（57.94/57.94，调整后），处于 (90%, 100%] 区间，得 5 分，扣 1 分"


def test_bands_base_choice_changes_the_band():
    ev = ratio_ev("日常公用经费控制率", "100", "57.94", "57.94", {"年初": D("64.65")})
    fw_text = BANDS.replace("ratio: pub", "ratio: pub2")
    extra = "  pub2: {synonyms: [公用经费控制率], base: 年初}\n"
    fw = parse_framework("id: t\nname: t\ntotal: 6\n" + RATIOS + extra + "tree:\n  - name: X\n    weight: 6\n"
                         f"    rule: {fw_text}\n", "t.yaml")
    assert score_evaluation(ev, fw).items[0].score == D(6)  # 57.94/64.65 = 89.62% ≤ 90%
    assert score_one(BANDS, ratio_ev("公用经费控制率", "101", "101", "100"), weight="6").score == D(4)


def test_bands_deduction_mode():
    rule = "{kind: bands, ratio: r, bands: [{upto: 0, deduct: 0}, {above: 0, upto: 10, deduct: 1}, {above: 10, deduct: 5}]}"
    assert score_one(rule, ratio_ev("测试率", "4.92"), weight="5").score == D(4)
    assert score_one(rule, ratio_ev("测试率", "12"), weight="5").score == D(0)


# ----------------------------------------------------------------- steps


def test_steps_above_limit_with_floor():
    rule = "{kind: steps, ratio: r, limit: 100, direction: above, deduct: 0.5}"
    assert score_one(rule, ratio_ev("测试率", "105"), weight="5").score == D("2.5")
    assert score_one(rule, ratio_ev("测试率", "130"), weight="5").score == D(0)  # floored at 0
    assert score_one(rule, ratio_ev("测试率", "85.71", "6", "7"), weight="5").score == D(5)


def test_steps_below_per_five_points():
    rule = "{kind: steps, ratio: r, limit: 100, direction: below, per: 5, deduct: 2}"
    assert score_one(rule, ratio_ev("测试率", "90"), weight="5").score == D(1)
    ceil = "{kind: steps, ratio: r, limit: 100, direction: below, per: 5, deduct: 2, count: ceil}"
    assert score_one(ceil, ratio_ev("测试率", "99"), weight="5").score == D(3)
    floor = ceil.replace("ceil", "floor")
    assert score_one(floor, ratio_ev("测试率", "99"), weight="5").score == D(5)


# ----------------------------------------------------------------- quarterly


def quarters_ev():
    return Evaluation(doc="t", other_rates=tuple(
        Ratio(f"{q}季度序时执行率", D(v)) for q, v in zip("一二三四", ("93.58", "80.74", "100.88", "99.87"), strict=True)))


@pytest.mark.parametrize(("mode", "expected"), [("down", "5.62"), ("half_up", "5.61")])
def test_quarterly_deduction_rounding(mode, expected):
    it = score_one("{kind: quarterly, ratio: q, per_quarter: 1.5}", quarters_ev(), weight="6", rounding=mode)
    assert it.score == D(expected)
    assert "一季度 93.58%、二季度 80.74%" in it.reason and "低于序时进度" in it.reason
    assert it.inputs["一季度序时执行率"] == D("93.58")


def test_quarterly_all_on_time_and_targets():
    ev = Evaluation(doc="t", other_rates=(Ratio("第一季度序时进度", D(30)), Ratio("第二季度序时进度", D(50))))
    rule = "{kind: quarterly, ratio: q, per_quarter: 1, targets: {1: 25, 2: 50}}"
    it = score_one(rule, ev, weight="4")
    assert it.score == D(4) and "均达到" in it.reason


# ----------------------------------------------------------------- qualitative, checklist, stated


def test_qualitative_score_outside_band_is_an_error():
    it = score_one("auto", row_ev("健全", "部分达成", score="13.5", weight="15"), weight="15")
    assert it.rule == "qualitative" and not it.recomputed and it.score == D("13.5")
    assert any(p.severity == "error" and "[9, 12)" in p.message for p in it.problems)


@pytest.mark.parametrize(("actual", "score", "ok"), [
    ("合规", "15", True), ("合规", "12", True), ("合规", "11.9", False),
    ("未达成", "8", True), ("未达成", "9", False), ("部分达成", "9", True),
])
def test_qualitative_bands(actual, score, ok):
    it = score_one("qualitative", row_ev("合规", actual, score=score, weight="15"), weight="15")
    assert (not any(p.severity == "error" for p in it.problems)) is ok


def test_checklist_deducts_named_items():
    rule = ("{kind: checklist, items: [{name: 资产清查, points: 1, keywords: [未定期开展资产清查]},"
            " {name: 账实相符, points: 1, keywords: [账实不符]}]}")
    ev = Evaluation(doc="t", deductions=("因人手不足，未定期开展资产清查工作",),
                    indicators=(Indicator(name="X", weight=D(2), score=D(1)),))
    it = score_one(rule, ev, weight="2")
    assert it.score == D(1) and it.recomputed and "资产清查" in it.reason
    assert it.inputs == {"资产清查": "未做到", "账实相符": "做到"}


def test_stated_over_weight_is_an_error():
    ev = Evaluation(doc="t", indicators=(Indicator(name="X", weight=D(5), score=D(6)),))
    it = score_one("stated", ev, weight="5")
    assert it.score == D(6) and not it.recomputed
    assert [p.severity for p in it.problems] == ["error"]
