"""Framework files: the shipped ones load, bad ones report file:line: key, user folders work."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.scoring import FrameworkError, list_frameworks, load_framework, parse_framework

GOOD = """\
id: my-province
name: 某省部门整体
rounding: half_up
tree:
  - name: 决策
    weight: 40
    children:
      - {name: 目标, weight: 40, rule: stated}
  - name: 绩效
    weight: 60
    rule: stated
"""


def test_shipped_frameworks_load_and_weights_add_up():
    ids = {fw.id for fw in list_frameworks()}
    assert {"mof-project-2020", "dept-common-2013", "dept-shenzhen"} <= ids
    sz = load_framework("dept-shenzhen")
    assert sz.rounding == "down"
    assert {n.name: n.weight for n in sz.tree} == {"部门决策": 20, "部门管理": 20, "部门绩效": 60}
    mof = load_framework("mof-project-2020")
    assert [n.weight for n in mof.tree] == [10, 50, 30, 10]
    common = load_framework("dept-common-2013")
    assert sum(n.weight for n in common.tree) == Decimal(100)


def test_typo_in_key_reports_file_line_and_suggestion():
    bad = GOOD.replace("    weight: 60", "    wieght: 60")
    with pytest.raises(FrameworkError) as exc:
        parse_framework(bad, "prov.yaml")
    msg = str(exc.value)
    assert "prov.yaml:10: tree[1].wieght: 未知的键 'wieght'（是否为 'weight'？）" in msg


def test_typo_in_rule_kind_and_param():
    bad = GOOD.replace("rule: stated\n", "rule: {kind: proportinal, ratio: x}\n", 1)
    with pytest.raises(FrameworkError) as exc:
        parse_framework(bad, "prov.yaml")
    assert "prov.yaml:11: tree[1].rule.kind: 'proportinal' 不是可选值" in str(exc.value)
    assert "是否为 'proportional'" in str(exc.value)
    bad2 = GOOD.replace("    rule: stated\n", "    rule: {kind: steps, ratio: r, dedcut: 1}\n")
    bad2 = bad2.replace("tree:", "ratios:\n  r: {synonyms: [某率]}\ntree:")
    with pytest.raises(FrameworkError) as exc:
        parse_framework(bad2, "p.yaml")
    text = str(exc.value)
    assert "p.yaml:13: tree[1].rule.dedcut: 规则 steps 没有参数 'dedcut'（是否为 'deduct'？）" in text
    assert "tree[1].rule.deduct: 规则 steps 缺少必填参数 deduct" in text


def test_weights_that_do_not_add_up():
    bad = GOOD.replace("{name: 目标, weight: 40", "{name: 目标, weight: 35")
    with pytest.raises(FrameworkError) as exc:
        parse_framework(bad, "w.yaml")
    assert "w.yaml:6: tree[0].weight: 子指标权重合计 35 ≠ 分值 40（决策）" in str(exc.value)
    bad = GOOD.replace("    weight: 60", "    weight: 50")
    with pytest.raises(FrameworkError) as exc:
        parse_framework(bad, "w.yaml")
    assert "一级指标权重合计 90 ≠ 总分 100" in str(exc.value)


def test_unknown_ratio_and_yaml_syntax_and_all_problems_listed():
    bad = GOOD.replace("    rule: stated\n", "    rule: {kind: bands, ratio: nope, bands: [{upto: 1, score: 1}]}\n")
    bad = bad.replace("rounding: half_up", "rounding: halfup")
    with pytest.raises(FrameworkError) as exc:
        parse_framework(bad, "r.yaml")
    assert len(exc.value.problems) == 2
    assert exc.value.problems[0].startswith("r.yaml:3: rounding:")
    assert "比率 'nope' 未在 ratios 中定义" in exc.value.problems[1]
    with pytest.raises(FrameworkError, match=r"s.yaml:\d+: \(yaml\)"):
        parse_framework("id: [\n", "s.yaml")


def test_user_folder_and_env(tmp_path: Path, monkeypatch):
    (tmp_path / "my-province.yaml").write_text(GOOD, encoding="utf-8")
    ids = [fw.id for fw in list_frameworks(tmp_path)]
    assert ids[0] == "my-province" and "dept-shenzhen" in ids
    monkeypatch.setenv("JIXIAO_FRAMEWORKS", str(tmp_path))
    fw = load_framework("my-province")
    assert fw.name == "某省部门整体" and not fw.builtin
    assert load_framework(tmp_path / "my-province.yaml").id == "my-province"
    with pytest.raises(FrameworkError, match="找不到评分框架"):
        load_framework("dept-shenzen")


def test_bad_user_file_names_its_path(tmp_path: Path):
    (tmp_path / "broken.yaml").write_text(GOOD.replace("name: 某省部门整体\n", ""), encoding="utf-8")
    with pytest.raises(FrameworkError) as exc:
        list_frameworks(tmp_path)
    assert f"{tmp_path / 'broken.yaml'}:1: name: 缺少必填键" in str(exc.value)
    assert isinstance(exc.value, ValueError)
