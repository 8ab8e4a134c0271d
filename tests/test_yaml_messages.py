"""One validation path for framework and evaluation files (pydantic over line-tracked YAML): the messages a
user sees name the file, the line and the key, as they did when each file had its own hand-written reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.evalfile import EvaluationFileError, parse_evaluation
from jixiao.scoring import FrameworkError, parse_framework

FW = """\
id: my-province
name: 某省部门整体
rounding: half_up
ratios:
  r: {synonyms: [某率], budget: {numerator: executed, denominator: adjusted}}
tree:
  - name: 决策
    weight: 40
    children:
      - {name: 目标, weight: 40, rule: stated}
  - name: 绩效
    weight: 60
    rule: {kind: proportional, ratio: r}
"""
KINDS = "auto, bands, budget_execution, checklist, equal, proportional, qualitative, quarterly, reverse, stated, steps"
SLOTS = ("initial, adjusted, executed, execution_rate, basic, project, personnel, public, carryover_start, "
         "carryover_end, adjustment, adjustment_rate, initial_basic, initial_project, public_initial, "
         "public_adjusted, staffing.actual, staffing.authorized")

FRAMEWORK_CASES = [
    (("    weight: 60", "    wieght: 60"),
     ["p.yaml:11: tree[1].weight: 缺少必填键", "p.yaml:12: tree[1].wieght: 未知的键 'wieght'（是否为 'weight'？）"]),
    (("{kind: proportional, ratio: r}", "{kind: proportinal, ratio: r}"),
     [f"p.yaml:13: tree[1].rule.kind: 'proportinal' 不是可选值 {KINDS}（是否为 'proportional'？）"]),
    (("{kind: proportional, ratio: r}", "{kind: steps, ratio: r, dedcut: 1}"),
     ["p.yaml:13: tree[1].rule.dedcut: 规则 steps 没有参数 'dedcut'（是否为 'deduct'？）",
      "p.yaml:13: tree[1].rule.deduct: 规则 steps 缺少必填参数 deduct"]),
    (("rule: stated}", "rule: statd}"),
     [f"p.yaml:10: tree[0].children[0].rule: 'statd' 不是可选值 {KINDS}（是否为 'stated'？）"]),
    (("{kind: proportional, ratio: r}", "{ratio: r}"), [f"p.yaml:13: tree[1].rule.kind: 缺少必填键 kind；可用: {KINDS}"]),
    (("{kind: proportional, ratio: r}", "[1, 2]"), ["p.yaml:13: tree[1].rule: 应为计分规则（kind 加参数）"]),
    (("{name: 目标, weight: 40", "{name: 目标, weight: 35"), ["p.yaml:8: tree[0].weight: 子指标权重合计 35 ≠ 分值 40（决策）"]),
    (("    weight: 60", "    weight: 50"), ["p.yaml:7: tree: 一级指标权重合计 90 ≠ 总分 100"]),
    (("ratio: r}", "ratio: nope}"), ["p.yaml:13: tree[1].rule.ratio: 比率 'nope' 未在 ratios 中定义"]),
    (("rounding: half_up", "rounding: halfup"),
     ["p.yaml:3: rounding: 'halfup' 不是可选值 down, floor, half_even, half_up（是否为 'half_up'？）"]),
    (("    weight: 60", "    weight: '60'"), ["p.yaml:12: tree[1].weight: 应为数字，而不是 '60'"]),
    (("{name: 目标, weight: 40", "{name: 目标, weight: -40"), ["p.yaml:10: tree[0].children[0].weight: 权重不能为负"]),
    (("{name: 目标, weight: 40, rule: stated}", "{name: 目标, weight: 40}"),
     ["p.yaml:10: tree[0].children[0]: 须有且只有 rule、children、user_defined 之一"]),
    (("name: 某省部门整体\n", ""), ["p.yaml:1: name: 缺少必填键"]),
    (("{kind: proportional, ratio: r}", "{kind: bands, ratio: r, bands: [{upto: 1, score: 1, deduct: 2}, {uptoo: 3, score: 1}]}"),
     ["p.yaml:13: tree[1].rule.bands[0]: 须有且只有 score 或 deduct 之一",
      "p.yaml:13: tree[1].rule.bands[1].uptoo: 未知的键 'uptoo'（是否为 'upto'？）"]),
    (("{kind: proportional, ratio: r}", "{kind: checklist, items: [{name: a, points: 1}]}"),
     ["p.yaml:13: tree[1].rule.items[0].keywords: 缺少必填键"]),
    (("{kind: proportional, ratio: r}", "{kind: quarterly, ratio: r, per_quarter: 1, targets: {1: 25, 5: 3}}"),
     ["p.yaml:13: tree[1].rule.targets.5: 未知的键 '5'；可用: 1, 2, 3, 4"]),
    (("{kind: proportional, ratio: r}", "{kind: steps, ratio: r, deduct: 1, direction: up}"),
     ["p.yaml:13: tree[1].rule.direction: 'up' 不是可选值 above, below"]),
    (("{kind: proportional, ratio: r}", "{kind: quarterly, ratio: r, per_quarter: 1, round_deduction: 1}"),
     ["p.yaml:13: tree[1].rule.round_deduction: 应为 true 或 false"]),
    (("denominator: adjusted", "denominator: adjustd"),
     [f"p.yaml:5: ratios.r.budget.denominator: 'adjustd' 不是可选值 {SLOTS}（是否为 'adjusted'？）"]),
    (("numerator: executed, denominator: adjusted", "numerator: executed"),
     ["p.yaml:5: ratios.r.budget: numerator 与 denominator 须同时给出"]),
    (("rounding: half_up", "rounding: half_up\ngrades: {优: 90, 好好: 80, 良: x}"),
     ["p.yaml:4: grades.好好: 未知的键 '好好'（是否为 '好'？）", "p.yaml:4: grades.良: 应为数字，而不是 'x'"]),
    (("rounding: half_up", "rounding: half_up\nscored: false\nreason: x"), ["p.yaml:9: tree: scored: false 的框架不设指标树"]),
    (("rounding: half_up", "rounding: half_up\nrounding: down"), ["p.yaml:4: rounding: 重复的键"]),
    (("rounding: half_up", "rounding: half_up\nnot_applicable: {a: 1}"), ["p.yaml:4: not_applicable: 应为文字列表"]),
    (("{name: 目标, weight: 40, rule: stated}", "{name: 目标, weight: 40, aliases: [1, {a: 2}], rule: stated}"),
     ["p.yaml:10: tree[0].children[0].aliases[1]: 应为文字"]),
    (("{name: 目标,", "{name: null,"), ["p.yaml:10: tree[0].children[0].name: 应为文字"]),
]


@pytest.mark.parametrize(("change", "problems"), FRAMEWORK_CASES)
def test_framework_problems_name_file_line_and_key(change, problems):
    text = FW.replace(*change)
    assert text != FW
    with pytest.raises(FrameworkError) as exc:
        parse_framework(text, "p.yaml")
    assert exc.value.problems == problems


def test_framework_syntax_empty_and_not_a_mapping():
    with pytest.raises(FrameworkError, match=r"^p.yaml:2: \(yaml\): expected the node content"):
        parse_framework("id: [\n", "p.yaml")
    with pytest.raises(FrameworkError, match=r"^p.yaml:1: \(file\): 文件为空$"):
        parse_framework("", "p.yaml")
    with pytest.raises(FrameworkError, match=r"^p.yaml:1: : 应为映射（键: 值）$"):
        parse_framework("- a\n- b\n", "p.yaml")


def test_rule_parameters_come_from_the_kinds_models():
    from decimal import Decimal

    from jixiao.scoring import RULES

    fw = parse_framework(FW.replace("{kind: proportional, ratio: r}",
                                    "{kind: steps, ratio: r, deduct: 0.3, tag: I, note: 每超 1 点扣 0.3}"), "p.yaml")
    params = fw.tree[1].rule.params
    assert params == {"ratio": "r", "limit": Decimal(100), "direction": "above", "per": Decimal(1),
                      "deduct": Decimal("0.3"), "count": "exact"}  # defaults from the kind's model; tag/note kept out
    assert str(params["deduct"]) == "0.3"  # read from its text, never through a float
    assert set(RULES["steps"].params) == {"ratio", "limit", "direction", "per", "deduct", "count"}


# the evaluation file test_evalfile.py reads too; the cases below edit it line by line
EV = (Path(__file__).parent / "fixtures" / "evaluation.yaml").read_text(encoding="utf-8")

EVAL_CASES = [
    ([("executed: \"1,300.5\"", "executed: abc"), ("scope: project", "scopee: project")],
     "第 3 行 scopee: 未知的键（是否为 scope？）；第 6 行 budget.executed: 应为数字，而不是 'abc'", 3, "scopee"),
    ([("year: 2024", "year: 2024.5")], "第 2 行 year: 应为整数，而不是 2024.5", 2, "year"),
    ([("scope: project", "scope: dept")], "第 3 行 scope: 应为 department 或 project，而不是 'dept'", 3, "scope"),
    ([("adjusted: 130.10", "adjustd: 130.10")], "第 5 行 budget.adjustd: 未知的键（是否为 adjusted？）", 5,
     "budget.adjustd"),
    ([("name: 场次, ", "")], "第 9 行 indicators[0].name: 缺少指标名称", 9, "indicators[0].name"),
    ([("target: \"≥10场\"", "target: {a: 1}")], "第 9 行 indicators[0].target: 应为文字", 9, "indicators[0].target"),
    ([("weight: 15", "weight: true")], "第 9 行 indicators[0].weight: 应为数字", 9, "indicators[0].weight"),
    ([("stated: 100, ", "")], "第 11 行 other_rates[0]: 比率须有 name 与 stated", 11, "other_rates[0]"),
    ([("{name: 个案, total: 10, parts: {甲: 4, 乙: 6}}", "{name: 个案, parts: {甲: 4}}")],
     "第 14 行 breakdowns[0]: 须有 name 与 total", 14, "breakdowns[0]"),
    ([("deductions: [未定期开展资产清查]", "deductions: [{a: 1}]")], "第 15 行 deductions[0]: 应为文字", 15,
     "deductions[0]"),
    # impossible values are refused at the boundary with the one message of jixiao.model.input_problem
    ([("executed: \"1,300.5\"", "executed: -12.50")], "第 6 行 budget.executed: 执行数 -12.50 为负数", 6,
     "budget.executed"),
    ([("weight: 15", "weight: -5")], "第 9 行 indicators[0].weight: 分值 -5 为负数", 9, "indicators[0].weight"),
]


@pytest.mark.parametrize(("changes", "reason", "line", "key"), EVAL_CASES)
def test_evaluation_file_problems_name_line_and_key(changes, reason, line, key):
    text = EV
    for a, b in changes:
        assert a in text
        text = text.replace(a, b)
    with pytest.raises(EvaluationFileError) as exc:
        parse_evaluation(text, "e.yaml")
    err = exc.value
    assert (err.reason, err.line, err.key) == (reason, line, key)
    assert str(err) == f"e.yaml: {reason}" and "\n" not in str(err)


def test_evaluation_file_many_problems_are_capped():
    with pytest.raises(EvaluationFileError) as exc:
        parse_evaluation("\n".join(f"k{i}: 1" for i in range(25)), "e.yaml")
    assert exc.value.reason.startswith("第 1 行 k0: 未知的键；第 2 行 k1: 未知的键；")
    assert exc.value.reason.endswith("；另有 5 处问题")


def test_an_alias_bomb_in_a_framework_is_refused_with_its_line(tmp_path):
    from bench.hostile import yaml_alias_bomb
    from jixiao.scoring import FrameworkError, load_framework

    bad = tmp_path / "bomb.yaml"
    bad.write_text("id: bomb\nname: 炸弹\n" + yaml_alias_bomb(9), encoding="utf-8")
    with pytest.raises(FrameworkError) as err:
        load_framework(str(bad))
    assert f"{bad}:" in str(err.value) and "节点过多" in str(err.value)
