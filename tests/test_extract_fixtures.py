"""Extraction on reports written for these tests (other departments, provinces and layouts than the corpus)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.extract import evaluation_to_json, extract
from jixiao.ingest import read

HERE = Path(__file__).parent / "fixtures" / "reports"


@pytest.fixture(scope="module")
def county():
    return extract(read(HERE / "county_agri_2024.txt"))


@pytest.fixture(scope="module")
def culture():
    return extract(read(HERE / "city_culture_project_2024.txt"))


def test_department_budget_sentences(county):
    b = county.budget
    assert (b.initial, b.adjustment, b.adjusted) == (Decimal("1234.56"), Decimal("65.44"), Decimal("1300.00"))
    assert (b.executed, b.execution_rate) == (Decimal("1288.88"), Decimal("99.14"))
    assert (b.basic, b.project, b.personnel, b.public) == (Decimal("801.20"), Decimal("487.68"), Decimal("702.11"), Decimal("99.09"))
    assert b.carryover_end == Decimal("11.12")
    assert county.funding.gov_fund == Decimal("88.88") and county.funding.state_capital == 0


def test_identity_staffing_score(county):
    assert (county.department, county.year, county.scope) == ("某某县农业农村局", 2024, "department")
    assert (county.staffing.authorized, county.staffing.actual, county.staffing.retired) == (45, 41, 12)
    assert county.score.total == Decimal("93.5") and county.score.grade == "优"
    assert "序时进度" in county.problems and county.measures.startswith("加强项目")
    assert not county.projects  # no named project lines in this report


def test_ratios_with_inputs_and_breakdowns(county):
    rates = {r.name: r for r in county.other_rates}
    assert rates["抽检合格率"].numerator == 398 and rates["抽检合格率"].denominator == 400
    assert rates["“三公”经费控制率"].stated == 80
    assert rates["农机购置补贴资金兑付率"].numerator is None
    (bd,) = county.breakdowns
    assert bd.total == 1560 and [v for _, v in bd.parts] == [960, 600]


def test_evidence_for_every_budget_figure(county):
    doc = read(HERE / "county_agri_2024.txt")
    for key in ("initial", "adjusted", "executed", "execution_rate", "basic", "project"):
        ev = county.evidence[f"budget.{key}"]
        assert doc.text[ev.start:ev.end] == ev.text
        assert ev.text.replace(",", "").startswith(str(getattr(county.budget, key)))


def test_project_form_as_tab_table(culture):
    assert culture.scope == "project" and culture.form == "mof-project-2020"  # the report form (jixiao.forms)
    assert (culture.budget.initial, culture.budget.adjusted, culture.budget.executed) == (
        Decimal("50.00"), Decimal("48.00"), Decimal("45.60"))
    assert culture.budget.execution_rate == Decimal("95.00")
    first = culture.indicators[0]
    assert (first.name, first.weight, first.score) == ("执行率", 10, Decimal("9.50"))  # the column as printed
    rows = culture.indicators[1:]
    assert [r.level1 for r in rows] == ["产出指标"] * 3 + ["效益指标", "满意度指标"]
    assert rows[2].deviation == "部分场次因天气顺延" and rows[2].score == Decimal("13.5")
    assert rows[0].target == "≥120场" and rows[0].actual == "126场"
    assert culture.score.total == Decimal("98.00")
    assert culture.projects[0].name == "乡村文化活动补助"
    assert not culture.other_rates  # table cells are not prose ratios


def test_gbk_copy_extracts_the_same(tmp_path):
    src = (HERE / "county_agri_2024.txt").read_text("utf-8")
    p = tmp_path / "gbk.txt"
    p.write_bytes(src.replace("\n", "\r\n").encode("gbk"))
    a = evaluation_to_json(extract(read(HERE / "county_agri_2024.txt")), evidence=False)
    b = evaluation_to_json(extract(read(p)), evidence=False)
    a.pop("doc"), b.pop("doc")
    assert a == b


def test_cli_json_and_unreadable_exit_code(tmp_path):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = subprocess.run([sys.executable, "-m", "jixiao.cli", "extract", str(HERE / "county_agri_2024.txt"), str(bad),
                        "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip().startswith(str(bad) + ": ")
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    import json

    data = json.loads(r.stdout)
    assert isinstance(data, list) and data[0]["budget"]["executed"] == 1288.88
    assert data[0]["evidence"]["budget.executed"]["line"] == 8


def test_pipe_table_with_level_weights_and_deductions():
    ev = extract(read(HERE / "town_justice_2023_pipe.md"))
    assert ev.budget.adjustment == Decimal("-56.78")  # 调减 is a negative adjustment
    assert (ev.budget.initial, ev.budget.adjusted, ev.budget.executed) == (
        Decimal("3456.78"), Decimal("3400.00"), Decimal("3366.00"))
    rows = ev.indicators
    assert [r.name for r in rows] == ["绩效目标合理性", "绩效指标明确性", "重点支出保障率", "预算执行率", "重点工作完成率"]
    assert rows[1].deviation == "部分指标未量化" and rows[1].score == 4
    assert (rows[2].level1, rows[2].level1_weight, rows[2].level2, rows[2].level2_weight) == ("部门决策", 25, "预算配置", 15)
    assert rows[3].level1 == "综合管理" and rows[3].score == Decimal("29.7")
    assert ev.score.total == Decimal("98.7")
    assert ev.evidence["score.total"].text == "98.7"
