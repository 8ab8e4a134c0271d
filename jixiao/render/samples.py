"""Demo evaluations (invented names, figures shaped like the usual forms) for tests, bench and docs."""

from __future__ import annotations

from decimal import Decimal as Dec

from jixiao.model import Budget, Evaluation, Indicator, Project, ScoreSummary


def project_eval() -> Evaluation:
    """A project form: 年度预算 130.76, 执行 130.44, 执行率 row 10 → 9.98, six rows of 15, total 99.98."""
    rows = [
        Indicator(name="预算执行率", level1="项目资金", actual="99.76%", weight=Dec("10"), score=Dec("9.98")),
        Indicator(name="培训场次完成率", level1="产出指标", level2="数量指标", target="100%", actual="100%",
                  weight=Dec("15"), score=Dec("15"), nature=">="),
        Indicator(name="资金支付合规率", level1="产出指标", level2="质量指标", target="合规", actual="合规",
                  weight=Dec("15"), score=Dec("15")),
        Indicator(name="任务按时完成率", level1="产出指标", level2="时效指标", target="100%", actual="100%",
                  weight=Dec("15"), score=Dec("15"), nature=">="),
        Indicator(name="服务覆盖面", level1="效益指标", level2="社会效益", target="扩大", actual="扩大",
                  weight=Dec("15"), score=Dec("15")),
        Indicator(name="服务能力", level1="效益指标", level2="社会效益", target="提升", actual="提升",
                  weight=Dec("15"), score=Dec("15")),
        Indicator(name="长效机制", level1="效益指标", level2="可持续影响指标", target="建立", actual="建立",
                  weight=Dec("15"), score=Dec("15")),
    ]
    return Evaluation(
        doc="sample-project", department="某区示范联合会", year=2021, scope="project",
        budget=Budget(adjusted=Dec("130.76"), executed=Dec("130.44"), execution_rate=Dec("99.96")),
        projects=(Project(name="业务经费", budget=Dec("130.76"), executed=Dec("130.44")),),
        indicators=tuple(rows), score=ScoreSummary(total=Dec("99.98")),
        problems="部分活动延期举办。", measures="加快项目进度。",
    )


def dept_eval() -> Evaluation:
    """A department three-level table: parts 20 / 18.99 / 58.93, total 97.92 (预算执行率 6 × 98.78% = 5.93)."""
    spec = [
        ("部门决策", "20", "预算编制", "10", [("编制合理性", "5", "5"), ("编制规范性", "5", "5")]),
        ("部门决策", "20", "目标设置", "10", [("目标完整性", "3", "3"), ("指标明确性", "7", "7")]),
        ("部门管理", "20", "资金管理", "8", [("采购执行", "2", "1.99"), ("财务合规", "3", "3"), ("信息公开", "3", "3")]),
        ("部门管理", "20", "项目管理", "4", [("实施程序", "2", "2"), ("项目监管", "2", "2")]),
        ("部门管理", "20", "资产管理", "3", [("资产利用", "1", "1"), ("资产安全", "2", "1")]),
        ("部门管理", "20", "人员管理", "2", [("供养人员控制", "1", "1"), ("编外人员控制", "1", "1")]),
        ("部门管理", "20", "制度管理", "3", [("制度健全", "3", "3")]),
        ("部门绩效", "60", "经济性", "6", [("公用经费控制", "6", "5")]),
        ("部门绩效", "60", "效率性", "20", [("预算执行率", "6", "5.93"), ("完成及时性", "6", "6"), ("重点工作", "8", "8")]),
        ("部门绩效", "60", "效果性", "25", [("社会效益", "25", "25")]),
        ("部门绩效", "60", "公平性", "9", [("信访办理", "3", "3"), ("满意度", "6", "6")]),
    ]
    rows = []
    for l1, w1, l2, w2, leaves in spec:
        for name, w, s in leaves:
            rows.append(Indicator(name=name, level1=l1, level2=l2, weight=Dec(w), score=Dec(s),
                                  level1_weight=Dec(w1), level2_weight=Dec(w2)))
    return Evaluation(
        doc="sample-dept", department="某市某区示范联合会", year=2023, scope="department",
        budget=Budget(initial=Dec("2377.56"), adjusted=Dec("2500.65"), executed=Dec("2470.14"),
                      execution_rate=Dec("98.78"), basic=Dec("942.51"), project=Dec("1558.15")),
        indicators=tuple(rows),
        score=ScoreSummary(total=Dec("97.92"), parts={"部门决策": Dec("20"), "部门管理": Dec("18.99"),
                                                      "部门绩效": Dec("58.93")}),
    )
