"""The report's own indicator table as a framework.

Many reports carry their own score table (a Hubei 20分 form, a county 整体自评表, a Hebei 一体化 form …)
that no shipped framework describes. Its rows are scored under a framework built from the table itself:
the weights are the table's; a row the frameworks know gets the rule they use — the 预算执行率 row
w × min(执行数/预算数, 100%), a 资金到位率 row against 100 %, a 满意度 row with only a percentage by the
satisfaction bands, a row with a numeric target and actual as 正向 / 反向 / 等于 (``auto``); every other row
keeps its stated score, marked as a judgement. Totals, part sums and the grade are then recomputed by the
engine like under any framework; the total is given only when the table's 分值 add up to 100.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from jixiao.model import Evaluation, Indicator
from jixiao.scoring.framework import Framework, Node, RatioDef, Rule
from jixiao.scoring.quantity import parse_quantity
from jixiao.scoring.registry import RULES, match_name

OWN_ID = "own-table"
OWN_NAME = "报告自带的指标评分表"
NO_LEVEL1 = "（未列一级指标）"
ROW_RATE = "本行实际值"

#: Level-1 names under which a form prints its 预算执行率 row (年度资金总额 … 分值 执行率 得分).
BUDGET_LEVEL1 = frozenset(map(match_name, ("项目资金", "资金情况", "预算执行情况", "预算执行率", "资金执行情况",
                                           "年度预算申请", "预算资金", "资金投入", "年度资金总额")))
BUDGET_NAMES = frozenset(map(match_name, ("预算执行率", "执行率", "资金执行率", "年度资金总额", "项目资金",
                                          "预算执行情况")))
#: 满意度 bands (of the weight) of the 53号 common framework: ≥ 90 % full, [80, 90) 80 %, [60, 80) 60 %.
SATISFACTION_BANDS = ((Decimal(90), None, Decimal(1)), (Decimal(80), Decimal(90), Decimal("0.8")),
                      (Decimal(60), Decimal(80), Decimal("0.6")), (None, Decimal(60), Decimal(0)))


def has_table(ev: Evaluation) -> bool:
    """True when the report states indicator rows with weights (分值)."""
    return any(row.weight is not None for row in ev.indicators)


#: Names that mean the budget's execution wherever the row sits (a bare 执行率 may be 政府采购's).
BUDGET_FULL_NAMES = frozenset(map(match_name, ("预算执行率", "资金执行率", "预算完成率", "预算资金执行率")))


def is_budget_row(row: Indicator) -> bool:
    """The 预算执行率 row of a form: by its level 1 (项目资金 …), by its full name, or a bare 执行率 with no
    level 2."""
    name = match_name(row.name)
    if name in BUDGET_FULL_NAMES or (row.level1 and match_name(row.level1) in BUDGET_LEVEL1):
        return True
    return not row.level2 and name in BUDGET_NAMES and not row.level1


def build(ev: Evaluation) -> Framework:
    """A framework whose tree is the evaluation's own table (level 1 → level 2 → row)."""
    tops: dict[str, dict[str | None, list[Node]]] = {}
    top_weights: dict[str, Decimal | None] = {}
    budget_leaf: Node | None = None
    for i, row in enumerate(ev.indicators):
        budget = budget_leaf is None and is_budget_row(row)
        if budget and (not row.level1 or match_name(row.level1) in BUDGET_LEVEL1):
            budget_leaf = _budget_leaf(row, i, 1)  # the form's own 年度资金总额 block: a level-1 leaf
            tops.setdefault(row.name, {})
            continue
        l1 = row.level1 or NO_LEVEL1
        leaf = _budget_leaf(row, i, 3) if budget else _leaf(row, i)
        budget_leaf = budget_leaf or (leaf if budget else None)
        tops.setdefault(l1, {}).setdefault(row.level2, []).append(leaf)
        if row.level1_weight is not None:
            top_weights.setdefault(l1, row.level1_weight)
    for l1, groups in tops.items():
        _share(groups, top_weights.get(l1))
    tree: list[Node] = []
    for l1, groups in tops.items():
        if budget_leaf is not None and budget_leaf.level == 1 and l1 == budget_leaf.name and not groups:
            tree.append(budget_leaf)
            continue
        children: list[Node] = []
        for l2, leaves in groups.items():
            if l2 is None:
                children.extend(leaves)
            else:
                children.append(Node(name=l2, weight=_sum(leaves), path=f"{l1}/{l2}", level=2, children=tuple(leaves)))
        w = top_weights.get(l1)
        tree.append(Node(name=l1, weight=w if w is not None else _sum(children), path=l1, level=1,
                         children=tuple(children)))
    return Framework(id=OWN_ID, name=OWN_NAME, file="（报告自带）", tree=tuple(tree), rounding="half_up", places=2,
                     total=Decimal(100), ratios=_ratios(ev), description="按报告自身指标表的分值评分", scope=ev.scope,
                     tag="V", builtin=True, own_table=True,
                     source="报告所列指标评分表；已知指标按 10号/53号 的规则重算（scoring-rules.md §1–§2）")


def _share(groups: dict[str | None, list[Node]], block: Decimal | None) -> None:
    """Rows without their own 分值 under a block whose 分值 the form states share it evenly (the Hubei forms'
    rule: 三级指标分值按三级指标个数平均确定), to 2 decimals, the last row taking the remainder."""
    leaves = [n for ns in groups.values() for n in ns]
    if block is None or not leaves or any(n.weight is not None for n in leaves):
        return
    each = (block / len(leaves)).quantize(Decimal("0.01"), ROUND_DOWN)
    for k, ns in groups.items():
        groups[k] = [replace(n, weight=each, note="分值按所在指标块的分值平均分配（表内未列本行分值）") for n in ns]
    last_key = next(k for k in reversed(groups) if groups[k])
    last = groups[last_key][-1]
    groups[last_key][-1] = replace(last, weight=block - each * (len(leaves) - 1))


def _budget_leaf(row: Indicator, i: int, level: int) -> Node:
    return Node(name=row.name, weight=row.weight, path=f"rows[{i}]", level=level,
                rule=Rule("budget_execution", {"ratio": "预算执行率"}), tag="V",
                note="表内预算执行率行：分值 × min(执行数/预算数, 100%)")


def _leaf(row: Indicator, i: int) -> Node:
    return Node(name=row.name, weight=row.weight, path=f"rows[{i}]", level=3, rule=_rule(row))


def _rule(row: Indicator) -> Rule:
    """The rule for one row: what the frameworks know about it, else its stated score (a judgement)."""
    name = match_name(row.name)
    actual = (row.actual or "").strip()
    target = (row.target or "").strip()
    if target and actual and parse_quantity(actual) is not None:
        return Rule("auto", RULES["auto"].defaults)
    if "满意" in name and not target and "%" in actual.replace("％", "%"):
        return Rule("bands", {"ratio": ROW_RATE, "bands": _satisfaction_bands(row.weight)})
    if "到位率" in name and not target and "%" in actual.replace("％", "%"):
        return Rule("proportional", {"ratio": None, "target": Decimal(100)})
    if target or actual:
        return Rule("auto", RULES["auto"].defaults)  # qualitative (its band checked) or a missing actual noted
    return Rule("stated", {})


def _satisfaction_bands(weight: Decimal | None) -> tuple[dict[str, Any], ...]:
    w = weight or Decimal(0)
    return tuple({"from": lo, "below": hi, "score": w * share} for lo, hi, share in SATISFACTION_BANDS)


def _ratios(ev: Evaluation) -> dict[str, RatioDef]:
    """预算执行率 on the table's own budget column: 全年(调整后) when it states one, else its 年初 column."""
    b = ev.budget
    adjusted = b.adjusted is not None or (len(ev.projects) == 1 and ev.projects[0].budget is not None)
    den = "adjusted" if adjusted or b.initial is None else "initial"
    syn = tuple(match_name(s) for s in ("预算执行率", "资金执行率", "执行率"))
    return {
        "预算执行率": RatioDef("预算执行率", "预算执行率", syn, "调整后" if den == "adjusted" else "年初", "executed", den,
                          "execution_rate", "V", "10号 自评表：全年执行数 / 全年预算数（表内预算数一栏）"),
        ROW_RATE: RatioDef(ROW_RATE, ROW_RATE, (), from_row=True),
    }


def _sum(nodes: list[Node] | tuple[Node, ...]) -> Decimal:
    return sum((n.weight for n in nodes if n.weight is not None), Decimal(0))
