"""The figure index and the JX4xx checks on small reports written for these tests (figures as in
issue 13's reviewer notes, wording our own), in the ways real pages flatten their tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.audit import check
from jixiao.figures import build_index
from jixiao.ingest.base import Document
from jixiao.model import Evaluation


def _doc(text: str, name: str = "t.txt") -> Document:
    return Document(name=name, text=text, format="text")


def _check(text: str, *codes: str):
    doc = _doc(text)
    return [f for f in check(Evaluation(doc="t"), doc, select=list(codes) or ["JX4"])]


def _one(findings, code: str, severity: str | None = None):
    hits = [f for f in findings if f.code == code and (severity is None or f.severity == severity)]
    assert hits, [(f.code, f.severity, f.message) for f in findings]
    return hits[0]


FUNDS = ("一、资金安排\n本项目地方资金922.88万元，其中县级配套877.99万元，乡镇自筹44.89万元。\n"
         "二、资金投入和使用\n本年度共投入资金1987.08万元。其中中央资金776.84万元，省级资金290.36万元，"
         "地方资金992.88万元。全年执行资金1847.85万元，执行率92.9%。\n")


def test_index_reads_numbers_units_labels_and_sentences():
    idx = build_index(_doc(FUNDS))
    by_raw = {f.raw: f for f in idx.figures}
    f = by_raw["1987.08"]
    assert (f.kind, f.unit, f.value, f.decimals) == ("money", "万元", Decimal("1987.08"), 2)
    assert f.label == "投入资金" and idx.text[f.start:f.end] == "1987.08万元"
    assert by_raw["92.9"].kind == "percent" and by_raw["92.9"].label == "执行率"
    assert idx.sentences[f.sentence][0] <= f.start < idx.sentences[f.sentence][1]
    ev = idx.evidence(f)
    assert ev.text == "1987.08万元" and ev.line == 4


def test_total_vs_parts_after_qizhong_across_a_full_stop():
    f = _one(_check(FUNDS, "JX401"), "JX401", "error")
    assert f.stated == "1987.08万元" and f.recomputed == "2060.08万元"
    assert "776.84万元 + 290.36万元 + 992.88万元 = 2060.08万元" in f.arithmetic
    assert {e.text for e in f.related} == {"776.84万元", "290.36万元", "992.88万元"}


def test_same_amount_stated_twice_with_two_values():
    f = _one(_check(FUNDS, "JX404"), "JX404", "error")
    assert {f.stated, f.recomputed} == {"992.88万元", "922.88万元"}
    assert f.evidence.line != f.related[0].line


def test_truncated_rate_is_info_not_error():
    f = _one(_check(FUNDS, "JX402"), "JX402")
    assert f.severity == "info" and f.kind == "rounding"
    assert "1847.85万元 / 1987.08万元" in f.arithmetic


def test_wrong_rate_is_an_error_and_other_base_a_definition_warning():
    text = "年初预算100万元，调整后预算120万元。全年支出108万元，预算执行率95%。\n"
    f = _one(_check(text, "JX402"), "JX402", "error")
    assert f.recomputed == "90.00%"
    text2 = "年初预算100万元，调整后预算120万元。全年支出108万元，预算执行率108%。\n"
    f2 = _one(_check(text2, "JX402"), "JX402", "warning")
    assert f2.kind == "definition"
    ok = "年初预算100万元，调整后预算120万元。全年支出108万元，预算执行率90%。\n"
    assert not _check(ok, "JX402")


PIPE_FORM = ("| 项目资金（万元） | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |\n"
             "| 年度资金总额 | 0 | 0 | 0 | 10 | 100% | 0 |\n"
             "| 其中：当年财政拨款 | 90 | 89.974 | 89.974 | — | 100% | — |\n"
             "| 上年结转资金 | — | — | — | — | — | — |\n")


@pytest.mark.parametrize("sep", ["pipe", "cell-per-line", "tab"])
def test_fund_rows_total_below_component_and_score_at_full_execution(sep):
    text = PIPE_FORM
    if sep == "cell-per-line":
        text = "\n".join(c.strip() + " |" for line in PIPE_FORM.splitlines() for c in line.strip("|").split("|"))
    elif sep == "tab":
        text = "\n".join("\t".join(c.strip() for c in line.strip().strip("|").split("|")) for line in PIPE_FORM.splitlines())
    fs = _check(text)
    tot = _one(fs, "JX415", "error")
    assert tot.stated == "0" and tot.recomputed.startswith("90")
    sc = _one(fs, "JX412", "error")
    assert sc.stated == "0" and sc.recomputed.startswith("10")


def test_rate_score_below_full_execution_is_a_warning():
    text = ("| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |\n"
            "| 年度资金总额 | 50 | 50 | 45 | 10 | 90% | 6 |\n")
    f = _one(_check(text, "JX412"), "JX412", "warning")
    assert f.recomputed == "9.00"


INDICATORS = ("| 一级指标 | 二级指标 | 三级指标 | 分值 | 年度指标值 | 全年实际值 | 得分 | 偏差原因 |\n"
              "| 产出指标 | 数量指标 | 救助供养人数 | 5 | >=4754人 | 4604人 | 5 | |\n"
              "| 产出指标 | 成本指标 | 户均救助标准 | 10 | <=5300元 | 5830元 | 10 | |\n"
              "| 产出指标 | 时效指标 | 资金拨付及时率 | 10 | ≥100% | 100% | 7 | |\n"
              "| 效益指标 | 社会效益 | 受益人数 | 10 | ≥80人 | 87人 | 10 | |\n"
              "| 满意度指标 | 服务对象满意度 | 群众满意度 | 10 | ≥95% | 98% | 12 | |\n")


def test_indicator_rows_target_missed_yet_full_and_met_yet_deducted():
    fs = _check(INDICATORS)
    missed = [f for f in fs if f.code == "JX414" and f.severity == "error"]
    assert sorted(f.evidence.line for f in missed) == [2, 3]
    met = _one(fs, "JX414", "warning")
    assert met.evidence.line == 4 and "未说明扣分原因" in met.message
    cap = _one(fs, "JX413", "error")
    assert cap.stated == "12" and cap.recomputed == "10"
    assert not [f for f in fs if f.evidence.line == 5]


def test_met_yet_deducted_with_a_reason_is_left_alone():
    text = INDICATORS.replace("| 7 | |", "| 7 | 拨付晚于计划两周 |")
    assert not [f for f in _check(text, "JX414") if f.severity == "warning"]


def test_count_against_listed_items():
    text = "本部门下设直属事业单位10个，分别为：甲中心、乙站、丙所、丁馆、戊队、己中心、庚站、辛所、壬馆。\n"
    f = _one(_check(text, "JX403"), "JX403", "error")
    assert f.stated == "10个" and f.recomputed == "9"
    ok = text.replace("壬馆", "壬馆、癸队")
    assert not _check(ok, "JX403")
    both = "下设单位3个，包括：甲中心、乙站和丙所。\n"
    assert not _check(both, "JX403")


def test_count_parts_of_one_kind_above_the_total():
    text = "全年共实施项目15个，其中农业类项目8个，水利类项目8个。\n"
    f = _one(_check(text, "JX401"), "JX401", "error")
    assert f.recomputed == "16个"
    crossing = "新一届执委750人。其中党员419人，45岁以下587人，大专以上学历470人。\n"
    assert not [f for f in _check(crossing, "JX401") if f.severity == "error"]


def test_quantity_times_unit_price():
    text = "资助困难学生9名，每人补助0.60万元，共计发放6.46万元。\n"
    f = _one(_check(text, "JX405"), "JX405", "warning")
    assert f.recomputed == "5.40万元"
    assert not _check(text.replace("6.46", "5.40"), "JX405")


def test_sources_against_uses_and_balance():
    text = "本年收入合计90.37万元，本年支出合计76.36万元，年末结转结余0万元。\n"
    f = _one(_check(text, "JX406"), "JX406", "error")
    assert f.stated == "90.37万元"
    assert not _check(text.replace("结余0万元", "结余14.01万元"), "JX406")


def test_breakdown_short_of_total_is_a_warning_and_etc_never_exhaustive():
    text = "市级资金260.3万元，为奖励督查10万元，生态补偿资金250万元等。\n"
    f = _one(_check(text, "JX401"), "JX401", "warning")
    assert f.kind == "breakdown"
    exh = "下达资金300万元，分别为：甲镇100万元、乙镇120万元、丙镇70万元。\n"
    assert _one(_check(exh, "JX401"), "JX401", "error")


def test_list_that_goes_on_past_its_total_is_cut_at_the_matching_prefix():
    text = "核定编制9人，其中：行政编制0人，事业编制9人，实际在岗在编人数7人，退休人员0人。\n"
    assert not _check(text, "JX401")


def test_row_sums_with_a_cell_missing_from_a_short_row():
    rows = ["项目支出：", "25,872.71", "279.46", "17,417.04", "1.平台建设", "5,178.64", "7,842.90",
            "2.系统运维", "18,160.82", "6,293.28", "3.其他", "1,993.25", "3,280.86", "公用经费", "153.34"]
    f = _one(_check("\n".join(rows) + "\n", "JX417"), "JX417", "error")
    assert f.stated == "25,872.71" and f.recomputed == "25332.71"


def test_score_total_in_text_against_the_score_table():
    table = ("评价指标\t\t得分\n一级指标\t分值\t\n决策\t20\t20\n管理\t20\t18.99\n绩效\t60\t58.62\n合计\t100\t97.61\n")
    text = "本次自评得分为 96.61 分。\n\n" + table
    f = _one(_check(text, "JX416"), "JX416", "error")
    assert f.stated == "96.61" and f.recomputed == "97.61"
    assert not _check(text.replace("96.61", "97.61"), "JX416")
    wrong_sum = ("本次自评得分为 97.61 分。\n\n" + table).replace("58.62", "57.62")
    assert _one(_check(wrong_sum, "JX416"), "JX416", "error").recomputed == "96.61"


def test_index_is_linear_and_safe_on_hostile_text():
    text = ("1" * 200000) + "," + ("9," * 5000) + "其中" * 3000 + "（" * 2000 + "\n" + "|" * 10000
    idx = build_index(_doc(text))
    assert idx.figures and isinstance(idx.groups, list)


def test_tables_from_grids_are_used_and_line_tables_are_not_doubled():
    from jixiao.ingest.base import TextBuilder

    tb = TextBuilder()
    tb.para("说明文字。")
    tb.table([["指标", "分值", "得分"], ["甲", "10", "12"]])
    doc = tb.build("g.docx", "docx")
    idx = build_index(doc)
    assert [t.source for t in idx.tables] == ["grid"]
    f = next(f for f in idx.figures if f.raw == "12")
    assert f.table == 0 and f.row == 1 and f.header == "得分"


ZERO_SUBS = ("项目资金（元） | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分\n"
             "年度资金总额 | 20000 | 20000 | 9034 | 10 | 45.17% | 4.52\n"
             "其中：当年财政拨款 | 0 | 0 | 0 | — | — | —\n"
             "上年结转资金 | 0 | 0 | 0 | — | — | —\n"
             "其他资金 | 0 | 0 | 0 | — | — | —\n")


@pytest.mark.parametrize("layout", ["pipe", "cell-per-line"])
def test_fund_rows_without_a_rate_cell_are_read_from_the_left(layout):
    text = ZERO_SUBS if layout == "pipe" else "\n".join(
        c.strip() for line in ZERO_SUBS.splitlines() for c in line.split("|"))
    f = _one(_check(text, "JX415"), "JX415", "error")
    assert f.stated.startswith("20000") and f.recomputed.startswith("0")


DEPT_ROWS = ("项目 | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分\n"
             "基本支出 | 984.8 | 984.8 | 914.97 | 10 | 92.91% | 10\n"
             "项目支出 | 300 | 300 | 300 | 10 | 100% | 10\n")


def test_department_rows_rate_score():
    f = _one(_check(DEPT_ROWS, "JX412"), "JX412", "warning")
    assert f.stated == "10" and f.recomputed == "9.29"


def test_rate_before_weight_one_cell_per_line():
    cells = ["预算执行情况", "预算数", "执行数", "执行率", "分值", "得分", "基本支出", "984.8", "914.97", "92.91%", "10",
             "10", "项目支出", "300", "300", "100%", "10", "10"]
    f = _one(_check("\n".join(cells) + "\n", "JX412"), "JX412", "warning")
    assert f.stated == "10" and f.recomputed == "9.29"


def test_parenthesised_breakdown():
    text = "本项目总预算2455.5万元（部门预算项目87.5万元+专项资金2350万元），全部用于设备购置。\n"
    f = _one(_check(text, "JX401"), "JX401", "error")
    assert f.recomputed == "2437.5万元"
    ok = "本项目总预算2437.5万元（部门预算项目87.5万元+专项资金2350万元）。\n"
    assert not _check(ok, "JX401")


def test_a_plugged_in_table_reader_feeds_the_index():
    from jixiao.figures import TABLE_READERS, CellRef, TableView

    text = "指标\n分值\n得分\n群众满意度\n10\n12\n"

    def reader(doc):
        spans, pos = [], 0
        for line in doc.text.splitlines():
            spans.append((pos, pos + len(line), line))
            pos += len(line) + 1
        rows = tuple(tuple(CellRef(t, a, b, r, c) for c, (a, b, t) in enumerate(spans[r * 3:r * 3 + 3]))
                     for r in range(2))
        return [TableView(rows, 0, len(doc.text), "cell-stream")]

    TABLE_READERS.append(reader)
    try:
        idx = build_index(_doc(text))
    finally:
        TABLE_READERS.remove(reader)
    assert [t.source for t in idx.tables] == ["cell-stream"]
    f = next(f for f in idx.figures if f.raw == "12")
    assert (f.table, f.row, f.col, f.header, f.row_label) == (0, 1, 2, "得分", "群众满意度")


def test_pipeline_builds_the_index_once_and_shares_it(tmp_path, monkeypatch):
    import jixiao.figures as figures_pkg
    from jixiao.pipeline import analyse

    calls = []
    real = figures_pkg.build_index
    monkeypatch.setattr(figures_pkg, "build_index", lambda doc, **kw: calls.append(doc.name) or real(doc, **kw))
    p = tmp_path / "r.txt"
    p.write_text(FUNDS, encoding="utf-8")
    a = analyse(p)
    assert len(calls) == 1 and a.figures is not None
    assert any(f.code == "JX401" for f in a.findings)
    assert a.figures.figures[0].start >= 0 and a.figures.groups


def test_changes_and_comparisons_are_not_parts():
    text = "本年支出合计1000万元（上年1100万元，减少100万元）。\n本年收入800万元，其中：财政拨款700万元，较上年增加50万元，其他收入100万元。\n"
    assert not [f for f in _check(text, "JX401") if f.severity == "error"]


def test_count_against_an_enumeration():
    text = "全年重点开展了三方面工作：一是完善制度；二是加强培训。\n"
    f = _one(_check(text, "JX403"), "JX403", "error")
    assert f.stated == "三方面" and f.recomputed == "2" and len(f.related) == 2
    ok = "全年重点开展了三方面工作：一是完善制度；二是加强培训；三是强化监督。\n"
    assert not _check(ok, "JX403")
    spread = "全年重点开展了三方面工作：\n一是完善制度。\n二是加强培训。\n"
    assert _one(_check(spread, "JX403"), "JX403", "warning")


def test_header_path_of_a_cell_under_two_header_rows():
    text = "评价指标\t\t得分\n名称\t分值\t自评\n决策\t20\t19\n"
    idx = build_index(_doc(text))
    f = next(f for f in idx.figures if f.raw == "19")
    assert f.header == "得分 / 自评"
    g = next(f for f in idx.figures if f.raw == "20")
    assert g.header == "分值" and g.row_label == "决策"


_ALPHABET = "0123456789.,%万元人个其中为分别包括含即：:（）()|\t\n 。；、一二三是合计总额执行率分值得分年度资金≥<=—-"


def test_any_text_indexes_and_audits_without_raising():
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    @hypothesis.settings(max_examples=150, deadline=None)
    @hypothesis.given(st.text(alphabet=_ALPHABET, max_size=400))
    def run(text):
        idx = build_index(_doc(text))
        assert all(0 <= f.start < f.end <= len(text) for f in idx.figures)
        assert [f.start for f in idx.figures] == sorted(f.start for f in idx.figures)
        for f in check(Evaluation(doc="t"), _doc(text), select=["JX4"], index=idx):
            assert f.stated and f.evidence is not None and f.arithmetic

    run()


def test_form_total_row_against_its_rows_once_the_weights_show_every_row_was_read():
    text = ("| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |\n"
            "| 年度资金总额 | 50 | 50 | 50 | 10 | 100% | 10 |\n"
            "| 一级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因 |\n"
            "| 产出指标 | 受助学生人数 | ≥700人 | 735人 | 50 | 50 | |\n"
            "| 效益指标 | 政策知晓率 | ≥95% | 98% | 30 | 30 | |\n"
            "| 满意度指标 | 家长满意度 | ≥95% | 100% | 10 | 10 | |\n"
            "| 其他说明 | 无 | 总分 | 100 | 96 | 优 |\n")
    f = _one(_check(text, "JX416"), "JX416", "error")
    assert f.stated == "96" and f.recomputed == "100"
    assert not _check(text.replace("| 100 | 96 |", "| 100 | 100 |"), "JX416")
    assert not _check(text.replace("| 30 | 30 |", "| 20 | 20 |"), "JX416")  # weights 90: a row may be missing


def test_budget_rows_without_a_rate_column_and_names_glued_to_values():
    text = ("项目 | 预算数 | 执行数 | 分值 | 得分\n基本支出 | 984.8 | 914.97 | 10 | 10\n项目支出 | 300 | 300 | 10 | 10\n")
    f = _one(_check(text, "JX412"), "JX412", "warning")
    assert f.stated == "10" and f.recomputed == "9.29" and "914.97/984.8" in f.message
    glued = ("项目资金 年初预算数 全年预算数 全年执行数 分值 执行率 得分\n"
             "年度资金总额0 0 0 10 100% 0\n其中：当年财政拨款90 89.974 89.974 — 100% —\n")
    fs = _check(glued)
    assert _one(fs, "JX415", "error") and _one(fs, "JX412", "error")


def test_a_table_cell_with_spaces_is_one_cell_of_its_form_row():
    text = ("| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |\n"
            "| 其中：当年 财政拨款 | 90 | 90 | 81 | 10 | 90% | 9 |\n")
    idx = build_index(_doc(text))
    row = next(g for g in idx.groups if g.kind == "exec_row")
    assert row.label == "其中：当年 财政拨款" and row.fig("executed").raw == "81"
