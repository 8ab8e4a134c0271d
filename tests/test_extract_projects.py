"""A department's project list printed as a table, in every shape a crawl gives it, our own figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_extract_shapes import printed  # the shapes crawls print a table in

from jixiao.extract import extract
from jixiao.ingest import read_bytes

HEAD = "某县文化旅游局2023年度部门整体支出绩效自评报告\n三、项目支出情况\n本年度共实施项目3个，具体如下：\n"
HEADER = ["序号", "项目名称", "预算数（万元）", "执行数（万元）", "执行率"]
ROWS = [["1", "乡村文化广场维护", "45.60", "44.10", "96.71%"],
        ["2", "数字资源建设", "60.00", "60.00", "100%"],
        ["3", "公共文化服务补助", "120.50", "118.20", "98.09%"]]
WANT = [("乡村文化广场维护", "45.60", "44.10", "96.71"), ("数字资源建设", "60.00", "60.00", "100"),
        ("公共文化服务补助", "120.50", "118.20", "98.09")]


def _projects(text: str):
    ev = extract(read_bytes(text.encode("utf-8"), "projects.txt"))
    return ev, [(p.name, p.budget, p.executed, p.execution_rate) for p in ev.projects]


@pytest.mark.parametrize("shape", ["pipe", "tabs", "one_line", "paragraph"])
def test_project_table_reads_in_every_shape(shape):
    text = HEAD + printed(shape, HEADER, ROWS) + "\n四、绩效目标完成情况\n"
    ev, got = _projects(text)
    assert got == [(n, Decimal(b), Decimal(e), Decimal(r)) for n, b, e, r in WANT]
    e = ev.evidence["projects[2].executed"]
    assert text[e.start:e.end] == "118.20"


def test_amounts_in_yuan_become_wan_and_category_rows_are_not_projects():
    header = ["项目名称", "预算数（元）", "执行数（元）"]
    rows = [["乡村文化广场维护", "456,000.00", "441,000.00"], ["基本支出", "2,000,000.00", "1,990,000.00"],
            ["合计", "2,456,000.00", "2,431,000.00"]]
    _ev, got = _projects(HEAD + printed("pipe", header, rows) + "\n")
    assert got == [("乡村文化广场维护", Decimal("45.6"), Decimal("44.1"), None)]


def test_a_table_without_amounts_gives_no_projects():
    header = ["序号", "项目名称", "实施单位", "完成情况"]
    rows = [["1", "乡村文化广场维护", "某县文化馆", "已完成"], ["2", "数字资源建设", "某县图书馆", "已完成"]]
    _ev, got = _projects(HEAD + printed("pipe", header, rows) + "\n")
    assert got == []
