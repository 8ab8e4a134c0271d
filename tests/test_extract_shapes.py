"""One indicator table, printed in every shape real crawls give it, reads the same.

The table is our own (a county library's project); it is printed as a pipe table with merged cells left
out, one cell a line, one cell a paragraph, one long line of space-separated cells, and tab rows. Each must
give the same rows: names, levels, targets, actuals, weights and scores.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest

from jixiao.extract import extract
from jixiao.ingest import read_bytes

HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
ROWS = [
    ["产出指标", "数量指标", "开放服务天数", "≥300天", "306天", "15", "15", ""],
    ["", "", "图书借阅册次", "≥8万册次", "7.6万册次", "15", "14", "闭馆维修一个月"],
    ["", "质量指标", "活动验收合格率", "100%", "100%", "10", "10", ""],
    ["", "时效指标", "资金拨付及时率", "≥95%", "100%", "10", "10", ""],
    ["效益指标", "社会效益指标", "读者到馆人次增长", "≥5%", "6.2%", "20", "20", ""],
    ["", "可持续影响指标", "数字资源更新机制", "健全", "健全", "10", "9", "制度待修订"],
    ["满意度指标", "服务对象满意度指标", "读者满意度", "≥90%", "93%", "10", "10", ""],
]
HEAD = "某县图书馆2024年度项目支出绩效自评表\n项目名称 | 公共图书馆免费开放 |\n"
WANT = [
    ("产出指标", "数量指标", "开放服务天数", "≥300天", "306天", 15, 15),
    ("产出指标", "数量指标", "图书借阅册次", "≥8万册次", "7.6万册次", 15, 14),
    ("产出指标", "质量指标", "活动验收合格率", "100%", "100%", 10, 10),
    ("产出指标", "时效指标", "资金拨付及时率", "≥95%", "100%", 10, 10),
    ("效益指标", "社会效益指标", "读者到馆人次增长", "≥5%", "6.2%", 20, 20),
    ("效益指标", "可持续影响指标", "数字资源更新机制", "健全", "健全", 10, 9),
    ("满意度指标", "服务对象满意度指标", "读者满意度", "≥90%", "93%", 10, 10),
]


def printed(shape: str, header: list[str], rows: list[list[str]]) -> str:
    """A table as a crawl prints it: ``pipe`` rows (empty cells dropped), ``tabs`` rows (kept), ``line`` (one cell
    a line, each closed by a pipe), ``paragraph`` (one cell a paragraph) or ``one_line`` (one long line)."""
    if shape == "pipe":
        return "\n".join("| " + " | ".join(c for c in r if c) + " |" for r in [header, *rows])
    if shape == "tabs":
        return "\n".join("\t".join(r) for r in [header, *rows])
    cells = [*header, *(c for r in rows for c in r if c)]
    if shape == "line":
        return "\n".join(f"{c}\n|" for c in cells)
    return {"one_line": " ", "paragraph": "\n\n"}[shape].join(cells)


def _pipe() -> str:
    lines = ["| " + " | ".join(HEADER) + " |"]
    for r in ROWS:
        lines.append("| " + " | ".join(c for c in r if c) + " |")  # merged and empty cells are dropped
    return HEAD + "\n".join(lines) + "\n总分 | 100 | 98 |\n"


def _cell_a_line() -> str:
    cells = HEADER + [c for r in ROWS for c in r if c]
    return HEAD + "\n".join(f"{c}\n|" for c in cells) + "\n总分\n|\n98\n"


def _cell_a_paragraph() -> str:
    cells = HEADER + [c for r in ROWS for c in r if c]
    return HEAD + "\n\n".join(cells) + "\n\n总分\n\n98\n"


def _one_line() -> str:
    cells = HEADER + [c for r in ROWS for c in r if c]
    return HEAD + " ".join(cells) + " 总分 98\n"


def _tabs() -> str:
    return HEAD + "\n".join("\t".join(r) for r in [HEADER, *ROWS]) + "\n总分\t\t\t\t\t100\t98\t\n"


@pytest.mark.parametrize("shape", [_pipe, _cell_a_line, _cell_a_paragraph, _one_line, _tabs])
def test_every_shape_reads_the_same_rows(shape):
    ev = extract(read_bytes(shape().encode("utf-8"), f"{shape.__name__}.txt"))
    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in ev.indicators]
    assert got == [(a, b, c, d, e, Decimal(w), Decimal(s)) for a, b, c, d, e, w, s in WANT]
    assert ev.score.total == 98
    for k, ind in enumerate(ev.indicators):  # every figure points back at its cell
        ev_w = ev.evidence[f"indicators[{k}].weight"]
        assert ev_w.text == str(ind.weight)


@pytest.mark.parametrize("shape", [_pipe, _cell_a_line, _cell_a_paragraph, _one_line, _tabs])
def test_a_row_number_column_is_not_read_into_names_or_scores(shape, monkeypatch):
    # the same table with a 序号 column in front: its numbers open rows, never join a name or close a row
    here = sys.modules[__name__]
    monkeypatch.setattr(here, "HEADER", ["序号", *HEADER])
    monkeypatch.setattr(here, "ROWS", [[str(k + 1), *r] for k, r in enumerate(ROWS)])
    ev = extract(read_bytes(shape().encode("utf-8"), f"seq_{shape.__name__}.txt"))
    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in ev.indicators]
    assert got == [(a, b, c, d, e, Decimal(w), Decimal(s)) for a, b, c, d, e, w, s in WANT]


# A department-wide scoring sheet: level names with their own 分值, a criteria column full of figures.
SHEET_HEADER = ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评分标准", "得分"]
SHEET = [
    ["投入", "15", "预算配置", "15", "在职人员控制率", "5", "以100%为标准，每超过1个百分点扣0.5分，扣完为止", "5"],
    ["", "", "", "", "三公经费变动率", "5", "变动率≤0得满分，每增加1%扣0.5分", "4.5"],
    ["", "", "", "", "重点支出安排率", "5", "达到80%以上得满分，每降低5%扣1分", "5"],
    ["过程", "35", "预算执行", "20", "预算完成率", "10", "完成率100%得满分，每低5%扣2分", "8"],
    ["", "", "", "", "结转结余率", "10", "结转结余率≤5%得满分，否则不得分", "10"],
    ["", "", "资产管理", "15", "固定资产利用率", "15", "利用率≥90%得满分，每低1%扣0.5分", "15"],
]
SHEET_WANT = [
    ("投入", "预算配置", "在职人员控制率", 5, 5),
    ("投入", "预算配置", "三公经费变动率", 5, Decimal("4.5")),
    ("投入", "预算配置", "重点支出安排率", 5, 5),
    ("过程", "预算执行", "预算完成率", 10, 8),
    ("过程", "预算执行", "结转结余率", 10, 10),
    ("过程", "资产管理", "固定资产利用率", 15, 15),
]
SHEET_HEAD = "某镇人民政府2023年度部门整体支出绩效评价指标表\n"


@pytest.mark.parametrize("layout", ["pipe", "line", "paragraph", "one_line", "tabs"])
def test_scoring_sheet_with_criteria_reads_the_same_in_every_shape(layout):
    body = printed(layout, SHEET_HEADER, SHEET)
    ev = extract(read_bytes((SHEET_HEAD + body + "\n").encode("utf-8"), f"sheet_{layout}.txt"))
    got = [(i.level1, i.level2, i.name, i.weight, i.score) for i in ev.indicators]
    assert got == [(a, b, c, Decimal(w), Decimal(s)) for a, b, c, w, s in SHEET_WANT]
    assert [i.level1_weight for i in ev.indicators][:1] == [15]


# A Hubei-style project form: the 执行率 row is worth 20 points, indicator rows carry a score and no 分值.
HUBEI_CELLS = [
    "预算执行情况（万元）（20分）", "预算数（A）", "执行数（B）", "执行率（B/A）", "得分（20分*执行率）",
    "年度财政资金总额", "56.80", "55.10", "97%", "19.4",
    "年度绩效目标（80分）", "一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分",
    "产出指标（40分）", "数量指标", "培训基层农技人员", "≥120人次", "126人次", "20",
    "质量指标", "培训考核合格率", "≥95%", "97%", "20",
    "效益指标（30分）", "社会效益指标", "新技术推广覆盖面", "≥60%", "58%", "28",
    "满意度指标（10分）", "服务对象满意度指标", "参训人员满意度", "≥90%", "92%", "10",
    "总分（100分）", "97.4", "自评等级", "优",
]
HUBEI_WANT = [
    ("预算执行情况", None, "执行率（B/A）", None, "97%", 20, Decimal("19.4")),
    ("产出指标", "数量指标", "培训基层农技人员", "≥120人次", "126人次", None, 20),
    ("产出指标", "质量指标", "培训考核合格率", "≥95%", "97%", None, 20),
    ("效益指标", "社会效益指标", "新技术推广覆盖面", "≥60%", "58%", None, 28),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "92%", None, 10),
]


@pytest.mark.parametrize("layout", ["pipe_cells", "line", "paragraph", "one_line"])
def test_hubei_form_reads_the_same_in_every_shape(layout):
    cells = HUBEI_CELLS
    if layout == "pipe_cells":
        body = "\n".join(f"{c} |" for c in cells)
    elif layout == "line":
        body = "\n".join(cells)
    elif layout == "paragraph":
        body = "\n\n".join(cells)
    else:
        body = " ".join(cells)
    text = "2024年度项目支出绩效自评表\n单位名称：某县农业农村局\n项目名称：基层农技推广补助\n" + body + "\n"
    ev = extract(read_bytes(text.encode("utf-8"), f"hubei_{layout}.txt"))
    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in ev.indicators]
    want = [(a, b, c, d, e, None if w is None else Decimal(w), Decimal(s)) for a, b, c, d, e, w, s in HUBEI_WANT]
    assert got == want
    assert (ev.budget.adjusted, ev.budget.executed, ev.budget.execution_rate) == (
        Decimal("56.80"), Decimal("55.10"), Decimal("97"))
    assert ev.score.total == Decimal("97.4") and ev.score.grade == "优"
    assert ev.department == "某县农业农村局" and ev.year == 2024 and ev.scope == "project"


def test_two_project_forms_in_one_document_give_two_projects():
    form = ("项目名称 | {name} |\n项目资金（元） | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |\n"
            "年度资金总额 | {b} | {b} | {e} | 10 | {r}% | {s} |\n"
            "一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |\n"
            "产出指标 | 数量指标 | {ind} | ≥10场 | 10场 | 90 | 90 |\n")
    text = ("某区体育中心2022年度项目支出绩效自评表\n"
            + form.format(name="全民健身赛事补助", b="250000", e="215457.6", r="86.18", s="8.62", ind="举办赛事")
            + "\n" + form.format(name="体育设施维护", b="20000", e="9034", r="45.17", s="4.52", ind="维护场地"))
    ev = extract(read_bytes(text.encode("utf-8"), "two.txt"))
    got = [(p.name, p.budget, p.executed, p.execution_rate) for p in ev.projects]
    assert got == [("全民健身赛事补助", Decimal("25"), Decimal("21.54576"), Decimal("86.18")),
                   ("体育设施维护", Decimal("2"), Decimal("0.9034"), Decimal("45.17"))]
    assert ev.evidence["projects[1].executed"].text == "9034"


def test_money_by_source_from_a_project_form_and_from_prose():
    """A project form's 其中 rows with figures, and a special fund's prose list after its total, give
    ``funding_sources``; a row cut from glued cells (``86.5043.2``) is no figure of its own."""
    form = ("临河镇2023年度衔接资金项目绩效自评表\n项目名称 | 小型灌溉渠修缮 |\n"
            "项目资金（万元） | 全年预算数 | 全年执行数 | 执行率 |\n"
            "年度资金总额 | 120.5 | 118.2 | 98.09% |\n"
            "其中：中央补助资金 | 80 | 80 | 100% |\n"
            "省级配套资金 | 40.5 | 38.2 | 94.32% |\n"
            "其他资金 | | | |\n")
    ev = extract(read_bytes(form.encode("utf-8"), "form.txt"))
    assert [(s.name, s.budget, s.executed, s.execution_rate) for s in ev.funding_sources] == [
        ("中央补助资金", Decimal("80"), Decimal("80"), Decimal("100")),
        ("省级配套资金", Decimal("40.5"), Decimal("38.2"), Decimal("94.32"))]
    assert ev.evidence["funding_sources[1].executed"].text == "38.2"

    prose = ("临河镇2023年度财政衔接资金项目绩效自评报告\n"
             "2023年我镇共获得财政衔接资金1,262,000元。其中：中央衔接资金720,000元，省级衔接资金362,000元，"
             "县级配套资金180,000元，主要用于灌溉渠修缮和道路硬化。\n")
    ev = extract(read_bytes(prose.encode("utf-8"), "prose.txt"))
    assert [(s.name, s.budget) for s in ev.funding_sources] == [
        ("中央衔接资金", Decimal("72")), ("省级衔接资金", Decimal("36.2")), ("县级配套资金", Decimal("18"))]

    glued = ("某街道2023年度项目支出绩效自评表\n项目资金（万元） 年初预算数 全年执行数 分值 执行率 得分 "
             "年度资金总额：86.5043.21050%5 其中：当年财政拨款 86.5043.2 其他资金\n")
    ev = extract(read_bytes(glued.encode("utf-8"), "glued.txt"))
    assert (ev.budget.initial, ev.budget.executed) == (Decimal("86.50"), Decimal("43.2"))
    assert all(s.executed != Decimal("86.5043") for s in ev.funding_sources)


def test_funding_sources_round_trip_through_an_evaluation_file():
    from jixiao.evalfile import evaluation_to_dict, parse_evaluation

    ev = parse_evaluation("doc: x\nscope: project\nfunding_sources:\n  - {name: 中央财政资金, budget: 80, executed: 79.5}\n",
                          "x.yaml")
    assert ev.funding_sources[0].executed == Decimal("79.5")
    assert evaluation_to_dict(ev)["funding_sources"] == [{"name": "中央财政资金", "budget": Decimal("80"),
                                                          "executed": Decimal("79.5")}]


def test_score_after_the_rate_when_the_header_lost_its_word():
    """A flattened MoF form whose header ends at 执行率 (得分 lost in the crawl) still prints the row's 得分
    after the rate: a plain number within the 分值 is read as the score; a percent or a figure above the 分值
    is not."""
    head = ("项目支出绩效自评表（2022年度） 项目名称 档案数字化 项目资金（万元） 年初预算数 全年预算数 全年执行数 分值 "
            "执行率 年度资金总额： 48.6 48.6 47.9 10 98.56% {tail} 其中：当年财政拨款 48.6 48.6 47.9\n")
    ev = extract(read_bytes(head.format(tail="9.86").encode("utf-8"), "a.txt"))
    row = ev.indicators[0]
    assert (row.weight, row.score, row.actual) == (Decimal("10"), Decimal("9.86"), "98.56%")
    for tail in ("12", "95%"):
        ev = extract(read_bytes(head.format(tail=tail).encode("utf-8"), "b.txt"))
        assert ev.indicators[0].score is None and ev.indicators[0].weight == Decimal("10")


# Header variants seen across provinces, each printed in four shapes: an explanation column after the name,
# 分值 before the target, 权重 with 分 on every figure, level weights in brackets, comparator words, and a table
# whose only name column is 绩效指标.
_V_ROWS = [("产出指标", "数量指标", "开放服务天数", "全年对外开放的天数", "≥300天", "306天", "15", "15"),
           ("", "", "图书借阅册次", "全年借阅图书的册次", "≥8万册次", "7.6万册次", "15", "14"),
           ("效益指标", "社会效益指标", "读者到馆人次增长", "较上年增长比例", "≥5%", "6.2%", "20", "20")]
_V_WANT = [("产出指标", "数量指标", "开放服务天数", "≥300天", "306天", 15, 15),
           ("产出指标", "数量指标", "图书借阅册次", "≥8万册次", "7.6万册次", 15, 14),
           ("效益指标", "社会效益指标", "读者到馆人次增长", "≥5%", "6.2%", 20, 20)]
VARIANTS = {
    "explanation": (["一级指标", "二级指标", "三级指标", "指标解释", "年度指标值", "实际完成值", "分值", "得分"],
                    [list(r) for r in _V_ROWS], _V_WANT),
    "weight_first": (["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "得分"],
                     [[a, b, c, w, t, x, s] for a, b, c, _, t, x, w, s in _V_ROWS], _V_WANT),
    "quan_fen": (["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "权重", "得分"],
                 [[a, b, c, t, x, w + "分", s + "分"] for a, b, c, _, t, x, w, s in _V_ROWS], _V_WANT),
    "level_weight": (["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                     [[a + ("（30分）" if a == "产出指标" else "（20分）" if a else ""), b, c, t, x, w, s]
                      for a, b, c, _, t, x, w, s in _V_ROWS], _V_WANT),
    "comparator_words": (["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                         [[a, b, c, t.replace("≥", "不少于"), x, w, s] for a, b, c, _, t, x, w, s in _V_ROWS],
                         [(a, b, c, t.replace("≥", "不少于"), x, w, s) for a, b, c, t, x, w, s in _V_WANT]),
    "nature_value_unit": (["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分"],
                          [[a, b, c, "≥", t[1:].rstrip("天万册次%"), t.lstrip("≥0123456789."), x, w, s]
                           for a, b, c, _, t, x, w, s in _V_ROWS], _V_WANT),
    "bound_words": (["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                    [[a, b, c, t[1:] + "以上", x, w, s] for a, b, c, _, t, x, w, s in _V_ROWS],
                    [(a, b, c, t[1:] + "以上", x, w, s) for a, b, c, t, x, w, s in _V_WANT]),
    "self_score_words": (["一级指标", "二级指标", "三级指标", "年度目标值", "实际完成值", "权重分", "自评分"],
                         [[a, b, c, t, x, w, s] for a, b, c, _, t, x, w, s in _V_ROWS], _V_WANT),
    "completion_rate_column": (["一级指标", "二级指标", "三级指标", "目标值", "实际值", "完成率", "分值", "得分"],
                               [[a, b, c, t, x, r, w, s] for (a, b, c, _, t, x, w, s), r
                                in zip(_V_ROWS, ["102%", "95%", "124%"], strict=True)], _V_WANT),
    "criteria_and_reason": (["一级指标", "二级指标", "三级指标", "指标解释", "评价标准", "分值", "自评得分", "扣分原因"],
                            [[a, b, c, e, k, w, s, r] for (a, b, c, e, _, _, w, s), k, r in zip(
                                _V_ROWS, ["达到300天得满分,每少10天扣1分", "达到8万册次得满分,按比例扣分",
                                          "增长5%以上得满分"], ["", "闭馆维修", ""], strict=True)],
                            [(a, b, c, None, None, w, s) for a, b, c, _, _, w, s in _V_WANT]),
    "level_weight_bare": (["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                          [[a + ("(30)" if a == "产出指标" else "(20)" if a else ""), b, c, t, x, w, s]
                           for a, b, c, _, t, x, w, s in _V_ROWS], _V_WANT),
    "goal_column": (["年度绩效目标", "一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分"],
                    [[g, a, b, c, t, x, w, s] for (a, b, c, _, t, x, w, s), g
                     in zip(_V_ROWS, ["保障图书馆免费开放", "", ""], strict=True)], _V_WANT),
    "full_width_signs": (["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                         [[a, b, c, t.replace("≥", "＞＝"), x, w, s] for a, b, c, _, t, x, w, s in _V_ROWS],
                         [(a, b, c, t.replace("≥", "＞＝"), x, w, s) for a, b, c, t, x, w, s in _V_WANT]),
    "placeholder_actual": (["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                           [[a, b, c, t, "—" if k == 1 else x, w, "0" if k == 1 else s]
                            for k, (a, b, c, _, t, x, w, s) in enumerate(_V_ROWS)],
                           [(a, b, c, t, None if k == 1 else x, w, 0 if k == 1 else s)
                            for k, (a, b, c, t, x, w, s) in enumerate(_V_WANT)]),
    "name_only": (["绩效指标", "指标值", "实际完成值", "分值", "得分"],
                  [[c, t, x, w, s] for _, _, c, _, t, x, w, s in _V_ROWS],
                  [(None, None, c, t, x, w, s) for _, _, c, t, x, w, s in _V_WANT]),
}


@pytest.mark.parametrize("shape", ["pipe", "tabs", "one_line", "paragraph"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_header_variants_read_in_every_shape(variant, shape):
    header, rows, want = VARIANTS[variant]
    body = printed(shape, header, rows)
    ev = extract(read_bytes((HEAD + body + "\n").encode("utf-8"), f"{variant}_{shape}.txt"))
    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in ev.indicators]
    assert got == [(a, b, c, d, e, Decimal(w), Decimal(s)) for a, b, c, d, e, w, s in want]
