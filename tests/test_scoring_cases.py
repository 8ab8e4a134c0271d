"""Scores that cannot be wrong by construction: the five cases where a hand scoring from the rules and
``jixiao score`` used to disagree (issue 16, item 4), each scored again and checked by the auditor."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from jixiao.audit import check
from jixiao.evalfile import EvaluationFileError, parse_evaluation
from jixiao.model import Budget, Evaluation, Indicator, Ratio
from jixiao.scoring import score_evaluation


def _codes(ev, **kw):
    return {f.code: f for f in check(ev, **kw)}


# 1. a ratio's base is the framework's, always; a stated ratio on another base is a finding

def test_53_ratio_on_the_approved_budget_not_the_reports_adjusted_figures():
    ev = Evaluation(doc="t", scope="department",
                    budget=Budget(initial=D(500), adjusted=D(600), executed=D(540)),
                    other_rates=(Ratio("预算执行率", D(90), D(540), D(600)),))
    res = score_evaluation(ev, "dept-common-2013")
    item = res.item("预算完成率")
    assert item.inputs["base"] == "年初" and item.inputs["denominator"] == D(500)
    assert item.score == D(5)  # 540 / 500 = 108 % ≥ 100 %: full marks (on 540/600 it would have been 1)
    definition = [p for p in item.problems if p.kind == "definition"]
    assert len(definition) == 1 and "调整后" in definition[0].message and "年初" in definition[0].message
    f = _codes(ev, framework="dept-common-2013")["JX130"]
    assert f.severity == "warning" and f.kind == "definition" and f.path == "other_rates[0].stated"
    assert f.stated == "90%" and f.recomputed == "108%" and "540 / 500" in f.arithmetic


def test_project_ratio_on_the_adjusted_budget_not_a_stated_approved_one():
    ev = Evaluation(doc="t", scope="project", budget=Budget(initial=D(500), adjusted=D(600), executed=D(540)),
                    other_rates=(Ratio("预算执行率", D(108), D(540), D(500)),),
                    indicators=(Indicator("预算执行率", level1="项目资金", weight=D(10), score=D(10)),))
    item = score_evaluation(ev, "mof-project-2020").item("预算执行率")
    assert item.score == D(9) and item.inputs["base"] == "调整后"  # 10 × 540/600
    assert any(p.kind == "definition" for p in item.problems)


def test_carry_over_rate_divides_by_the_approved_budget():
    ev = Evaluation(doc="t", scope="department", budget=Budget(initial=D(500), adjusted=D(600), carryover_end=D(30)))
    item = score_evaluation(ev, "dept-common-2013").item("结转结余率")
    assert item.inputs["denominator"] == D(500) and item.inputs["base"] == "年初"
    assert item.score == D(2)  # 6 % falls in (5 %, 10 %]; on the adjusted budget it would be 5 % → 3


# 2. impossible inputs: refused at the file boundary, unscored (and one error) when built elsewhere

def test_negative_executed_is_refused_and_never_scored():
    with pytest.raises(EvaluationFileError, match=r"第 3 行 budget.executed: 执行数 -12.50 为负数"):
        parse_evaluation("scope: project\nbudget:\n  executed: -12.50\n  adjusted: 100\n", "e.yaml")
    ev = Evaluation(doc="t", scope="project", budget=Budget(adjusted=D(100), executed=D("-12.50")),
                    indicators=(Indicator("预算执行率", level1="项目资金", weight=D(10), score=D(10)),))
    res = score_evaluation(ev)
    item = res.item("预算执行率")
    assert item.score is None and res.total is None  # not −1.25
    assert [p.message for p in item.problems if p.kind == "input"] == ["执行数 -12.50 为负数，无法计算预算执行率"]
    f = _codes(ev)["JX131"]
    assert f.severity == "error" and f.path == "budget.executed" and f.message == "执行数 -12.50 为负数，无法计算预算执行率"


def test_negative_weight_in_a_table_that_adds_up_to_100():
    rows = (Indicator("甲", level1="产出指标", weight=D(105), score=D(100)),
            Indicator("乙", level1="产出指标", weight=D(-5), score=D(-5)))
    ev = Evaluation(doc="t", scope="project", indicators=rows)
    res = score_evaluation(ev)
    bad = res.item("乙")
    assert bad.score is None and "得满分" not in bad.reason and res.total is None and res.grade is None
    assert bad.problems[0].message == "分值 -5 为负数，该项不计分"
    codes = _codes(ev)
    f = codes["JX131"]
    assert f.path == "indicators[1].weight" and f.message == "分值 -5 为负数，该项不计分"
    assert not any("0～-5" in g.message for g in codes.values())  # no range is read off an impossible 分值
    with pytest.raises(EvaluationFileError, match=r"indicators\[1\].weight: 分值 -5 为负数"):
        parse_evaluation("indicators:\n  - {name: 甲, weight: 105}\n  - {name: 乙, weight: -5}\n", "e.yaml")


# 3. a 0/0 budget is not "missing": it is an input that cannot be divided, said as such

def test_zero_budget_is_an_error_not_a_kept_score():
    ev = Evaluation(doc="t", scope="project", budget=Budget(adjusted=D(0), executed=D(0)),
                    indicators=(Indicator("预算执行率", level1="项目资金", weight=D(10), score=D(10)),))
    res = score_evaluation(ev)
    item = res.item("预算执行率")
    assert item.score is None and res.total is None
    assert "缺少预算数与执行数" not in item.reason and "无从核实" in item.reason
    assert [p.message for p in item.problems] == ["调整后预算数为 0，无法计算预算执行率（0/0）"]
    assert _codes(ev)["JX131"].path == "budget.adjusted"


# 4. a quantitative target with no actual is not a qualitative judgement

def test_quantitative_target_without_actual_says_the_actual_is_missing():
    ev = Evaluation(doc="t", scope="project", indicators=(
        Indicator("培训人次", level1="产出指标", level2="数量指标", target="≥300人次", weight=D(10), score=D(10)),))
    item = score_evaluation(ev, "mof-project-2020").item("培训人次")
    assert item.rule == "stated" and not item.recomputed and item.score == D(10)
    assert "缺少实际完成值" in item.reason
    assert [p.message for p in item.problems] == ["目标为定量值 ≥300人次，但未填实际完成值，无法重算得分"]


# 5. a missing row of a user framework: no total, and a finding says why

def test_missing_row_of_a_user_framework_gives_a_partial_score_and_a_finding(tmp_path: Path):
    (tmp_path / "mine.yaml").write_text(
        "id: mine\nname: 我的框架\ntree:\n  - {name: 决策, weight: 40, rule: stated}\n"
        "  - {name: 绩效, weight: 60, rule: stated}\n", encoding="utf-8")
    ev = Evaluation(doc="t", indicators=(Indicator("决策", weight=D(40), score=D(36)),))
    res = score_evaluation(ev, str(tmp_path / "mine.yaml"))
    assert res.total is None and res.missing == ("绩效",)
    assert res.partial.text() == "已评 1 项 / 共 2 项，可评分值 40 分，得 36 分"
    f = _codes(ev, framework=str(tmp_path / "mine.yaml"))["JX132"]
    assert f.severity == "info" and "绩效" in f.message and f.recomputed == res.partial.text()
