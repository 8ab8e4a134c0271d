"""The report's own table as a framework, partial scores and the report's other indicators: one test per kind
of table (our own invented units and figures)."""

from __future__ import annotations

import json
from decimal import Decimal as D

from jixiao.model import Budget, Evaluation, Indicator, Project, ScoreSummary
from jixiao.scoring import OWN_ID, score_evaluation


def rows(*spec):
    return tuple(Indicator(name=n, level1=l1, level2=l2, target=t, actual=a,
                           weight=None if w is None else D(w), score=None if s is None else D(s))
                 for l1, l2, n, t, a, w, s in spec)


def test_mof_project_form_with_a_budget_row_in_whole_points():
    ev = Evaluation(doc="m", scope="project", budget=Budget(adjusted=D("50.00"), executed=D("49.00")),
                    score=ScoreSummary(D(96)), indicators=rows(
        ("项目资金", None, "执行率", None, "98%", 10, 9),           # 10 × 98 % = 9.8, written in whole points
        ("产出指标", "数量指标", "培训场次", "≥20场", "20场", 30, 30),
        ("产出指标", "时效指标", "资金到位率", "≥100%", "100%", 20, 17),  # target met, yet 3 points off
        ("效益指标", "社会效益指标", "知晓率", "≥90%", "95%", 30, 30),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "96%", 10, 10)))
    res = score_evaluation(ev)
    assert res.framework == "mof-project-2020" and "均与框架 mof-project-2020 的指标对应" in res.why
    exe = res.item("执行率")
    assert exe.rule == "budget_execution" and exe.score == D(9)  # 9.8 cut to the table's whole points
    assert any("整数" in p.message for p in exe.problems)
    paid = res.item("资金到位率")
    assert paid.score == D(20) and paid.stated == D(17)
    # the engine disagrees exactly where the table does: 20 − 17 = 3 points
    assert res.total == D(99) and res.total - ev.score.total == D(3) and res.grade == "优"


def test_full_marks_are_not_a_rounding_of_an_unmet_target():
    ev = Evaluation(doc="m", scope="project", indicators=rows(
        ("产出指标", "数量指标", "救助人数", "≥4754人", "4604人", 5, 5)))  # 5 × 96.84 % = 4.84, rounds to 5
    item = score_evaluation(ev, "mof-project-2020").item("救助人数")
    assert item.score == D("4.84") and any("不一致" in p.message for p in item.problems)


def test_hubei_20_point_form_shares_block_weights():
    def row(l1, l2, name, t, a, s, block):
        return Indicator(name=name, level1=l1, level2=l2, target=t, actual=a, score=D(s), level1_weight=D(block))

    ev = Evaluation(doc="h", scope="project", budget=Budget(adjusted=D("34.60"), executed=D("34.60")),
                    score=ScoreSummary(D(100)), indicators=(
        Indicator(name="执行率(B/A)", level1="预算执行情况", actual="100%", weight=D(20), score=D(20)),
        row("产出指标", "数量指标", "慰问对象", "100%", "100%", 20, 60),
        row("产出指标", "质量指标", "补助足额拨付率", "100%", "100%", 20, 60),
        row("产出指标", "时效指标", "节前完成", "按时完成", "按时完成", 20, 60),
        row("效益指标", "社会效益指标", "群体性事件", "≤5次", "0次", 10, 10),
        row("满意度指标", "服务对象满意度指标", "对象满意率", "≥95%", "100%", 10, 10)))
    res = score_evaluation(ev)
    assert res.framework == OWN_ID and res.own_table and "执行率(B/A) 20≠10" in res.why
    assert [it.weight for it in res.items] == [D(20), D(20), D(20), D(20), D(10), D(10)]
    assert res.item("执行率(B/A)").rule == "budget_execution" and res.item("执行率(B/A)").score == D(20)
    assert res.item("节前完成").rule == "qualitative" and not res.item("节前完成").recomputed
    assert res.total == D(100) and res.parts["产出指标"] == D(60) and res.grade == "优"


def test_department_three_level_own_table():
    ev = Evaluation(doc="d", scope="department", indicators=rows(
        ("管理指标", "预算编审管理", "编审完整准确率", "100%", "100%", 10, 10),
        ("管理指标", "预算执行管理", "预算执行率", None, None, 10, 10),
        ("管理指标", "资产管理", "资产安全", "无资产损失", "达成目标", 10, 10),
        ("产出指标", "数量指标", "门诊人次", "≥12000人次", "11400人次", 20, 19),
        ("产出指标", "时效指标", "档案更新及时率", "按规定时限", None, 10, 9),
        ("效果指标", "社会效益指标", "签约完成率", "≥80%", "84%", 20, 20),
        ("效果指标", "满意度指标", "群众满意度", None, "86%", 20, 16)),
        budget=Budget(adjusted=D(300), executed=D(300)))
    res = score_evaluation(ev)
    assert res.framework == OWN_ID and "按报告自身的指标表评分" in res.why
    assert res.item("预算执行率").rule == "budget_execution" and res.item("预算执行率").score == D(10)
    assert res.item("门诊人次").score == D(19)  # 20 × 11400/12000
    satisfied = res.item("群众满意度")  # only a percentage: the satisfaction bands, 80–90 % → 80 % of 20
    assert satisfied.rule == "bands" and satisfied.score == D(16)
    assert res.item("档案更新及时率").rule == "qualitative"  # a judgement, kept and marked
    assert res.parts == {"管理指标": D(30), "产出指标": D(28), "效果指标": D(36)}
    assert res.total == D(94) and res.grade == "优"


def test_table_with_partial_scores_at_one_decimal():
    ev = Evaluation(doc="p", scope="project", indicators=rows(
        (None, None, "疫苗接种率", "100.00%", "97.30%", 2, "1.9"),  # 1.946 → 1.9 at the table's one decimal
        (None, None, "产妇访视数", "214人", "203人", 2, "1.8"),       # 1.897 → 1.8 cut
        (None, None, "早孕建册数", "120人", "69人", 2, "1"),          # 1.15: not a rounding of it
        (None, None, "签约人数", "2089人", "2089人", 2, "2")))
    res = score_evaluation(ev)
    assert res.framework == OWN_ID
    by = {it.name: it for it in res.items}
    assert by["疫苗接种率"].score == D("1.9") and by["产妇访视数"].score == D("1.8")
    assert by["早孕建册数"].score == D("1.15") and any("不一致" in p.message for p in by["早孕建册数"].problems)
    assert res.total is None  # 8 of 100 points: the table is incomplete
    assert res.partial.text() == "已评 4 项 / 共 4 项，可评分值 8 分，得 6.85 分"
    assert any(p.kind == "missing" and "不足 100" in p.message for p in res.problems)


def test_decimal_weights_add_up_exactly():
    ev = Evaluation(doc="w", scope="project", budget=Budget(adjusted=D(1100), executed=D(1100)),
                    projects=(Project("冷库建设", D(1100), D(1100)),), indicators=rows(
        ("项目资金", None, "年度资金总额", None, "100%", 10, 10),
        ("产出指标", "数量指标", "冷库面积", "≥1290.3平方米", "1290.3平方米", "10.3", "10.3"),
        ("产出指标", "数量指标", "烘干设备", "550台", "20台", "9.3", "9.3"),
        ("产出指标", "数量指标", "变压器", "3台", "3台", "9.3", "9.3"),
        ("产出指标", "质量指标", "验收合格率", "≥100%", "100%", "10.8", "10.8"),
        ("产出指标", "时效指标", "完成时限(月)", "10", "10", "10.3", "10.3"),
        ("效益指标", "社会效益指标", "带动就业", "≥30人", "30人", 30, 30),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10)))
    res = score_evaluation(ev)
    assert res.item("烘干设备").score == D("0.34")  # 9.3 × 20/550: the table's full 9.3 is not earned
    assert res.parts["产出指标"] == D("41.04") and res.total == D("91.04")


def test_others_stay_out_of_the_framework_groups():
    ev = Evaluation(doc="o", scope="department", budget=Budget(adjusted=D(675.58), executed=D(674.99)),
                    indicators=(Indicator("活动场次", actual="12场", project="妇女活动经费"),
                                Indicator("服务半径", actual="10公里以内", project="儿童中心工程")))
    res = score_evaluation(ev)
    assert res.framework == "dept-common-2013" and res.total is None
    assert [it.name for it in res.others] == ["活动场次", "服务半径"]
    assert [it.project for it in res.others] == ["妇女活动经费", "儿童中心工程"]
    assert not any(it.name == "活动场次" for it in res.items)
    assert any("报告所列其他指标 2 项" in p.message for p in res.problems)
    data = json.loads(json.dumps(res.to_json(), ensure_ascii=False))
    assert data["others"][0]["project"] == "妇女活动经费" and data["others"][0]["path"] == "妇女活动经费/活动场次"
    missing = [p for p in res.problems if p.kind == "missing"]
    assert len(missing) == 1 and len(data["missing"]) == len(set(data["missing"]))  # listed once


def test_json_says_which_framework_and_why_and_the_partial_part():
    ev = Evaluation(doc="j", scope="project", indicators=rows(("产出指标", "数量指标", "场次", "≥10场", "12场", 50, 50)))
    data = score_evaluation(ev).to_json()
    assert data["framework"] == "mof-project-2020" and data["why"] and data["own_table"] is False
    assert data["total"] is None and data["partial"] == {"scored": 1, "items": 2, "weight": 50, "points": 50,
                                                         "text": "已评 1 项 / 共 2 项，可评分值 50 分，得 50 分"}
