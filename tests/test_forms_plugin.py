"""A province's form is one folder: detection, vocabulary, framework and layout, with no Python of its own.

The folder below describes an invented 某省 form, the 项目绩效考评表: its title, a column word the built-in
vocabulary does not know (考评分 for the score), a framework of its own (预算执行 20 / 产出 50 / 效益 30) and a
layout of its own. Loaded from a temporary folder, as ``--forms DIR`` or ``$JIXIAO_FORMS`` would, it must be
what extracts, scores and prints a report written on it; without the folder the same report is not read.
"""

from __future__ import annotations

import io
import textwrap
from decimal import Decimal

import pytest

from jixiao import forms
from jixiao.extract import extract
from jixiao.ingest import read_bytes

FORM = """\
id: moushen-project-kaoping
title: 某省项目绩效考评表
scope: project
detect:
  title: 项目绩效考评表
  priority: 30
framework: framework.yaml
layout: layout.yaml
lexicon:
  grid:
    header_words:
      score: [考评分]
audit:
  ratio_base: 调整后
  grades: {优: 85, 良: 75, 中: 60, 差: 0}
"""

FRAMEWORK = """\
id: moushen-project-kaoping
name: 某省项目绩效考评
scope: project
rounding: half_up
places: 2
total: 100
grades: {优: 85, 良: 75, 中: 60, 差: 0}
ratios:
  预算执行率:
    synonyms: [预算执行率, 执行率]
    budget: {numerator: executed, denominator: adjusted, stated: execution_rate}
tree:
  - name: 预算执行率
    aliases: [项目资金, 执行率]
    weight: 20
    rule: {kind: budget_execution, ratio: 预算执行率}
  - name: 产出指标
    weight: 50
    user_defined: {kind: auto, variant: ratio}
  - name: 效益指标
    weight: 30
    user_defined: {kind: auto, variant: ratio}
"""

LAYOUT = """\
name: moushen-project-kaoping
title: 某省项目绩效考评表
columns: [12, 12, 20, 12, 12, 8, 8]
rows:
  - plain: true
    cells: [{text: 某省项目绩效考评表（样表）, span: 7, style: title}]
  - cells:
      - {text: 项目名称, style: label}
      - {value: project_name, span: 6, style: text}
  - cells:
      - {text: 一级指标, style: head}
      - {text: 二级指标, style: head}
      - {text: 三级指标, style: head}
      - {text: 目标值, style: head}
      - {text: 完成值, style: head}
      - {text: 分值, style: head}
      - {text: 考评分, style: head}
  - repeat: indicators
    cells:
      - {value: level1, style: cell}
      - {value: level2, style: cell}
      - {value: name, style: cell}
      - {value: target, style: cell}
      - {value: actual, style: cell}
      - {value: weight, fmt: num, style: num}
      - {value: score, fmt: score, style: num}
  - cells:
      - {text: 考评总分, span: 6, style: label}
      - {value: total, fmt: score, style: num}
"""

REPORT = textwrap.dedent("""\
    2024年度项目绩效考评表
    项目名称：乡村文化广场维护
    单位名称：某县文化旅游局
    一级指标 | 二级指标 | 三级指标 | 目标值 | 完成值 | 分值 | 考评分 |
    产出指标 | 数量指标 | 维护广场数 | ≥12个 | 12个 | 25 | 25 |
    质量指标 | 设施完好率 | ≥95% | 96% | 25 | 25 |
    效益指标 | 社会效益指标 | 群众活动场次 | ≥200场 | 180场 | 30 | 27 |
    总分 | 72 |
    """)


def _write_form(root, form_id: str, files: dict[str, str]):
    """A form folder ``root/form_id`` holding ``files`` (name → text)."""
    folder = root / form_id
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


PROVINCE_FILES = {"form.yaml": FORM, "framework.yaml": FRAMEWORK, "layout.yaml": LAYOUT}


@pytest.fixture
def province(tmp_path, monkeypatch):
    folder = _write_form(tmp_path / "forms", "moushen-project-kaoping", PROVINCE_FILES)
    monkeypatch.setenv(forms.ENV_VAR, str(tmp_path / "forms"))
    forms.reset()
    yield folder
    monkeypatch.delenv(forms.ENV_VAR)
    forms.reset()


def _read():
    return extract(read_bytes(REPORT.encode("utf-8"), "考评表.txt"))


def test_without_the_folder_the_report_is_not_read_as_that_form():
    forms.reset()
    ev = _read()
    assert ev.form != "moushen-project-kaoping"
    assert not any(i.score for i in ev.indicators)  # 考评分 is no column word of the built-in vocabulary


def test_the_folder_detects_extracts_scores_and_prints_its_form(province):
    from openpyxl import load_workbook

    from jixiao.render import render
    from jixiao.scoring import score_evaluation

    ev = _read()
    assert ev.form == "moushen-project-kaoping"
    assert [(i.name, i.score) for i in ev.indicators] == [
        ("维护广场数", Decimal(25)), ("设施完好率", Decimal(25)), ("群众活动场次", Decimal(27))]
    result = score_evaluation(ev)
    assert result.framework == "moushen-project-kaoping" and "moushen-project-kaoping" in result.why
    # the framework of the folder: 180 of ≥200 scores 30 × 90% = 27 under its 正向 rule
    got = {i.name: i.score for i in result.items}
    assert got["群众活动场次"] == Decimal("27.00")
    xlsx = render(ev, "xlsx", score_result=result)
    sheet = load_workbook(io.BytesIO(xlsx)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "某省项目绩效考评表（样表）" in cells and "考评总分" in cells and "乡村文化广场维护" in cells


def test_a_broken_form_folder_is_one_clear_line(tmp_path, monkeypatch):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "form.yaml").write_text("id: x\ntitle: 坏表\nscope: 项目\n", encoding="utf-8")
    monkeypatch.setenv(forms.ENV_VAR, str(folder))
    forms.reset()
    try:
        with pytest.raises(forms.FormError) as err:
            forms.all_forms()
        msg = str(err.value)
        assert "\n" not in msg and "form.yaml:3" in msg and "scope" in msg
    finally:
        monkeypatch.delenv(forms.ENV_VAR)
        forms.reset()


def test_the_forms_flag_loads_the_folder_for_one_command(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from jixiao.cli import app

    _write_form(tmp_path / "forms", "moushen-project-kaoping", PROVINCE_FILES)
    doc = tmp_path / "考评表.txt"
    doc.write_text(REPORT, encoding="utf-8")
    monkeypatch.delenv(forms.ENV_VAR, raising=False)
    forms.reset()
    try:
        runner = CliRunner()
        res = runner.invoke(app, ["score", str(doc), "--forms", str(tmp_path / "forms"), "--format", "json"])
        assert res.exit_code in (0, 1), res.output
        got = json.loads(res.stdout)
        got = got[0] if isinstance(got, list) else got
        assert got["framework"] == "moushen-project-kaoping"
        res = runner.invoke(app, ["extract", str(doc), "--forms", str(tmp_path / "missing")])
        assert res.exit_code == 2 and "--forms" in res.output
    finally:
        monkeypatch.delenv(forms.ENV_VAR, raising=False)
        forms.reset()


def test_the_forms_verb_lists_built_in_and_added_forms(province):
    import json

    from typer.testing import CliRunner

    from jixiao.cli import app

    res = CliRunner().invoke(app, ["forms", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    assert rows["moushen-project-kaoping"]["builtin"] is False
    assert rows["moushen-project-kaoping"]["lexicon"] == ["grid"]
    assert rows["moushen-project-kaoping"]["folder"] == str(province)
    assert rows["mof-project-2020"]["builtin"] is True and rows["mof-project-2020"]["scope"] == "project"


def test_a_folder_adds_a_row_layout_as_data(tmp_path, monkeypatch):
    # an invented form whose header names 分值 before 考评得分 while its rows print the score first
    form = textwrap.dedent("""\
        id: moushen-layout
        title: 某省项目考评明细表
        scope: project
        detect:
          title: 项目考评明细表
        lexicon:
          grid:
            header_words:
              score: [考评得分]
              deviation: [考评说明]
            layouts:
              - name: 某省 项目考评明细表
                when: [考评得分, 考评说明]
                columns: [level1, level2, name, target, actual, score, weight, deviation]
        """)
    report = ("2024年度项目考评明细表\n单位名称：某县文化旅游局\n"
              "一级指标 | 二级指标 | 三级指标 | 目标值 | 完成值 | 分值 | 考评得分 | 考评说明 |\n"
              "产出指标 | 数量指标 | 维护广场数 | ≥12个 | 12个 | 25 | 30 | |\n"
              "效益指标 | 社会效益指标 | 群众活动场次 | ≥200场 | 180场 | 27 | 30 | 未达目标 |\n")

    def rows():
        ev = extract(read_bytes(report.encode("utf-8"), "明细表.txt"))
        return [(i.name, i.weight, i.score) for i in ev.indicators]

    forms.reset()
    assert rows() == []  # read in the header's order every score is above its weight: no row is sure
    _write_form(tmp_path / "forms", "moushen-layout", {"form.yaml": form})
    monkeypatch.setenv(forms.ENV_VAR, str(tmp_path / "forms"))
    forms.reset()
    try:
        assert rows() == [("维护广场数", Decimal(30), Decimal(25)), ("群众活动场次", Decimal(30), Decimal(27))]
    finally:
        monkeypatch.delenv(forms.ENV_VAR)
        forms.reset()
