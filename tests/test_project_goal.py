"""实施单位 and 年度总体目标 of a project self-evaluation: read from forms, kept in evaluation files and the
填报 template, and written into the exported 自评表 (and read back from it). Fixtures are our own."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from jixiao.evalfile import dump_evaluation, parse_evaluation
from jixiao.extract import extract
from jixiao.ingest import read_bytes
from jixiao.render import render
from jixiao.render.template import BASIC_SHEET, FIELDS, write_template
from jixiao.render.template_reader import read_template

GOAL = "完成全县农技人员轮训8期，推广主导品种12个，带动农户增收。"
DONE = "全年轮训9期、培训农技人员420人次，推广主导品种12个。"

TEXT_FORM = """项目支出绩效自评表
（2023年度）
项目名称 农业技术推广补助
主管部门 某某县农业农村局 实施单位 某某县农业技术推广中心
"""

GRID_FORM = ("项目支出绩效自评表\n（2023年度）\n"
             "项目名称\t农业技术推广补助\n"
             "主管部门\t某某县农业农村局\t实施单位\t某某县农业技术推广中心\n"
             f"年度总体目标\t{GOAL}\t{DONE}\n")


def _extract(text: str, name: str = "form.txt"):
    doc = read_bytes(text.encode("utf-8"), name)
    return doc, extract(doc)


def test_implementer_is_read_after_its_label_with_evidence():
    doc, ev = _extract(TEXT_FORM)
    # the reporting unit is the one that carries the project out; its 主管部门 is kept beside it
    assert ev.department == "某某县农业技术推广中心" and ev.implementer == "某某县农业技术推广中心"
    assert ev.supervisor == "某某县农业农村局"
    e = ev.evidence["implementer"]
    assert doc.text[e.start:e.end] == "某某县农业技术推广中心"


def test_overall_goal_on_the_label_row_is_goal_then_achievement():
    doc, ev = _extract(GRID_FORM)
    assert (ev.goal, ev.summary) == (GOAL, DONE)
    assert doc.text[ev.evidence["goal"].start:ev.evidence["goal"].end] == GOAL


def test_a_report_without_the_row_has_no_goal():
    _, ev = _extract("某某县农业农村局2023年度部门整体支出绩效自评报告\n\n一、基本情况\n年度目标明确。\n")
    assert ev.goal is None and ev.implementer is None


def test_exported_form_carries_implementer_and_goal_and_reads_back():
    _, ev = _extract(GRID_FORM)
    for fmt in ("xlsx", "docx"):
        doc = read_bytes(render(ev, fmt, draft=False), f"form.{fmt}")
        back = extract(doc)
        assert (back.implementer, back.goal, back.summary) == (ev.implementer, GOAL, DONE), fmt


def test_evaluation_files_keep_both_fields():
    _, ev = _extract(GRID_FORM)
    text = dump_evaluation(ev)
    assert "implementer: 某某县农业技术推广中心" in text and "goal:" in text
    again = parse_evaluation(text, "ev.yaml")
    assert (again.implementer, again.goal, again.summary) == (ev.implementer, ev.goal, ev.summary)


def test_the_filling_template_asks_for_both(tmp_path: Path):
    p = tmp_path / "t.xlsx"
    write_template(p)
    wb = openpyxl.load_workbook(p)
    ws = wb[BASIC_SHEET]
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    assert {"实施单位", "年度总体目标（预期目标）"} <= set(rows) and len(rows) >= len(FIELDS)
    for label, value in {"单位名称": "某某县农业农村局", "项目名称": "农业技术推广补助", "年度": 2023,
                         "评价类型": "项目支出", "实施单位": "某某县农业技术推广中心",
                         "年度总体目标（预期目标）": GOAL, "年度总体目标完成情况": DONE}.items():
        ws.cell(row=rows[label], column=2, value=value)
    wb.save(p)
    ev = read_template(p)
    assert (ev.implementer, ev.goal, ev.summary) == ("某某县农业技术推广中心", GOAL, DONE)


def test_the_web_filling_form_keeps_both():
    pytest.importorskip("fastapi", reason="web extra not installed")
    from jixiao.web.services import data_to_evaluation, form_to_data

    data, errors = form_to_data({"department": "某某县农业农村局", "implementer": " 某某县农业技术推广中心 ",
                                 "year": "2023", "scope": "project", "goal": GOAL, "summary": DONE})
    assert errors == []
    ev = data_to_evaluation(data)
    assert (ev.implementer, ev.goal, ev.summary) == ("某某县农业技术推广中心", GOAL, DONE)


def test_names_end_where_the_next_label_starts_when_spaces_are_lost():
    # OCR of an unruled form line drops the spaces between Chinese words
    text = ("项目支出绩效自评表\n（2023年度）\n项目名称农业技术推广补助项目级次一级□二级□\n"
            "主管部门某某县农业农村局实施单位某某县农业技术推广中心\n")
    _, ev = _extract(text)
    assert ev.supervisor == "某某县农业农村局" and ev.implementer == "某某县农业技术推广中心"
    assert [p.name for p in ev.projects] == ["农业技术推广补助"]
