"""The engine on hand-built evaluations shaped like the extractor's output for seeds 001 and 004."""

from __future__ import annotations

import json
from decimal import Decimal

from jixiao.model import Budget, Evaluation, Indicator, Project, Ratio, ScoreSummary, Staffing
from jixiao.scoring import ScoreResult, detect_framework, score_evaluation

D = Decimal

SZ_ROWS = [
    ("部门决策", "预算编制", "预算编制合理性", 5, 5), ("部门决策", "预算编制", "预算编制规范性", 5, 5),
    ("部门决策", "目标设置", "绩效目标完整性", 3, 3), ("部门决策", "目标设置", "绩效指标明确性", 7, 7),
    ("部门管理", "资金管理", "政府采购执行情况", 2, "1.99"), ("部门管理", "资金管理", "财务合规性", 3, 3),
    ("部门管理", "资金管理", "预决算信息公开", 3, 3), ("部门管理", "项目管理", "项目实施程序", 2, 2),
    ("部门管理", "项目管理", "项目监管", 2, 2), ("部门管理", "资产管理", "固定资产利用率", 1, 1),
    ("部门管理", "资产管理", "资产管理安全性", 2, 1), ("部门管理", "人员管理", "财政供养人员控制率", 1, 1),
    ("部门管理", "人员管理", "编外人员控制率", 1, 1), ("部门管理", "制度管理", "管理制度健全性", 3, 3),
    ("部门绩效", "经济性", "公用经费控制率", 6, 5), ("部门绩效", "效率性", "预算执行率", 6, "5.62"),
    ("部门绩效", "效率性", "项目完成及时性", 6, 6), ("部门绩效", "效率性", "重点工作完成情况", 8, 8),
    ("部门绩效", "效果性", "社会效益等", 25, 25), ("部门绩效", "公平性", "群众信访办理情况", 3, 3),
    ("部门绩效", "公平性", "公众或服务对象满意度", 6, 6),
]
L1W = {"部门决策": 20, "部门管理": 20, "部门绩效": 60}


def shenzhen_ev(stated_scores: dict[str, str] | None = None, quarters=("93.58", "80.74", "100.88", "99.87")):
    stated_scores = stated_scores or {}
    rows = tuple(Indicator(name=n, level1=l1, level2=l2, weight=D(w), score=D(str(stated_scores.get(n, s))),
                           level1_weight=D(L1W[l1])) for l1, l2, n, w, s in SZ_ROWS)
    rates = (
        Ratio("调整率", D("4.92"), D("123.1"), D("2500.65")),
        Ratio("政府采购执行率", D("99.99"), D("155.586"), D("155.591")),
        Ratio("固定资产利用率", D(100), D("527.49"), D("527.49")),
        Ratio("财政供养人员控制率", D("85.71"), D(6), D(7)),
        Ratio("“三公”经费控制率", D(52), D("4.16"), D(8)),
        Ratio("日常公用经费控制率", D(100), D("57.94"), D("57.94"), {"年初": D("64.65"), "调整后": D("57.94")}),
        *(Ratio(f"{q}季度序时执行率", D(v)) for q, v in zip("一二三四", quarters, strict=True)),
    )
    return Evaluation(doc="sz", scope="department", indicators=rows, other_rates=rates,
                      budget=Budget(initial=D("2377.56"), adjusted=D("2500.65"), executed=D("2470.14")),
                      staffing=Staffing(7, 6, 4),
                      score=ScoreSummary(D("97.61"), {"部门决策": D(20), "部门管理": D("18.99"), "部门绩效": D("58.62")}))


def mof_ev():
    rows = [Indicator(name="预算执行率", level1="项目资金", actual="99.96%", weight=D(10), score=D("9.98"))]
    for l1, l2, name, t, a in [
        ("产出指标", "数量指标", "交办任务完成率", "100%", "100%"), ("产出指标", "质量指标", "费用支付合规率", "合规", "合规"),
        ("产出指标", "时效指标", "资金到位率(%)", "100%", "100%"), ("效益指标", "社会效益", "保障工作正常开展", "正常开展", "正常开展"),
        ("效益指标", "社会效益", "公共服务能力效率", "提高", "提高"), ("效益指标", "可持续影响指标", "长效保障机制健全", "健全", "健全"),
    ]:
        rows.append(Indicator(name=name, level1=l1, level2=l2, target=t, actual=a, weight=D(15), score=D(15)))
    return Evaluation(doc="mof", scope="project", indicators=tuple(rows),
                      budget=Budget(adjusted=D("130.76"), executed=D("130.44"), execution_rate=D("99.96")),
                      projects=(Project("业务工作经费", D("130.76"), D("130.44"), D("99.96")),),
                      score=ScoreSummary(D("99.98")))


def test_shenzhen_done_when_figures_are_recomputed():
    res = score_evaluation(shenzhen_ev())
    assert res.framework == "dept-shenzhen" and res.rounding == "down"
    assert res.parts == {"部门决策": D(20), "部门管理": D("18.99"), "部门绩效": D("58.62")}
    assert res.total == D("97.61") and res.grade == "优"
    by = {it.name: it for it in res.items}
    assert len(res.items) == 21
    for name, score, rule in [("政府采购执行情况", "1.99", "proportional"), ("预算执行率", "5.62", "quarterly"),
                              ("公用经费控制率", "5", "bands"), ("固定资产利用率", "1", "proportional"),
                              ("财政供养人员控制率", "1", "steps")]:
        assert by[name].score == D(score) and by[name].recomputed and by[name].rule == rule, name
    assert by["资产管理安全性"].rule == "stated" and not by["资产管理安全性"].recomputed
    assert by["资产管理安全性"].score == D(1)
    assert by["预算执行率"].level1 == "部门绩效" and by["预算执行率"].level2 == "效率性"
    assert not res.all_problems()


def test_shenzhen_recomputes_rather_than_copies():
    # the stated scores are wrong on purpose: the engine must not copy them
    res = score_evaluation(shenzhen_ev({"政府采购执行情况": "2", "预算执行率": "6", "公用经费控制率": "6"}))
    by = {it.name: it for it in res.items}
    assert by["政府采购执行情况"].score == D("1.99") and by["政府采购执行情况"].stated == D(2)
    assert by["预算执行率"].score == D("5.62") and by["公用经费控制率"].score == D(5)
    assert res.total == D("97.61")
    assert any("不一致" in p.message for p in by["预算执行率"].problems)


def test_shenzhen_quarterly_changes_move_the_total():
    res = score_evaluation(shenzhen_ev(quarters=("100", "100", "100", "100")))
    assert res.item("预算执行率").score == D(6) and res.total == D("97.99")


def test_mof_project_done_when():
    res = score_evaluation(mof_ev())
    assert res.framework == "mof-project-2020"
    exe = res.items[0]
    assert exe.name == "预算执行率" and exe.score == D("9.98") and exe.recomputed
    assert exe.inputs["stated_rate"] == D("99.96") and exe.inputs["rate"] == D("99.755277")
    assert res.total == D("99.98") and res.grade == "优"
    assert res.parts == {"预算执行率": D("9.98"), "产出指标": D(45), "效益指标": D(45)}
    qual = res.item("费用支付合规率")
    assert qual.rule == "qualitative" and not qual.recomputed and qual.score == D(15)
    assert res.item("交办任务完成率").rule == "proportional"
    # the 45/45/0 split deviates from the 50/30/10 default: warnings, not errors
    assert {p.severity for p in res.problems} == {"warning"}


def test_not_applicable_rows_are_rescaled():
    ev = mof_ev()
    rows = list(ev.indicators)
    rows[2] = Indicator(name="费用支付合规率", level1="产出指标", level2="质量指标", target="不适用", actual="不适用",
                        weight=D(15))
    res = score_evaluation(ev.with_(indicators=tuple(rows)))
    item = res.item("费用支付合规率")
    assert not item.applicable and item.score is None
    assert res.total == D("99.98")  # 84.98 × 100 / 85 = 99.976… → 99.98
    assert any("折算" in p.message for p in res.problems)


def test_weights_that_do_not_add_up_are_reported():
    ev = mof_ev()
    rows = list(ev.indicators)
    rows[1] = Indicator(name="交办任务完成率", level1="产出指标", target="100%", actual="100%", weight=D(10), score=D(10))
    res = score_evaluation(ev.with_(indicators=tuple(rows)))
    assert any(p.severity == "error" and "分值合计 95 ≠ 总分 100" in p.message for p in res.problems)


def test_detect_framework():
    assert detect_framework(shenzhen_ev()) == "dept-shenzhen"
    assert detect_framework(mof_ev()) == "mof-project-2020"
    assert detect_framework(Evaluation(doc="x", scope="project")) == "mof-project-2020"
    grid = Evaluation(doc="x", indicators=(Indicator(name="预算执行率", weight=D(10)),))
    assert detect_framework(grid) == "mof-project-2020"
    out = Evaluation(doc="x", indicators=(Indicator(name="数量", level1="产出指标"),))
    assert detect_framework(out) == "mof-project-2020"
    assert detect_framework(Evaluation(doc="x", scope="department")) == "dept-common-2013"


def test_nothing_to_score_gives_an_empty_result():
    res = score_evaluation(Evaluation(doc="empty"))
    assert isinstance(res, ScoreResult)
    assert res.items == () and res.total is None and res.grade is None and res.parts == {}


def test_dept_common_partial_data_scores_what_it_can():
    ev = Evaluation(doc="c", scope="department", staffing=Staffing(9, 7, 0),
                    budget=Budget(initial=D(100), adjusted=D(110), executed=D(95), adjustment=D(10)))
    res = score_evaluation(ev)
    assert res.framework == "dept-common-2013" and res.total is None
    by = {it.name: it for it in res.items}
    assert by["在职人员控制率"].score == D(3)
    assert by["预算完成率"].score == D(3)  # 95% of 年初: 5 − 2 × (5/5)
    assert by["预算调整率"].inputs["base"] == "年初" and by["预算调整率"].score == D("2.4")  # 10/100 = 10%
    assert any("未计总分" in p.message for p in res.problems)


def test_to_json_shape():
    res = score_evaluation(shenzhen_ev())
    data = json.loads(json.dumps(res.to_json(), ensure_ascii=False))
    assert {"framework", "rounding", "total", "grade", "parts", "items"} <= set(data)
    assert data["total"] == 97.61 and data["parts"]["部门管理"] == 18.99
    item = next(i for i in data["items"] if i["name"] == "政府采购执行情况")
    assert {"path", "name", "weight", "score", "rule", "inputs", "formula", "reason", "recomputed", "stated",
            "level1", "level2"} <= set(item)
    assert item["path"] == "部门管理/资金管理/政府采购执行情况"
    assert item["score"] == 1.99 and item["recomputed"] is True
    assert item["reason"] == "政府采购执行率 99.99%（155.586/155.591），按比例得 1.99 分，扣 0.01 分"


def test_explanations_are_built_late_but_from_their_own_evaluation():
    from jixiao.scoring import Scorer, load_framework

    scorer = Scorer(load_framework("dept-shenzhen"))
    first = scorer.score(shenzhen_ev())
    scorer.score(shenzhen_ev(quarters=("100", "100", "100", "100")))  # the shared context moves on
    assert first.item("预算执行率").reason.endswith("合计扣 0.38 分，得 5.62 分")
    assert "6 − 0.38715 → 0.38（去尾） = 5.62" in first.item("预算执行率").formula
