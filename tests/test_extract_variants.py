"""Phrasing variants of the genre, each a one-paragraph report written for this test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.extract import extract
from jixiao.ingest.base import TextBuilder

TITLE = "某{dept}{year}年度部门整体支出绩效自评报告\n\n"

CASES = [
    ("amounts in 元 become 万元",
     "市教育局", "2022年度预算数为12,345,678.90元，实际支出12,000,000.00元，预算执行率97.20%。",
     {"adjusted": "1234.56789", "executed": "1200", "execution_rate": "97.20"}),
    ("amounts in 亿元",
     "省水利厅", "全年预算总额1.25亿元，决算支出1.2亿元，执行率96%。",
     {"adjusted": "12500", "executed": "12000", "execution_rate": "96"}),
    ("income lines are not budget",
     "区卫健局", "2021年收入合计5,000.00万元，其中财政拨款收入4,800.00万元。支出合计4,900.00万元，其中基本支出3,000.00万元，项目支出1,900.00万元。",
     {"executed": "4900", "basic": "3000", "project": "1900", "initial": None, "adjusted": None}),
    ("批复 and 追加",
     "县民政局", "年初预算批复数为800.00万元，年中追加200.00万元，全年预算数1,000.00万元，全年执行数950.00万元，执行率95.00%。",
     {"initial": "800", "adjustment": "200", "adjusted": "1000", "executed": "950", "execution_rate": "95.00"}),
    ("year-on-year changes are not slots",
     "区城管局", "2023年部门预算执行数为2,000.00万元，比上年减少100.00万元，下降4.76%。年末结转结余资金50.00万元。",
     {"executed": "2000", "carryover_end": "50", "adjustment": None, "execution_rate": None}),
    ("label before a colon",
     "县财政局", "一、预算情况\n年初预算：600.00万元；调整后预算：650.00万元；实际执行：640.00万元；预算执行率：98.46%。",
     {"initial": "600", "adjusted": "650", "executed": "640", "execution_rate": "98.46"}),
]


@pytest.mark.parametrize(("why", "dept", "body", "want"), CASES, ids=[c[0] for c in CASES])
def test_budget_phrasings(why, dept, body, want):
    b = TextBuilder()
    b._add(TITLE.format(dept=dept, year=2023) + body)
    ev = extract(b.build("case.txt", "txt"))
    assert ev.department == "某" + dept
    for key, value in want.items():
        got = getattr(ev.budget, key)
        assert got == (None if value is None else Decimal(value)), key


def test_project_headings_with_their_paragraph():
    b = TextBuilder()
    b._add(TITLE.format(dept="市科技局", year=2023)
           + "（一）科技创新券项目\n项目年度预算300.00万元，实际支出288.00万元，执行率96%。\n\n"
           + "（二）孵化器运营补助项目\n项目年度预算100.00万元，实际支出100.00万元，执行率100%。")
    ev = extract(b.build("case.txt", "txt"))
    assert [(p.name, p.budget, p.executed, p.execution_rate) for p in ev.projects] == [
        ("科技创新券项目", 300, 288, 96), ("孵化器运营补助项目", 100, 100, 100)]
    assert ev.budget.executed is None  # project figures do not leak into the department budget


def test_project_headings_with_a_trailing_section_word_and_generic_headings():
    b = TextBuilder()
    b._add(TITLE.format(dept="市科技局", year=2023)
           + "一、项目资金情况\n全年预算数500.00万元，执行数490.00万元，执行率98.00%。\n\n"
           + "（一）科技创新券项目绩效目标完成情况\n项目年度预算300.00万元，实际支出288.00万元，执行率96%。")
    ev = extract(b.build("case.txt", "txt"))
    assert [p.name for p in ev.projects] == ["科技创新券项目"]  # 项目资金情况 names no project
    assert (ev.budget.adjusted, ev.budget.executed) == (500, 490)
