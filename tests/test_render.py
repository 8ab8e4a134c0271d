"""Rendering the forms: xlsx / docx / html carry the figures, merges, page setup and the draft."""

from __future__ import annotations

import io
from decimal import Decimal

import docx
import openpyxl
import pytest

from jixiao.model import Finding
from jixiao.render import render
from jixiao.render.context import build_context
from jixiao.render.draft import draft_sections
from jixiao.render.grid import build_grid, choose_layout, layout_names, load_layout
from jixiao.render.samples import dept_eval, project_eval


def _cells(data: bytes) -> dict[str, object]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def _find(ws, value):
    for row in ws.iter_rows():
        for c in row:
            if c.value == value:
                return c
    raise AssertionError(f"{value!r} not in sheet")


def _docx_text(data: bytes) -> tuple[str, list[list[str]]]:
    d = docx.Document(io.BytesIO(data))
    paras = "\n".join(p.text for p in d.paragraphs)
    tables = [[c.text for c in row.cells] for t in d.tables for row in t.rows]
    return paras, tables


def test_layouts_ship_and_default_by_scope():
    assert {"mof-project-2020", "dept-shenzhen"} <= set(layout_names())
    assert choose_layout("project", None) == "mof-project-2020"
    assert choose_layout("department", None) == "dept-shenzhen"
    assert choose_layout("project", None, "dept-shenzhen") == "dept-shenzhen"


def test_project_xlsx_figures_are_numbers_with_formats(tmp_path):
    out = tmp_path / "p.xlsx"
    data = render(project_eval(), "xlsx", out)
    assert out.read_bytes() == data
    ws = openpyxl.load_workbook(out).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "项目支出绩效自评表" in values and "（2021年度）" in values
    budget = _find(ws, 130.76)
    assert budget.number_format == "0.00"
    assert ws.cell(row=budget.row, column=budget.column + 1).value == 130.44
    rate = _find(ws, 99.76)  # recomputed 130.44 / 130.76, not the stated 99.96
    assert rate.number_format == '0.00"%"'
    assert 99.96 not in values
    assert 9.98 in values and 99.98 in values
    assert "优" in values


def test_project_xlsx_merges_page_setup(tmp_path):
    ws = openpyxl.load_workbook(io.BytesIO(render(project_eval(), "xlsx"))).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    lvl1 = _find(ws, "产出指标")
    # 产出指标 spans its three rows vertically, 效益指标 its three
    assert f"{lvl1.coordinate}:{lvl1.column_letter}{lvl1.row + 2}" in merged
    social = _find(ws, "社会效益")
    assert f"{social.coordinate}:{social.column_letter}{social.row + 1}" in merged
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area is not None and ws.print_area.startswith("'自评表'!$A$1:$I$")
    assert ws.column_dimensions["I"].width > ws.column_dimensions["G"].width
    head = _find(ws, "三级指标")
    assert head.border.left.style == "thin" and head.font.b


def test_dept_xlsx_three_level_table_and_parts():
    ws = openpyxl.load_workbook(io.BytesIO(render(dept_eval(), "xlsx"))).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "部门整体支出绩效自评表" in values
    assert 97.92 in values and 18.99 in values and 58.93 in values and 20 in values
    total = _find(ws, "合计")
    row = [ws.cell(row=total.row, column=c).value for c in range(1, 8)]
    assert row[1] == 100 and row[3] == 100 and row[5] == 100 and row[6] == 97.92
    first = _find(ws, "部门管理")
    merged = {str(r) for r in ws.merged_cells.ranges}
    # 部门管理 has 10 third-level rows: name and 分值 merge over all of them
    assert f"A{first.row}:A{first.row + 9}" in merged and f"B{first.row}:B{first.row + 9}" in merged


def test_docx_form_and_draft():
    data = render(project_eval(), "docx")
    paras, rows = _docx_text(data)
    flat = [c for r in rows for c in r]
    assert "项目支出绩效自评表" in paras
    assert "130.76" in flat and "130.44" in flat and "99.76%" in flat and "9.98" in flat and "99.98" in flat
    assert "年度预算数 130.76 万元，执行数 130.44 万元，预算执行率 99.76%。" in paras
    assert "原表填列的预算执行率为 99.96%" in paras
    for heading in ("一、基本情况", "二、绩效目标完成情况", "三、存在的问题", "四、改进措施"):
        assert heading in paras
    assert "【待填写：" in paras
    assert "预算执行率（分值 10，得分 9.98，扣 0.02 分）" in paras
    assert "部分活动延期举办。" in paras


def test_docx_draft_only_and_form_only():
    paras, rows = _docx_text(render(project_eval(), "docx", draft=True))
    assert not rows and "一、基本情况" in paras
    paras, rows = _docx_text(render(project_eval(), "docx", draft=False))
    assert rows and "一、基本情况" not in paras


def test_draft_lists_open_findings_and_no_invented_text():
    f = Finding(code="JX101", severity="error", message="预算执行率与执行数/预算数不符", stated="99.96",
                recomputed="99.76")
    ctx = build_context(project_eval(), None, [f, Finding(code="JX900", severity="info", message="提示")])
    _, sections = draft_sections(ctx)
    problems = dict(sections)["三、存在的问题"]
    assert any("[JX101]" in p and "填列 99.96，复核 99.76" in p for p in problems)
    assert not any("JX900" in p for p in problems)  # info is not an open issue
    bare = project_eval().with_(problems=None, measures=None)
    _, sections = draft_sections(build_context(bare))
    assert dict(sections)["三、存在的问题"] == ["【待填写：存在的问题及原因分析】"]
    assert dict(sections)["四、改进措施"] == ["【待填写：改进措施及结果应用】"]


def test_dept_docx_parts_sentence():
    paras, rows = _docx_text(render(dept_eval(), "docx"))
    assert "自评得分 97.92 分" in paras
    assert "部门管理 18.99 分（分值 20 分，得分率 94.95%）" in paras
    flat = [c for r in rows for c in r]
    assert "97.92" in flat and "58.93" in flat


def test_html_print_ready():
    pytest.importorskip("jinja2")  # the HTML form is a Jinja2 template ([web] extra)
    html = render(dept_eval(), "html").decode("utf-8")
    assert "@page" in html and "A4" in html and "Noto Serif CJK SC" in html
    assert 'rowspan="10"' in html  # 部门管理
    assert "97.92" in html and "部门整体支出绩效自评表" in html


def test_uses_score_result_over_stated(monkeypatch):
    from types import SimpleNamespace as NS

    ev = project_eval()
    items = [NS(index=1, path="indicators[1]", name=ev.indicators[1].name, level1="产出指标", level2="数量指标",
                weight=Decimal("15"), score=Decimal("12.5"), stated=Decimal("15"), reason="实际低于目标",
                recomputed=True)]
    sr = NS(framework="mof-project-2020", total=Decimal("97.48"), grade="优", parts={}, items=items)
    ctx = build_context(ev, sr)
    assert ctx["total"] == Decimal("97.48")
    assert ctx["indicators"][0]["score"] == Decimal("12.5")
    assert any("实际低于目标" in d for d in ctx["deductions"])
    grid = build_grid(load_layout("mof-project-2020"), ctx)
    assert Decimal("12.5") in [c.value for c in grid.cells]


def test_empty_evaluation_renders_blank_form():
    from jixiao.model import Evaluation

    for to in ("xlsx", "docx", "html"):
        if to == "html":
            pytest.importorskip("jinja2")
        assert render(Evaluation(doc="blank"), to)


def test_unknown_format_and_layout():
    from jixiao.render.grid import LayoutError

    with pytest.raises(ValueError):
        render(project_eval(), "odt")
    with pytest.raises(LayoutError):
        render(project_eval(), "xlsx", layout="no-such-layout")


def _yaml_eval(tmp_path):
    import yaml

    src = tmp_path / "p.yaml"
    src.write_text(yaml.safe_dump({"doc": "p", "department": "某单位", "year": 2022, "scope": "project",
                                   "budget": {"adjusted": "80", "executed": "60"}}, allow_unicode=True),
                   encoding="utf-8")
    return src


def test_cli_report_parts_and_errors(tmp_path):
    from typer.testing import CliRunner

    from jixiao.cli import app

    src = _yaml_eval(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["report", str(src), "--to", "docx", "--part", "draft", "-o", str(tmp_path / "d.docx")])
    assert res.exit_code == 0, res.output
    paras, rows = _docx_text((tmp_path / "d.docx").read_bytes())
    assert not rows and "年度预算数 80.00 万元，执行数 60.00 万元，预算执行率 75.00%。" in paras
    pytest.importorskip("jinja2")
    res = runner.invoke(app, ["report", str(src), "--to", "html"])  # next to the input
    assert res.exit_code == 0 and (tmp_path / "p.html").exists()
    bad = runner.invoke(app, ["report", str(src), "--to", "xlsx", "--layout", "no-such-layout"])
    assert bad.exit_code == 2
    many = runner.invoke(app, ["report", str(src), str(src.with_name("missing.yaml")), "--to", "xlsx",
                               "-o", str(tmp_path / "outdir"), "--format", "json"])
    assert many.exit_code == 2  # one unreadable input
    assert (tmp_path / "outdir" / "p.xlsx").exists()
