"""The 填报模板 workbook: what it offers the clerk, the round trip, and sheet!cell errors on bad input."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jixiao.ingest import IngestError
from jixiao.render.template import BASIC_SHEET, FIELDS, IND_SHEET, MARK_SHEET, write_template
from jixiao.render.template_reader import TemplateError, is_template, read_template

ROW = {f.label: 3 + n for n, f in enumerate(FIELDS)}


def _blank(tmp_path: Path, framework: str | None = None) -> Path:
    p = tmp_path / "填报模板.xlsx"
    write_template(p, framework=framework)
    return p


def _fill_project(p: Path) -> Path:
    """Fill the template as a clerk would (numbers typed as numbers, one rate typed as 99.76%)."""
    wb = openpyxl.load_workbook(p)
    b = wb[BASIC_SHEET]
    for label, v in {"单位名称": "某区示范联合会", "项目名称": "业务经费", "年度": 2021, "评价类型": "项目支出",
                     "全年预算数": 130.76, "全年执行数": 130.44, "自评总分": 99.98,
                     "存在的问题": "部分活动延期举办。", "改进措施": "加快项目进度。"}.items():
        b.cell(row=ROW[label], column=2, value=v)
    ind = wb[IND_SHEET]
    rows = [
        ("项目资金", None, "预算执行率", None, None, None, 10, 9.98, None, None),
        ("产出指标", "数量指标", "培训场次完成率", "≥", "100%", "100%", 15, 15, None, None),
        (None, "质量指标", "资金支付合规率", None, "合规", "合规", 15, 15, "达成", None),
        (None, "时效指标", "任务按时完成率", "≥", "100%", 1, 15, 15, None, None),
        ("效益指标", "社会效益", "服务覆盖面", None, "扩大", "扩大", 15, 15, "达成", None),
        (None, None, "服务能力", None, "提升", "提升", 15, 15, "达成", None),
        (None, "可持续影响指标", "长效机制", None, "建立", "建立", 15, 15, "达成", None),
    ]
    for n, row in enumerate(rows):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ind.cell(row=2 + n, column=c, value=v)
    ind.cell(row=5, column=6).number_format = "0%"  # typed as 100% in Excel → stored 1
    # vertical merges of 一级/二级 as clerks make them
    ind.merge_cells("A3:A5")
    ind.merge_cells("A6:A8")
    ind.merge_cells("B6:B7")
    wb.save(p)
    return p


def test_template_sheets_validation_notes_and_mark(tmp_path):
    p = _blank(tmp_path)
    assert is_template(p)
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[:2] == [BASIC_SHEET, IND_SHEET]
    assert wb[MARK_SHEET].sheet_state == "hidden"
    ind = wb[IND_SHEET]
    heads = [c.value for c in ind[1]]
    assert heads == ["一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "实际完成值", "分值", "得分", "完成情况",
                     "偏差原因分析及改进措施"]
    assert all(c.comment is not None and c.comment.text for c in ind[1])
    lists = [dv.formula1 for dv in ind.data_validations.dataValidation if dv.type == "list"]
    assert '"≥,≤,="' in lists and '"达成,部分达成,未达成"' in lists
    assert any(dv.type == "decimal" for dv in ind.data_validations.dataValidation)
    b = wb[BASIC_SHEET]
    assert b.cell(row=ROW["全年预算数"], column=2).number_format == "0.00"
    assert b.cell(row=ROW["全年预算数"], column=3).value == "万元"
    assert any(dv.formula1 == '"部门整体,项目支出"' for dv in b.data_validations.dataValidation)


def test_report_is_not_a_template(tmp_path):
    from jixiao.render import render
    from jixiao.render.samples import project_eval

    p = tmp_path / "form.xlsx"
    render(project_eval(), "xlsx", p)
    assert not is_template(p)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    assert not is_template(junk)


def test_prefilled_from_framework(tmp_path):
    pytest.importorskip("jixiao.scoring")
    ind = openpyxl.load_workbook(_blank(tmp_path, "dept-shenzhen"))[IND_SHEET]
    names = [r[2] for r in ind.iter_rows(min_row=2, values_only=True) if r[2]]
    weights = [r[6] for r in ind.iter_rows(min_row=2, values_only=True) if r[2]]
    assert len(names) >= 15 and sum(Decimal(str(w)) for w in weights) == 100
    assert ind.cell(row=2, column=1).value == "部门决策"


def test_read_back_exact(tmp_path):
    ev = read_template(_fill_project(_blank(tmp_path)))
    assert ev.department == "某区示范联合会" and ev.year == 2021 and ev.scope == "project"
    assert ev.budget.adjusted == Decimal("130.76") and ev.budget.executed == Decimal("130.44")
    assert ev.projects[0].name == "业务经费"
    assert ev.score.total == Decimal("99.98")
    assert len(ev.indicators) == 7
    third = ev.indicators[3]
    assert (third.level1, third.level2, third.actual, third.nature) == ("产出指标", "时效指标", "100%", ">=")
    assert ev.indicators[5].level1 == "效益指标" and ev.indicators[5].level2 == "社会效益"
    assert ev.indicators[0].score == Decimal("9.98")
    assert ev.evidence["budget.adjusted"].cell == f"{BASIC_SHEET}!B{ROW['全年预算数']}"
    assert ev.evidence["indicators[3].actual"].cell == f"{IND_SHEET}!F5"


def test_round_trip_template_load_score_report(tmp_path):
    """template → filled → pipeline.load → score → report: the figures come back exactly."""
    pytest.importorskip("jixiao.scoring")
    from jixiao.pipeline import load
    from jixiao.render import render
    from jixiao.scoring import score_evaluation

    p = _fill_project(_blank(tmp_path, "mof-project-2020"))
    ev, doc = load(p)
    assert doc is None
    result = score_evaluation(ev)
    assert result.total == Decimal("99.98")
    out = tmp_path / "out.xlsx"
    render(ev, "xlsx", out, score_result=result)
    values = [c.value for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
    for figure in (130.76, 130.44, 99.76, 9.98, 99.98):
        assert figure in values
    import docx

    d = docx.Document(io.BytesIO(render(ev, "docx", score_result=result)))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "年度预算数 130.76 万元，执行数 130.44 万元，预算执行率 99.76%。" in text


# --- bad input: each gives sheet!cell, nothing crashes -------------------------------------------


def _expect(p: Path, fragment: str) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        read_template(p)
    err = info.value
    assert isinstance(err, IngestError)
    assert fragment in err.reason, err.reason
    assert str(err).startswith(f"{p}: ")
    return err


def test_missing_sheet(tmp_path):
    p = _blank(tmp_path)
    wb = openpyxl.load_workbook(p)
    del wb[IND_SHEET]
    wb.save(p)
    _expect(p, "指标!A1: 缺少工作表「指标」")


def test_text_in_number_cell(tmp_path):
    p = _fill_project(_blank(tmp_path))
    wb = openpyxl.load_workbook(p)
    wb[IND_SHEET]["F7"] = "约九成"
    wb[IND_SHEET]["D7"] = "≥"
    wb[BASIC_SHEET].cell(row=ROW["全年预算数"], column=2, value="一百三十万左右")
    wb.save(p)
    err = _expect(p, f'{BASIC_SHEET}!B{ROW["全年预算数"]}: 全年预算数 "一百三十万左右" 不是数字')
    assert '指标!F7: 实际完成值 "约九成" 不是数字' in err.errors
    assert '指标!E7: 年度指标值 "提升" 不是数字' in err.errors  # ≥ makes the row quantitative
    assert "另有 2 处错误" in err.reason


def test_text_in_score_cell(tmp_path):
    p = _fill_project(_blank(tmp_path))
    wb = openpyxl.load_workbook(p)
    wb[IND_SHEET]["H4"] = "满分"
    wb.save(p)
    _expect(p, '指标!H4: 得分 "满分" 不是数字')


def test_formula_error(tmp_path):
    p = _fill_project(_blank(tmp_path))
    wb = openpyxl.load_workbook(p)
    wb[IND_SHEET]["H3"] = "#DIV/0!"  # a cached error value, as Excel saves =G3/0
    wb.save(p)
    _expect(p, "指标!H3: 得分 是公式错误 #DIV/0!")


def test_merged_cell_where_a_value_should_be(tmp_path):
    p = _fill_project(_blank(tmp_path))
    wb = openpyxl.load_workbook(p)
    wb[IND_SHEET].merge_cells("G4:H4")
    wb.save(p)
    _expect(p, "指标!G4: 合并单元格 G4:H4")


def test_merged_basic_value(tmp_path):
    p = _fill_project(_blank(tmp_path))
    wb = openpyxl.load_workbook(p)
    r = ROW["全年执行数"]
    wb[BASIC_SHEET].merge_cells(f"B{r}:C{r}")
    wb.save(p)
    _expect(p, f"{BASIC_SHEET}!B{r}: 合并单元格 B{r}:C{r}")


def test_bad_dropdown_values_and_missing_name(tmp_path):
    p = _fill_project(_blank(tmp_path))
    wb = openpyxl.load_workbook(p)
    ind = wb[IND_SHEET]
    ind["D4"] = "大于"
    ind["G12"] = 5
    wb.save(p)
    err = _expect(p, '指标!D4: 指标性质 "大于" 应为 ≥、≤ 或 =')
    assert any(e.startswith("指标!C12: 三级指标 为空") for e in err.errors)


def test_pipeline_load_reports_template_errors(tmp_path):
    from jixiao.pipeline import load

    p = _blank(tmp_path)
    wb = openpyxl.load_workbook(p)
    wb[IND_SHEET]["C2"] = "培训场次"
    wb[IND_SHEET]["G2"] = "#VALUE!"
    wb.save(p)
    with pytest.raises(IngestError) as info:
        load(p)
    assert info.value.reason.startswith("指标!G2: 分值 是公式错误 #VALUE!")


def test_cli_template_and_score_reads_it(tmp_path):
    from typer.testing import CliRunner

    from jixiao.cli import app

    runner = CliRunner()
    out = tmp_path / "t.xlsx"
    res = runner.invoke(app, ["template", "-o", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert '"output"' in res.output and is_template(out)
    bad = runner.invoke(app, ["template", "--framework", "no-such-framework", "-o", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2
