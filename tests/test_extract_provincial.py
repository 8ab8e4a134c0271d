"""Provincial form variants and run-together copies, written in our own words.

- The Hebei 预算项目绩效自评表 (一体化系统) prints 三级指标 then its explanation, the target as 符号 值 单位, and
  under 自评得分 three numbers (单项指标得分, 权重占比, 折算得分): its layout is a data entry in ``lexicon.yaml``.
- Doc-sharing sites copy a form's table with no cell separators: the cells run together, a space is where a
  cell's text wrapped, and the site's page numbers (``2、``) open the lines.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.extract import extract
from jixiao.ingest import read_bytes

HEBEI_HEAD = (
    "某县卫生健康局2023年度预算项目绩效自评表\n"
    "（一）项目概况 项目名称：农村适龄妇女两癌筛查 主管单位：某县卫生健康局 单位：万元\n"
    "（四）指标完成 一级指标 二级指标 三级指标 指标分值 预期指标值 单项指标实际完成值 "
    "单项指标完成情况 自评得分\n符号 单位 单项指标得分 权重占比 单项指标折算得分\n"
)
HEBEI_ROWS = [
    "产出指标 数量指标 筛查人数 完成筛查的适龄妇女人数 >= 3000 人 3120人 完成 30.00 30.00 9.00",
    "质量指标 阳性病例随访率 阳性病例得到随访的比例 >= 95 %(百分比) 98% 完成 30.00 30.00 9.00",
    "效益指标 社会效益指标 早诊早治率 发现病例及时转诊治疗的比例 >= 90 %(百分比) 86% 未完成 15.00 20.00 3.00",
    "满意度指标 服务对象满意度指标 服务对象满意度 受检妇女对筛查服务的满意程度 >= 90 %(百分比) 95% 完成 "
    "10.00 10.00 1.00",
]
HEBEI_WANT = [
    ("产出指标", "数量指标", "筛查人数", ">=3000人", "3120人", 30, 30),
    ("产出指标", "质量指标", "阳性病例随访率", ">=95%(百分比)", "98%", 30, 30),
    ("效益指标", "社会效益指标", "早诊早治率", ">=90%(百分比)", "86%", 20, 15),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", ">=90%(百分比)", "95%", 10, 10),
]


@pytest.mark.parametrize("joiner", ["\n", " "], ids=["row_a_line", "one_line"])
def test_hebei_form_reads_score_and_weight_from_the_sub_columns(joiner):
    text = HEBEI_HEAD + joiner.join(HEBEI_ROWS) + "\n填表人: 某某\n"
    ev = extract(read_bytes(text.encode("utf-8"), "hebei.txt"))
    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in ev.indicators]
    want = [(a, b, c, d, e, Decimal(w), Decimal(s)) for a, b, c, d, e, w, s in HEBEI_WANT]
    assert got == want
    # the weighted column (折算得分) is never read as a weight: every score stays within its weight
    assert all(i.score <= i.weight for i in ev.indicators)


def test_a_unit_cell_may_carry_its_name_in_brackets():
    from jixiao.extract.cells import tokenize

    kinds = [t.kind for t in tokenize(">= 95 %(百分比) 98% %(百分比")]
    assert kinds == ["cmp", "num", "unit", "pct", "unit"]


# A county's special-fund form as a doc-sharing site copies it: no separators, wrapped cells, page numbers.
GLUED = (
    "某县2023年农村公路养护专项自评表\n"
    "1、某县2023年农村公路养护专项自评表资金名称农村公路养护主管部门某县交通运输局"
    "实施单位某县公路建设养护中心资金情况(万元)全年预算数全年执行数执行率"
    "年度资金总额320.5320.5100%一级 指标二级 指标三级指标指标 值实际 完成值偏差 原因"
    "产 出 指 标数量 指标农村公路日常养 护里程860公里860公里桥梁定期检 查座数42座42座\n"
    "2、质量 指标优良路 率75%78%养护工程验收合 格率100%100%时效 指标养护资金拨付及时率100%100%"
    "效益 指标社会 效益 指标群众出行时间 节约率5%6%满意度 指标服务 对象 满意 度指 标沿线群众满意度90%94%"
    "说明无\n"
)
GLUED_WANT = [
    ("产出指标", "数量指标", "农村公路日常养护里程", "860公里", "860公里"),
    ("产出指标", "数量指标", "桥梁定期检查座数", "42座", "42座"),
    ("产出指标", "质量指标", "优良路率", "75%", "78%"),
    ("产出指标", "质量指标", "养护工程验收合格率", "100%", "100%"),
    ("产出指标", "时效指标", "养护资金拨付及时率", "100%", "100%"),
    ("效益指标", "社会效益指标", "群众出行时间节约率", "5%", "6%"),
    ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "90%", "94%"),
]


def _squash(s: str | None) -> str | None:
    return None if s is None else "".join(s.split())


def test_run_together_table_joins_wrapped_cells_and_drops_page_numbers():
    ev = extract(read_bytes(GLUED.encode("utf-8"), "glued.txt"))
    got = [(_squash(i.level1), _squash(i.level2), _squash(i.name), _squash(i.target), _squash(i.actual))
           for i in ev.indicators]
    assert got == GLUED_WANT
    for k in range(len(ev.indicators)):  # every value still points at the document's own characters
        e = ev.evidence[f"indicators[{k}].actual"]
        assert GLUED[e.start:e.end].replace(" ", "") == ev.indicators[k].actual.replace(" ", "")


def test_run_together_rows_without_two_figures_are_not_guessed():
    # the same copy with words for values: no 分值 closes a row and no figure bounds a value, so nothing is read
    words = GLUED.replace("860公里860公里", "完成完成").replace("42座42座", "完成完成").replace(
        "75%78%", "较好良好").replace("100%100%", "及时及时").replace("5%6%", "提高提高").replace("90%94%", "满意满意")
    ev = extract(read_bytes(words.encode("utf-8"), "glued_words.txt"))
    assert ev.indicators == ()


# Who reports: a government site's publisher line is read only when nothing else names the unit.
PUBLISHED = (
    "{title}\n发布时间:2024-03-02 10:15 信息来源:{publisher}文字大小:[大 中 小]\n\n"
    "一、资金安排\n当年上级拨来农村饮水安全维修养护资金120万元,用在12处供水工程的检修上。\n"
)


@pytest.mark.parametrize(("title", "publisher", "want"), [
    # nothing else names the unit: the publisher, a unit with its place, is the department
    ("某县2023年度农村饮水安全维修养护资金绩效自评报告", "某县水利局", "某县水利局"),
    # a publisher without its place, or the portal itself, is not taken
    ("某县2023年度农村饮水安全维修养护资金绩效自评报告", "水利局", None),
    ("某县2023年度农村饮水安全维修养护资金绩效自评报告", "某县人民政府办公室", None),
    # a publisher of another place than the report's is a reposting site's, not the unit
    ("某县2023年度农村饮水安全维修养护资金绩效自评报告", "某市水利局", None),
    # the title names the unit: the publisher (the finance bureau that put it online) does not count
    ("某县农业农村局2023年度农村饮水安全维修养护资金绩效自评报告", "某县财政局", "某县农业农村局"),
])
def test_publisher_line_is_the_last_source_of_the_unit(title, publisher, want):
    text = PUBLISHED.format(title=title, publisher=publisher)
    ev = extract(read_bytes(text.encode("utf-8"), "published.txt"))
    assert ev.department == want
    if want:
        e = ev.evidence["department"]
        assert text[e.start:e.end] == want


# A department-wide evaluation table (一级指标 分值 二级指标 分值 三级指标 分值 评分标准 指标说明 得分) whose two
# prose columns hold sentences full of figures, one cell a paragraph: prose is never an indicator's name.
PROSE_HEADER = ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评分标准", "指标说明", "得分"]
PROSE_ROWS = [
    ["投入", "20", "预算配置", "20", "在职人员控制率", "10", "实有人数不超编制计满分,超编1人扣2分.",
     "年末实有在职人员48人,占核定编制50人的96.00%.", "10"],
    ["", "", "", "", "重点支出安排率", "10", "占比在80%及以上计满分,差4%扣1分.",
     "重点项目支出312.6万元,占项目支出总额的84.5%,计10分.", "10"],
    ["过程", "30", "预算执行", "30", "预算完成率", "15", "完成率达100%计满分,差3%扣1分.",
     "预算数860.4万元,实际支出838.1万元,完成率=838.1÷860.4=97.41%.", "13"],
    ["", "", "", "", "结转结余率", "15", "结转结余率=0计满分,多2%扣1分.",
     "年末结转结余12.3万元,结转结余率1.43%.", "13.5"],
]
PROSE_WANT = [
    ("投入", "预算配置", "在职人员控制率", 10, 10),
    ("投入", "预算配置", "重点支出安排率", 10, 10),
    ("过程", "预算执行", "预算完成率", 15, 13),
    ("过程", "预算执行", "结转结余率", 15, Decimal("13.5")),
]


@pytest.mark.parametrize("joiner", ["\n\n", " "], ids=["paragraph", "one_line"])
def test_prose_columns_with_figures_do_not_become_names(joiner):
    cells = PROSE_HEADER + [c for r in PROSE_ROWS for c in r if c]
    text = "某区民政局2023年整体支出评价用表\n" + joiner.join(cells) + "\n"
    ev = extract(read_bytes(text.encode("utf-8"), "prose.txt"))
    got = [(i.level1, i.level2, i.name, i.weight, i.score) for i in ev.indicators]
    assert got == [(a, b, c, Decimal(w), Decimal(s)) for a, b, c, w, s in PROSE_WANT]


@pytest.mark.parametrize(("sentence", "want"), [
    # the fund's name closes one clause and a total word opens the next
    ("当年中央分两次拨来农村饮水安全维修养护资金(中央部分),共计860万元。", "860"),
    # a bracketed note between the fund's name and its amount
    ("6月份县里下达中央农村饮水安全维修养护资金(维修养护部分)1,250万元。", "1250"),
])
def test_transfer_payment_allocation_phrasings(sentence, want):
    text = ("某县2023年度中央农村饮水安全维修养护资金绩效自评报告\n一、资金安排\n" + sentence +
            "\n二、使用情况\n资金已全部拨付到项目单位。\n")
    ev = extract(read_bytes(text.encode("utf-8"), "transfer.txt"))
    assert ev.budget.adjusted == Decimal(want)
    e = ev.evidence["budget.adjusted"]
    assert text[e.start:e.end].replace(",", "").startswith(want)


def test_unit_after_a_cited_notice_is_the_subject_not_the_notices_author():
    text = ("青山镇2023年转移支付项目自评结果\n"
            "按《某县财政局关于做好上级补助资金自评的通知》要求,"
            "某县青山镇人民政府组织各站所对三个补助项目逐一打分,结果如下。\n")
    ev = extract(read_bytes(text.encode("utf-8"), "subject.txt"))
    assert ev.department == "某县青山镇人民政府"
