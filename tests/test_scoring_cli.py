"""`jixiao score` and `jixiao frameworks` end to end (Typer runner)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jixiao.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def test_score_json_example():
    r = runner.invoke(app, ["score", str(EXAMPLES / "dept-shenzhen.yaml"), "--format", "json"])
    assert r.exit_code == 0, r.output
    (data,) = json.loads(r.stdout)
    assert data["file"] == str(EXAMPLES / "dept-shenzhen.yaml")
    assert data["framework"] == "dept-shenzhen"
    assert data["parts"] == {"部门决策": 19.5, "部门管理": 19.93, "部门绩效": 57.77}
    assert data["total"] == 97.2
    item = next(i for i in data["items"] if i["name"] == "预算执行率")
    assert item["score"] == 5.77 and item["stated"] == 5.7 and item["recomputed"] is True


def test_score_table_and_framework_override():
    r = runner.invoke(app, ["score", str(EXAMPLES / "mof-project-2020.yaml")])
    assert r.exit_code == 0, r.output
    assert "预算执行率" in r.stdout and "合计 95.24（优）" in r.stdout
    r = runner.invoke(app, ["score", str(EXAMPLES / "dept-shenzhen.yaml"), "--framework", "dept-common-2013",
                            "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["framework"] == "dept-common-2013"


def test_score_unreadable_input_exits_2(tmp_path: Path):
    r = runner.invoke(app, ["score", str(tmp_path / "missing.yaml")])
    assert r.exit_code == 2
    assert r.stderr.strip() == f"{tmp_path / 'missing.yaml'}: 文件不存在 (file not found)"
    bad = tmp_path / "bad.yaml"
    bad.write_text("budget:\n  adjusted: x\n", encoding="utf-8")
    r = runner.invoke(app, ["score", str(bad)])
    assert r.exit_code == 2 and "第 2 行 budget.adjusted" in r.stderr
    r = runner.invoke(app, ["score", str(EXAMPLES / "dept-shenzhen.yaml"), "--framework", "nope"])
    assert r.exit_code == 2 and "找不到评分框架" in r.stderr


def test_frameworks_list_and_show(tmp_path: Path):
    r = runner.invoke(app, ["frameworks", "--format", "json"])
    assert r.exit_code == 0
    ids = {f["id"] for f in json.loads(r.stdout)}
    assert {"mof-project-2020", "dept-common-2013", "dept-shenzhen"} <= ids
    r = runner.invoke(app, ["frameworks"])
    assert r.exit_code == 0 and "dept-shenzhen" in r.stdout
    r = runner.invoke(app, ["frameworks", "show", "dept-shenzhen"])
    assert r.exit_code == 0 and "政府采购执行情况 2" in r.stdout and "部门绩效 60" in r.stdout
    r = runner.invoke(app, ["frameworks", "show", "dept-shenzhen", "--format", "json"])
    tree = json.loads(r.stdout)["tree"]
    assert [n["weight"] for n in tree] == [20, 20, 60]
    (tmp_path / "p.yaml").write_text("id: p\nname: 某省\ntree:\n  - {name: 全部, weight: 100, rule: stated}\n",
                                     encoding="utf-8")
    r = runner.invoke(app, ["frameworks", "--frameworks", str(tmp_path), "--format", "json"])
    assert json.loads(r.stdout)[0]["id"] == "p"


def test_score_with_a_broken_framework_file_reports_file_line_key(tmp_path: Path):
    bad = tmp_path / "prov.yaml"
    bad.write_text("id: prov\nname: 某省\ntree:\n  - {name: 全部, weight: 100, rule: {kind: stated, knid: x}}\n",
                   encoding="utf-8")
    r = runner.invoke(app, ["score", str(EXAMPLES / "dept-shenzhen.yaml"), "--framework", str(bad)])
    assert r.exit_code == 2
    assert f"{bad}:4: tree[0].rule.knid: 规则 stated 没有参数 'knid'" in r.stderr


def test_score_says_partial_others_and_why(tmp_path: Path):
    f = tmp_path / "dept.yaml"
    f.write_text("department: 南湖区测试局\nscope: department\nstaffing: {authorized: 9, actual: 7}\n"
                 "indicators:\n  - {name: 活动场次, actual: 12场, project: 妇女活动经费}\n", encoding="utf-8")
    r = runner.invoke(app, ["score", str(f)])
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "合计 —（部分评分：已评 1 项 / 共 27 项，可评分值 3 分，得 3 分）" in out
    assert "报告所列其他指标" in out and "妇女活动经费" in out and "框架选择：" in out
    assert out.count("缺少以下指标的得分或数据") == 1  # the missing ones listed once
    (data,) = json.loads(runner.invoke(app, ["score", str(f), "--format", "json"]).stdout)
    assert data["partial"]["text"] == "已评 1 项 / 共 27 项，可评分值 3 分，得 3 分"
    assert data["others"][0]["project"] == "妇女活动经费" and len(data["missing"]) == 26 and data["why"]


def test_score_own_table(tmp_path: Path):
    f = tmp_path / "own.yaml"
    f.write_text("department: 北湖区测试局\nscope: project\nbudget: {adjusted: 20, executed: 20}\nindicators:\n"
                 "  - {level1: 预算执行情况, name: 执行率, actual: 100%, weight: 20, score: 20}\n"
                 "  - {level1: 产出指标, name: 培训人次, target: ≥800人次, actual: 830人次, weight: 60, score: 60}\n"
                 "  - {level1: 满意度指标, name: 学员满意度, target: ≥90%, actual: 96%, weight: 20, score: 20}\n",
                 encoding="utf-8")
    (data,) = json.loads(runner.invoke(app, ["score", str(f), "--format", "json"]).stdout)
    assert data["framework"] == "own-table" and data["own_table"] and data["total"] == 100
    assert "按报告自身的指标表评分" in data["why"]
