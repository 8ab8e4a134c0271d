"""The 机关绩效 红皮书 profile: recognised from the title, not scored (there is nothing to score), audited for its
own rules. Fixtures are written here in our own words; the corpus seed 002 is checked when present."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.audit import check
from jixiao.extract import extract
from jixiao.ingest import read_bytes
from jixiao.model import Budget, Evaluation
from jixiao.scoring import FrameworkError, detect_framework, load_framework, parse_framework, score_evaluation

REDBOOK = """某某县统计局2023年度绩效自评报告（红皮书）

年度：2023
单位名称：某某县统计局

一、自评总结（篇幅不超过2000字）
全年完成经济普查入户登记4,120户，其中规模以上企业312家，占比7.6%。统计数据按期上报率100%。

二、存在问题
无

单位主要领导意见：同意。
2024年1月15日
"""

BUDGET_REPORT = """某某县统计局2023年度部门整体支出绩效自评报告

一、基本情况
2023年度部门全年预算数500.00万元，实际支出480.00万元，预算执行率96.00%。

二、存在问题
无
"""


def _read(text: str, name: str = "r.txt"):
    doc = read_bytes(text.encode("utf-8"), name)
    return doc, extract(doc)


def test_a_redbook_is_recognised_from_its_title_and_not_scored():
    doc, ev = _read(REDBOOK)
    assert ev.form == "jiguan-redbook"
    assert detect_framework(ev) == "jiguan-redbook"
    result = score_evaluation(ev)
    assert result.scored is False and result.total is None and result.items == ()
    assert [p.severity for p in result.problems] == ["info"] and "不计分" in result.problems[0].message
    assert result.to_json()["scored"] is False


def test_a_budget_report_of_the_same_unit_is_still_scored_under_its_framework():
    _, ev = _read(BUDGET_REPORT)
    assert ev.form is None
    assert detect_framework(ev) == "dept-common-2013"
    assert score_evaluation(ev).scored is True


def test_problems_written_as_none_is_info_without_shortfall_and_a_warning_with_one():
    doc, ev = _read(REDBOOK)
    codes = {f.code: f for f in check(ev, doc)}
    assert codes["JX209"].severity == "info" and "JX202" not in codes
    assert doc.text[codes["JX209"].evidence.start:codes["JX209"].evidence.end] == "无"
    doc, ev = _read(BUDGET_REPORT)
    codes = {f.code for f in check(ev, doc)}
    assert "JX202" in codes and "JX209" not in codes  # execution 96 %: the stronger finding, not both


def test_problems_with_content_are_not_flagged():
    ev = Evaluation(doc="x", department="某单位", year=2023, problems="部分项目支出进度偏慢",
                    budget=Budget(execution_rate=Decimal(100)))
    assert not [f for f in check(ev) if f.code in ("JX202", "JX209")]


def test_an_unscored_framework_needs_a_reason_and_takes_no_tree():
    fw = parse_framework("id: x\nname: X\nscored: false\nreason: 不计分的表\nforms: [x-form]\n", "x.yaml")
    assert fw.scored is False and fw.tree == () and fw.forms == ("x-form",)
    with pytest.raises(FrameworkError) as exc:
        parse_framework("id: x\nname: X\nscored: false\n", "x.yaml")
    assert "reason" in str(exc.value)
    with pytest.raises(FrameworkError) as exc:
        parse_framework("id: x\nname: X\nscored: false\nreason: r\ntree:\n  - {name: 产出, weight: 100}\n", "x.yaml")
    assert "tree" in str(exc.value)
    assert load_framework("jiguan-redbook").scored is False


def test_corpus_seed_002_is_the_redbook_profile(corpus_dir):
    from jixiao.ingest import read

    path = corpus_dir / "002_c2b2f9c5d7f50e8c.txt"
    doc = read(path)
    ev = extract(doc)
    assert ev.form == "jiguan-redbook"
    assert score_evaluation(ev).scored is False
    codes = {f.code for f in check(ev, doc)}
    assert {"JX306", "JX209", "JX208"} <= codes  # length limit, 问题 “无”, filled in before year end
