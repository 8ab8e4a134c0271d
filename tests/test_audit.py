"""Audit checks on hand-built evaluations: each rule fires on its case and stays quiet otherwise."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.audit import REGISTRY, check, selected, summary
from jixiao.ingest.base import Document
from jixiao.model import (
    Breakdown,
    Budget,
    Evaluation,
    Evidence,
    Funding,
    Indicator,
    Project,
    Ratio,
    ScoreSummary,
)
from jixiao.numbers import D


class _Doc:
    """Builds a document text and the evidence of each figure written into it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.evidence: dict[str, Evidence] = {}

    def w(self, s: str, path: str | None = None, confidence: str | None = None) -> _Doc:
        if path:
            line = "".join(self.parts).count("\n") + 1
            self.evidence[path] = Evidence("t.txt", self.n, self.n + len(s), line, s,
                                           confidence=D(confidence) if confidence else None)
        self.parts.append(s)
        self.n += len(s)
        return self

    def doc(self) -> Document:
        return Document(name="t.txt", text="".join(self.parts), format="text")


def run(ev: Evaluation, doc=None, **kw):
    return check(ev, doc, score_result=object(), **kw)  # object(): no scoring engine in unit tests


def codes(fs) -> list[str]:
    return [f.code for f in fs]


def one(fs, code):
    found = [f for f in fs if f.code == code]
    assert len(found) == 1, [(f.code, f.message) for f in fs]
    return found[0]


# -- arithmetic ----------------------------------------------------------------------------------

def _rate_doc(rate: str, executed: str = "130.44", adjusted: str = "130.76", confidence: str | None = None):
    d = _Doc().w("全年预算数 ").w(adjusted, "budget.adjusted").w(" 万元，执行数 ")
    d.w(executed, "budget.executed", confidence).w(" 万元，完成预算的 ").w(rate, "budget.execution_rate", confidence)
    d.w("%。\n")
    ev = Evaluation(doc="t.txt", budget=Budget(adjusted=D(adjusted), executed=D(executed), execution_rate=D(rate)),
                    evidence=d.evidence)
    return ev, d.doc()


def test_execution_rate_error_message_and_evidence():
    ev, doc = _rate_doc("99.96")
    f = one(run(ev, doc), "JX106")
    assert f.severity == "error" and f.kind is None
    assert f.message == "预算执行率 写为 99.96%，按 130.44/130.76 计算为 99.76%"
    assert (f.stated, f.recomputed) == ("99.96", "99.76")
    assert f.evidence.text == "99.96" and doc.text[f.evidence.start:f.evidence.end] == "99.96"
    assert {e.text for e in f.related} == {"130.44", "130.76"}
    assert "130.44 / 130.76 × 100% = 99.7553%" in f.arithmetic


def test_execution_rate_within_written_precision_is_quiet():
    assert "JX106" not in codes(run(*_rate_doc("99.76")))
    assert "JX106" not in codes(run(*_rate_doc("99.8")))  # one decimal: ±0.05
    assert "JX106" not in codes(run(*_rate_doc("100", executed="130.70")))  # 99.95 → 100 at 0 decimals


def test_written_decimals_come_from_the_text():
    # "99.90" keeps two decimals; Decimal("99.9") from a lossy reader would allow ±0.05
    d = _Doc().w("预算 ").w("100", "budget.adjusted").w(" 执行 ").w("99.86", "budget.executed")
    d.w(" 执行率 ").w("99.90", "budget.execution_rate")
    ev = Evaluation(doc="t.txt", budget=Budget(adjusted=D(100), executed=D("99.86"), execution_rate=D("99.9")),
                    evidence=d.evidence)
    f = one(run(ev, d.doc()), "JX106")
    assert f.recomputed == "99.86"


def test_ocr_figure_downgrades_error_to_warning():
    ev, doc = _rate_doc("99.96", confidence="0.62")
    f = one(run(ev, doc), "JX106")
    assert f.severity == "warning"
    assert "OCR" in f.message and "0.62" in f.message


def test_ocr_confident_figure_stays_error():
    ev, doc = _rate_doc("99.96", confidence="0.97")
    assert one(run(ev, doc), "JX106").severity == "error"


def test_truncated_ratio_is_info_rounding():
    ev = Evaluation(doc="t", other_rates=(Ratio("政府采购执行率", D("99.99"), D("155.586"), D("155.591")),))
    f = one(run(ev), "JX109")
    assert (f.severity, f.kind) == ("info", "rounding")
    assert "100.00" in f.message


def test_ratio_on_other_base_is_definition_warning_naming_both():
    r = Ratio("调整率", D("4.92"), D("123.1"), D("2500.65"), {"年初": D("2377.56"), "调整后": D("2500.65")})
    f = one(run(Evaluation(doc="t", other_rates=(r,))), "JX109")
    assert (f.severity, f.kind) == ("warning", "definition")
    assert "年初" in f.message and "调整后" in f.message and "5.18" in f.message


def test_ratio_on_default_base_is_quiet():
    r = Ratio("调整率", D("5.18"), D("123.1"), D("2377.56"), {"年初": D("2377.56"), "调整后": D("2500.65")})
    assert run(Evaluation(doc="t", other_rates=(r,))) == []


def test_ratio_framework_with_adjusted_base():
    r = Ratio("调整率", D("4.92"), D("123.1"), D("2500.65"), {"年初": D("2377.56"), "调整后": D("2500.65")})
    assert run(Evaluation(doc="t", other_rates=(r,)), framework="adjusted-base") == []


def test_ratio_wrong_on_every_base_is_error():
    r = Ratio("日常公用经费控制率", D("95"), D("57.94"), D("57.94"), {"年初": D("64.65"), "调整后": D("57.94")})
    f = one(run(Evaluation(doc="t", other_rates=(r,))), "JX109")
    assert f.severity == "error" and "89.62" in f.message


def test_share_at_integer_precision():
    ok = Ratio("45岁以下占比", D(78), D(587), D(750))
    bad = Ratio("大专以上占比", D(68), D(470), D(750))
    fs = run(Evaluation(doc="t", other_rates=(ok, bad)))
    f = one(fs, "JX109")
    assert f.stated == "68" and f.recomputed == "62.67"


def test_budget_adjustment_rate_without_other_rates():
    b = Budget(initial=D("2377.56"), adjusted=D("2500.65"), adjustment=D("123.1"), adjustment_rate=D("4.92"))
    f = one(run(Evaluation(doc="t", budget=b)), "JX108")
    assert f.kind == "definition" and f.severity == "warning"


def test_sums_within_half_unit_per_term_are_quiet():
    # seed 004's three ±0.01 sums and seed 003's 94.88 + 24.65 vs 119.52
    b = Budget(initial=D("2377.56"), initial_basic=D("996.82"), initial_project=D("1380.73"),
               adjusted=D("2500.65"), basic=D("942.51"), project=D("1558.15"), adjustment=D("123.1"))
    assert run(Evaluation(doc="t", budget=b)) == []
    b2 = Budget(basic=D("119.52"), personnel=D("94.88"), public=D("24.65"))
    assert run(Evaluation(doc="t", budget=b2)) == []


def test_budget_split_error_names_both_totals():
    b = Budget(adjusted=D("675.58"), executed=D("674.99"), basic=D("567.42"), project=D("117.57"))
    f = one(run(Evaluation(doc="t", budget=b)), "JX101")
    assert f.severity == "error" and "684.99" in f.message
    assert "675.58" in f.message and "674.99" in f.message


def test_budget_split_matching_executed_is_quiet():
    b = Budget(adjusted=D("675.58"), executed=D("674.99"), basic=D("567.42"), project=D("107.57"))
    assert "JX101" not in codes(run(Evaluation(doc="t", budget=b)))


def test_adjustment_sum():
    b = Budget(initial=D("2377.56"), adjusted=D("2500.65"), adjustment=D("133.1"))
    f = one(run(Evaluation(doc="t", budget=b)), "JX103")
    assert f.recomputed == "2510.66"


def test_funding_sources():
    b = Budget(executed=D("674.99"))
    full = Funding(general_public=D("670.99"), gov_fund=D(0), state_capital=D(0), other=D(0))
    f = one(run(Evaluation(doc="t", budget=b, funding=full)), "JX104")
    assert f.recomputed == "670.99" and f.stated == "674.99"
    partial = Funding(general_public=D("600"))  # only one source named: may be partial
    assert "JX104" not in codes(run(Evaluation(doc="t", budget=b, funding=partial)))


def test_project_lines():
    lines = tuple(Project(f"p{i}", executed=D(v)) for i, v in enumerate(["7.82", "5.09", "4.35", "15.13"]))
    ok = Evaluation(doc="t", budget=Budget(project=D("32.39")), projects=lines)
    assert run(ok) == []
    over = Evaluation(doc="t", budget=Budget(project=D("30")), projects=lines)
    assert one(run(over), "JX105").severity == "error"
    under = Evaluation(doc="t", budget=Budget(project=D("40")), projects=lines)
    f = one(run(under), "JX105")
    assert (f.severity, f.kind) == ("warning", "breakdown")
    named = tuple(Project(f"p{i}", budget=D(v), executed=D(v), execution_rate=D(100))
                  for i, v in enumerate(["91.91", "8.24"]))
    assert run(Evaluation(doc="t", budget=Budget(project=D("107.57")), projects=named)) == []


def test_project_rate():
    p = Project("家庭教育", budget=D("91.91"), executed=D("90.91"), execution_rate=D(100))
    f = one(run(Evaluation(doc="t", projects=(p,))), "JX107")
    assert f.severity == "error" and f.recomputed == "98.91"


def test_breakdown_severities():
    parts = (("情感纠纷", D(122694)), ("家庭暴力", D(452)), ("心理咨询", D(4839)), ("婚姻调解", D(259)))
    short = Breakdown("处置个案", D(128613), parts, unit="宗")
    f = one(run(Evaluation(doc="t", breakdowns=(short,))), "JX110")
    assert (f.severity, f.kind) == ("warning", "breakdown")
    assert (f.stated, f.recomputed) == ("128613", "128244")
    over = Breakdown("处置个案", D(128000), parts)
    assert one(run(Evaluation(doc="t", breakdowns=(over,))), "JX110").severity == "error"
    exhaustive = Breakdown("处置个案", D(128613), parts, exhaustive=True)
    assert one(run(Evaluation(doc="t", breakdowns=(exhaustive,))), "JX110").severity == "error"
    exact = Breakdown("服务人次", D(23), (("线上", D("21.2")), ("线下", D("1.8"))))
    assert run(Evaluation(doc="t", breakdowns=(exact,))) == []


def _table(scores=("5", "5", "1.99", "3"), total="14.99", parts=None, w2="10"):
    inds = (
        Indicator("预算编制合理性", "部门决策", "预算编制", weight=D(5), score=D(scores[0]), level1_weight=D(10),
                  level2_weight=D(w2)),
        Indicator("预算编制规范性", "部门决策", "预算编制", weight=D(5), score=D(scores[1]), level1_weight=D(10),
                  level2_weight=D(w2)),
        Indicator("政府采购执行情况", "部门管理", "资金管理", weight=D(2), score=D(scores[2]), level1_weight=D(5),
                  level2_weight=D(5)),
        Indicator("财务合规性", "部门管理", "资金管理", weight=D(3), score=D(scores[3]), level1_weight=D(5),
                  level2_weight=D(5)),
    )
    return Evaluation(doc="t", indicators=inds,
                      score=ScoreSummary(total=D(total), parts={k: D(v) for k, v in (parts or {}).items()}))


def test_score_table_consistent_is_quiet_on_arithmetic():
    fs = run(_table(parts={"部门决策": "10", "部门管理": "4.99"}), select=["JX1"])
    assert codes(fs) == ["JX116"]  # a four-row excerpt: first-level 分值 add up to 15, not 100
    assert fs[0].message == "一级指标分值合计为 15，不等于 100"


def test_score_over_weight():
    f = one(run(_table(scores=("5", "5", "2.99", "3"), total="15.99"), select=["JX1"]), "JX111")
    assert f.severity == "error" and f.stated == "2.99"


def test_child_weights_vs_parent():
    f = one(run(_table(w2="12"), select=["JX112"]), "JX112")
    assert f.stated == "12" and f.recomputed == "10"


def test_parts_vs_rows_and_total():
    fs = run(_table(parts={"部门决策": "10", "部门管理": "5.99"}), select=["JX114"])
    f = one(fs, "JX114")
    assert f.stated == "5.99" and f.recomputed == "4.99"


def test_total_vs_rows_when_weights_make_100():
    inds = (Indicator("预算执行率", "项目资金", weight=D(10), score=D("9.98")),
            Indicator("产出", "产出指标", "数量指标", weight=D(90), score=D(90)))
    ev = Evaluation(doc="t", indicators=inds, score=ScoreSummary(total=D("98.98")))
    f = one(run(ev, select=["JX113"]), "JX113")
    assert (f.stated, f.recomputed) == ("98.98", "99.98")


def test_execution_score_project_form():
    inds = (Indicator("预算执行率", "项目资金", weight=D(10), score=D("9.50")),)
    ev = Evaluation(doc="t", scope="project", indicators=inds,
                    budget=Budget(adjusted=D("130.76"), executed=D("130.44"), execution_rate=D("99.76")))
    f = one(check(ev, None, select=["JX115"], score_result=None) if False else _no_engine(ev, "JX115"), "JX115")
    assert f.recomputed == "9.98"


def _no_engine(ev, code):
    from jixiao.audit.context import Context
    return list(REGISTRY[code].func(Context(ev=ev)))


def test_engine_scores_compared():
    class Item:
        path, name, weight, score, stated, rule, formula, reason, recomputed = (
            "部门管理/资金管理/政府采购执行情况", "政府采购执行情况", D(2), D("1.99"), D("1.50"), "proportional",
            "2 × 99.99%", "", True)

    class Result:
        items = (Item(),)
        framework = "dept-shenzhen"

    inds = (Indicator("政府采购执行情况", "部门管理", "资金管理", weight=D(2), score=D("1.50")),)
    f = one(check(Evaluation(doc="t", indicators=inds), None, score_result=Result(), select=["JX117"]), "JX117")
    assert f.severity == "warning" and (f.stated, f.recomputed) == ("1.50", "1.99")


# -- logic -----------------------------------------------------------------------------------------

def test_unspent_vs_carryover():
    b = Budget(adjusted=D("675.58"), executed=D("674.99"), carryover_end=D(0))
    f = one(run(Evaluation(doc="t", budget=b)), "JX201")
    assert f.severity == "warning" and f.recomputed == "0.59"
    b_ok = Budget(adjusted=D("675.58"), executed=D("674.99"), carryover_end=D("0.59"))
    assert "JX201" not in codes(run(Evaluation(doc="t", budget=b_ok)))


def test_problems_none_with_shortfall():
    b = Budget(adjusted=D("675.58"), executed=D("674.99"), execution_rate=D("99.9"))
    f = one(run(Evaluation(doc="t", budget=b, problems="无")), "JX202")
    assert "99.9%" in f.message
    inds = (Indicator("资产管理安全性", weight=D(2), score=D(1), deviation="未盘点"),)
    f2 = one(run(Evaluation(doc="t", indicators=inds, problems="无。")), "JX202")
    assert "资产管理安全性" in f2.message
    assert "JX202" not in codes(run(Evaluation(doc="t", problems="无")))


def test_full_marks_with_delay_in_problems():
    inds = (Indicator("资金到位率", "产出指标", "时效指标", weight=D(15), score=D(15)),
            Indicator("公共服务能力", "效益指标", "社会效益", weight=D(15), score=D(15)))
    f = one(run(Evaluation(doc="t", indicators=inds, problems="疫情原因业务开展工作延迟。")), "JX203")
    assert "延迟" in f.message and "资金到位率" in f.message
    lost = (inds[0], Indicator("公共服务能力", "效益指标", "社会效益", weight=D(15), score=D(12)))
    assert "JX203" not in codes(run(Evaluation(doc="t", indicators=lost, problems="工作延迟")))


def test_missing_deviation():
    inds = (Indicator("培训人次", target="≥500人次", actual="420人次", weight=D(10), score=D(10)),
            Indicator("满意度", target="≥90%", actual="92%", weight=D(10), score=D(8)),
            Indicator("验收合格率", target="100%", actual="95%", weight=D(10), score=D(9), deviation="两项返工"))
    fs = [f for f in run(Evaluation(doc="t", indicators=inds)) if f.code == "JX204"]
    assert [f.message.split("：")[0] for f in fs] == ["培训人次", "满意度"]


def test_deviation_explained_in_deduction_text():
    inds = (Indicator("资产管理安全性", weight=D(2), score=D(1)),)
    ev = Evaluation(doc="t", indicators=inds, deductions=("资产管理工作不到位，未定期盘点，扣1分",))
    assert "JX204" not in codes(run(ev))


def test_over_completion():
    inds = (Indicator("两癌筛查人数", target="1500人", actual="1996人"),
            Indicator("培训场次", target="10场", actual="12场"),
            Indicator("宣传活动", target="10场", actual="20场", deviation="增加了社区宣传"))
    f = one(run(Evaluation(doc="t", indicators=inds)), "JX205")
    assert "133.1%" in f.message


def test_grade_vs_total():
    ev = Evaluation(doc="t", score=ScoreSummary(total=D("88.5"), grade="优"))
    f = one(run(ev), "JX206")
    assert f.recomputed == "良"
    assert run(Evaluation(doc="t", score=ScoreSummary(total=D("90"), grade="优秀"))) == []


def test_year_in_title_vs_figures():
    d = _Doc().w("2022年，年初部门预算数2377.56万元", "budget.initial")
    ev = Evaluation(doc="t", year=2023, title="2023 年度部门整体绩效自评报告", budget=Budget(initial=D("2377.56")),
                    evidence=d.evidence)
    f = one(run(ev, d.doc()), "JX207")
    assert "2022" in f.message and "2023" in f.message
    ev2 = Evaluation(doc="t", year=2022, title="2023年度部门支出绩效自评报告")
    assert one(run(ev2), "JX207").stated == "2023"


def test_signed_before_year_end():
    f = one(run(Evaluation(doc="t", year=2021, signed_date="2021-12-29")), "JX208")
    assert f.severity == "warning" and "2021-12-29" in f.message
    assert run(Evaluation(doc="t", year=2021, signed_date="2022-01-15")) == []


# -- quality ---------------------------------------------------------------------------------------

def _project_table():
    return (
        Indicator("预算执行率", "项目资金", weight=D(10), score=D(10)),
        Indicator("交办任务完成率", "产出指标", "数量指标", "100%", "100%", weight=D(15), score=D(15)),
        Indicator("费用支付合规率", "产出指标", "质量指标", "合规", "合规", weight=D(15), score=D(15)),
        Indicator("资金到位率(%)", "产出指标", "时效指标", "100%", "100%", weight=D(15), score=D(15)),
        Indicator("公共服务能力效率", "效益指标", "社会效益", "提高", "提高", weight=D(45), score=D(45)),
    )


def test_quality_indicator_checks():
    fs = run(Evaluation(doc="t", scope="project", indicators=_project_table()))
    assert {f.stated for f in fs if f.code == "JX301"} == {"合规", "提高"}
    assert {f.stated for f in fs if f.code == "JX302"} == {"费用支付合规率", "资金到位率(%)"}
    assert {f.stated for f in fs if f.code == "JX303"} == {"合规", "提高"}
    w = one(fs, "JX304")
    assert "产出 45" in w.message and "满意度 0" in w.message and w.severity == "info"
    assert one(fs, "JX305").severity == "warning"


def test_measurable_targets_are_quiet():
    inds = (Indicator("培训人次", "产出指标", "数量指标", "≥500人次", "620人次", weight=D(50), score=D(50)),
            Indicator("群众知晓率", "效益指标", "社会效益", "提高至85%", "88%", weight=D(30), score=D(30)),
            Indicator("服务对象满意度", "满意度指标", "服务对象满意度", "≥90%", "95%", weight=D(10), score=D(10)),
            Indicator("预算执行率", "项目资金", weight=D(10), score=D(10)))
    assert run(Evaluation(doc="t", scope="project", indicators=inds)) == []


PARA = ("本年度共开展妇女儿童维权宣传活动六十余场，覆盖全区各镇街和社区，群众反响良好，"
        "取得了明显的社会效益和良好的口碑，进一步提升了妇联组织的影响力。")


def test_text_checks_need_the_document():
    text = ("说明：篇幅不超过20字。\n" + "为群众提供提供服务，" * 3 + "\n"
            + PARA + "\n其他内容。\n" + PARA + "\n")
    doc = Document(name="t.txt", text=text, format="text")
    ev = Evaluation(doc="t.txt")
    assert run(ev) == []
    fs = run(ev, doc)
    limit = one(fs, "JX306")
    assert limit.evidence.text.endswith("20字") and limit.evidence.line == 1
    stutters = [f for f in fs if f.code == "JX308"]
    assert len(stutters) == 3 and all(f.evidence.text == "提供提供" for f in stutters)
    dup = one(fs, "JX307")
    assert dup.evidence.line == 5 and dup.related[0].line == 3


def test_verb_reduplication_is_not_a_stutter():
    doc = Document(name="t.txt", text="请大家研究研究这个方案，一对一对接，一步一步推进。", format="text")
    assert run(Evaluation(doc="t.txt"), doc, select=["JX308"]) == []


# -- registry, selection, ordering -----------------------------------------------------------------

def test_registry_codes_are_stable_and_documented():
    assert len(REGISTRY) >= 30
    for code, r in REGISTRY.items():
        assert code.startswith("JX") and len(code) == 5
        assert r.severity in ("error", "warning", "info")
        assert r.doc and r.source and r.title
        assert r.family in ("arithmetic", "logic", "quality", "figures")


def test_select_and_ignore_prefixes():
    all_codes = [r.code for r in selected()]
    assert [r.code for r in selected(["JX1"])] == [c for c in all_codes if c.startswith("JX1")]
    assert "JX204" not in [r.code for r in selected(None, ["JX204"])]
    assert [r.code for r in selected(["JX2"], ["JX20"])] == []
    assert [r.code for r in selected(["ALL"], ["JX1", "JX2", "JX4"])] == [c for c in all_codes if c.startswith("JX3")]


def test_findings_sorted_by_position_and_summary():
    ev, doc = _rate_doc("99.96")
    ev = ev.with_(problems="无", year=2021, signed_date="2021-12-01")
    fs = run(ev, doc)
    starts = [f.evidence.start for f in fs if f.evidence]
    assert starts == sorted(starts)
    assert fs[-1].evidence is None  # findings without a position come last
    s = summary(fs)
    assert s["error"] == 1 and s["total"] == len(fs)


@pytest.mark.parametrize("value", ["99.96", "100", "0"])
def test_check_never_raises_on_partial_evaluations(value):
    ev = Evaluation(doc="t", budget=Budget(execution_rate=D(value), adjusted=D(0), executed=D(0)),
                    other_rates=(Ratio("x", D(value), D(1), D(0)), Ratio("y", D(value))),
                    indicators=(Indicator("z", score=D(1)),), score=ScoreSummary(total=D(value)))
    assert isinstance(run(ev), list)


def test_decimal_only():
    ev, doc = _rate_doc("99.96")
    for f in run(ev, doc):
        for v in (f.stated, f.recomputed):
            assert v is None or isinstance(v, str)
    assert Decimal("123.1").as_tuple().exponent == -1


# ------------------------------------------------------------------------------------------ heading sequence


def _findings_of(text: str, code: str):
    from jixiao.extract import extract
    from jixiao.ingest import read_bytes

    doc = read_bytes(text.encode("utf-8"), "h.txt")
    return doc, [f for f in check(extract(doc), doc) if f.code == code]


def test_first_level_headings_that_skip_or_go_back_are_flagged_with_the_number_expected():
    text = ("某某县文化馆2023年度部门整体支出绩效自评报告\n\n一、基本情况\n全年预算数100.00万元。\n\n"
            "2、预算执行情况\n执行数99.00万元。\n\n三、绩效目标完成情况\n完成演出40场。\n\n"
            "二、存在问题\n部分活动延期。\n\n三、下一步措施\n加快进度。\n")
    doc, found = _findings_of(text, "JX309")
    assert [(f.stated, f.recomputed) for f in found] == [("三、", "二、"), ("二、", "四、")]
    assert doc.text[found[0].evidence.start:found[0].evidence.end] == "三、绩效目标完成情况"
    assert "一、基本情况" in found[0].arithmetic


def test_a_table_of_contents_and_numbered_sentences_do_not_break_the_sequence():
    text = ("目录\n一、基本情况\n二、绩效情况\n\n一、基本情况\n全年预算数100.00万元。\n\n"
            "二、绩效情况\n三、是本年新增的重点任务之一，已完成。\n\n三、存在问题\n无重大问题。\n")
    assert _findings_of(text, "JX309")[1] == []  # restart at 一、 is a new sequence; a sentence is no heading
