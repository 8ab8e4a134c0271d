"""Evaluation + framework → a score tree where every number explains itself.

The engine only routes: it matches indicator rows to framework leaves (by name
and aliases) or to user-defined groups (by level-1/level-2 name), asks each
leaf's rule kind for an :class:`~jixiao.scoring.rules.Outcome`, and sums the
parts. Which rule applies to which indicator lives in the framework YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.model import Evaluation, Indicator, plain
from jixiao.scoring.fmt import num, raw_text
from jixiao.scoring.framework import Framework, Node, form_frameworks, load_framework
from jixiao.scoring.ratios import RatioIndex
from jixiao.scoring.registry import RULES, Ctx, Outcome, norm_name

ZERO = Decimal(0)

DEPT_SHENZHEN_LEVEL1 = frozenset({"部门决策", "部门管理", "部门绩效"})
MOF_LEVEL1 = frozenset({"产出指标", "效益指标", "满意度指标"})


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the scores or weights, found while scoring (Chinese message)."""

    severity: str  # error / warning / info
    message: str
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"severity": self.severity, "message": self.message}
        if self.path:
            out["path"] = self.path
        return out


@dataclass(slots=True)
class ScoredItem:
    """One scored indicator: the score, the stated score, and how the score came about.

    Treat as immutable. It is not a frozen dataclass on purpose: frozen construction cost ~10× a plain one
    and was the largest single cost of scoring in ``bench/scoring.py`` (one item per indicator row).
    """

    path: str
    name: str
    weight: Decimal | None
    score: Decimal | None
    rule: str
    inputs: Mapping[str, Any]
    text: Any = field(compare=False, repr=False)  # (formula, reason), or the function that makes them
    recomputed: bool
    stated: Decimal | None = None
    level1: str | None = None
    level2: str | None = None
    index: int | None = None  # position in Evaluation.indicators, None when the row is absent
    applicable: bool = True
    tag: str | None = None  # V/S/M/I of the rule, from the framework
    problems: tuple[Problem, ...] = ()

    @property
    def formula(self) -> str:
        """The computation with the numbers filled in."""
        return self._texts()[0]

    @property
    def reason(self) -> str:
        """Why this score (扣分原因), in Chinese."""
        return self._texts()[1]

    def _texts(self) -> tuple[str, str]:
        t = self.text
        if not isinstance(t, tuple):
            t = self.text = t()
        return t

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "name": self.name, "level1": self.level1, "level2": self.level2,
            "weight": plain(self.weight), "score": plain(self.score), "stated": plain(self.stated), "rule": self.rule,
            "inputs": plain(dict(self.inputs)), "formula": self.formula, "reason": self.reason,
            "recomputed": self.recomputed, "applicable": self.applicable, "index": self.index, "tag": self.tag,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass(frozen=True, slots=True)
class ScoreResult:
    framework: str
    rounding: str
    total: Decimal | None
    grade: str | None
    parts: dict[str, Decimal]
    items: tuple[ScoredItem, ...]
    problems: tuple[Problem, ...] = ()  # weights and structure; item problems live on the items
    places: int = 2
    framework_name: str = ""
    scored: bool = True  # False under a framework for a form with nothing to score (see Framework.scored)

    def item(self, name: str) -> ScoredItem | None:
        """The item with this name (whitespace-insensitive), or None."""
        key = norm_name(name)
        return next((it for it in self.items if norm_name(it.name) == key), None)

    def all_problems(self) -> list[Problem]:
        return [*self.problems, *(p for it in self.items for p in it.problems)]

    def to_json(self) -> dict[str, Any]:
        return {
            "framework": self.framework, "rounding": self.rounding, "scored": self.scored, "total": plain(self.total),
            "grade": self.grade,
            "parts": {k: plain(v) for k, v in self.parts.items()},
            "items": [it.to_json() for it in self.items],
            "problems": [p.to_json() for p in self.problems],
        }


# --------------------------------------------------------------------------- detection


def detect_framework(ev: Evaluation) -> str:
    """Choose the framework from what the evaluation shows (see docs/scoring.md).

    A form the extractor recognised (``ev.form``) goes to the built-in framework that lists it under ``forms``.
    """
    if ev.form and ev.form in form_frameworks():
        return form_frameworks()[ev.form]
    level1 = {norm_name(i.level1) for i in ev.indicators if i.level1}
    if level1 & DEPT_SHENZHEN_LEVEL1:
        return "dept-shenzhen"
    if ev.scope == "project" or level1 & MOF_LEVEL1:
        return "mof-project-2020"
    if any(norm_name(i.name) == "预算执行率" and i.weight == 10 for i in ev.indicators):
        return "mof-project-2020"
    return "dept-common-2013"


def score_evaluation(ev: Evaluation, framework: str | Framework | None = None,
                     frameworks_dir: str | Path | None = None) -> ScoreResult:
    """Score ``ev`` under ``framework`` (an id, a YAML path, a Framework, or None to detect)."""
    fw = framework if isinstance(framework, Framework) else load_framework(
        framework or detect_framework(ev), frameworks_dir)
    hit = _SCORERS.get(id(fw))
    if hit is None or hit[0] is not fw:
        if len(_SCORERS) > 64:
            _SCORERS.clear()
        hit = _SCORERS[id(fw)] = (fw, Scorer(fw))
    return hit[1].score(ev)


_SCORERS: dict[int, tuple[Framework, Scorer]] = {}  # loaded frameworks are cached, so are their plans


# --------------------------------------------------------------------------- scoring


class Scorer:
    """A framework compiled into a flat plan, ready to score many evaluations (the bench reuses one)."""

    def __init__(self, fw: Framework):
        self.fw = fw
        self._na = frozenset(fw.not_applicable)
        # per level-1 node: ("leaf", node, level1, level2, path, kind, params, is_top) or ("group", node, kind, params)
        self._plan: list[tuple[Node, list[tuple]]] = []
        for top in fw.tree:
            steps: list[tuple] = []
            self._compile(top, top, None, steps)
            self._plan.append((top, steps))

    def _compile(self, node: Node, top: Node, level2: Node | None, steps: list[tuple]) -> None:
        if node.children:
            for c in node.children:
                self._compile(c, top, node if node is not top else level2, steps)
        elif node.rule is not None:
            l2 = level2.name if level2 is not None else None
            is_top = node is top
            path = "/".join(x for x in (None if is_top else top.name, l2, node.name) if x)
            steps.append(("leaf", node, top.name, l2, path, RULES[node.rule.kind], node.rule.params, is_top))
        else:
            steps.append(("group", node, RULES[node.user_defined.kind], node.user_defined.params))

    def score(self, ev: Evaluation) -> ScoreResult:
        fw = self.fw
        if not fw.scored:  # a form with nothing to score: say so instead of a partial, meaningless table
            return ScoreResult(framework=fw.id, rounding=fw.rounding, total=None, grade=None, parts={}, items=(),
                               problems=(Problem("info", fw.reason or "该框架不计分"),), places=fw.places,
                               framework_name=fw.name, scored=False)
        index = RatioIndex(ev, fw)
        index.ctx = Ctx("", ZERO, None, None, ev, fw, index)
        leaf_rows: dict[int, tuple[int, Indicator]] = {}
        group_rows: dict[int, list[tuple[int, Indicator]]] = {}
        extra: list[tuple[int, Indicator]] = []
        leaf_index, group_index = fw.leaf_index, fw.group_index
        for i, row in enumerate(ev.indicators):
            hit = leaf_index.get(norm_name(row.name))
            if hit is not None and id(hit[0]) not in leaf_rows:
                leaf_rows[id(hit[0])] = (i, row)
                continue
            g = None
            if row.level2:
                g = group_index.get(norm_name(row.level2))
            if g is None and row.level1:
                g = group_index.get(norm_name(row.level1))
            if g is not None:
                group_rows.setdefault(id(g), []).append((i, row))
            else:
                extra.append((i, row))

        items: list[ScoredItem] = []
        problems: list[Problem] = []
        missing: list[str] = []
        parts: dict[str, Decimal] = {}
        complete = True
        item = self._item
        for top, steps in self._plan:
            ok = True
            total_part = ZERO
            n_part = 0
            unscored = False
            for step in steps:
                if step[0] == "leaf":
                    _, node, l1, l2, path, kind, params, is_top = step
                    i, row = leaf_rows.get(id(node), (None, None))
                    if row is None and not kind.recomputes:
                        missing.append(node.name)
                        ok = False
                        continue
                    if row is not None and not is_top:
                        l1 = row.level1 or l1
                        l2 = row.level2 or l2
                    it = item(node, row.name if row else node.name, node.weight, row, i, ev, index, l1, l2, path,
                              kind, params)
                    if row is None and not it.recomputed:
                        missing.append(node.name)
                        ok = False
                        continue
                    if row is not None and row.weight is not None and row.weight != node.weight:
                        it = _add_problem(it, Problem(
                            "warning", f"分值 {num(row.weight)} 与框架规定的 {num(node.weight)} 不一致", path))
                    items.append(it)
                    if it.applicable:
                        n_part += 1
                        if it.score is None:
                            unscored = True
                        else:
                            total_part += it.score
                    continue
                _, node, kind, params = step  # a group of user-defined indicators (MoF 三级指标)
                rows = group_rows.get(id(node), ())
                wsum = ZERO
                for i, row in rows:
                    path = "/".join(x for x in (node.name, row.level2, row.name) if x)
                    it = item(None, row.name, row.weight, row, i, ev, index, row.level1 or node.name, row.level2,
                              path, kind, params, node.tag)
                    items.append(it)
                    wsum += row.weight or ZERO
                    if it.applicable:
                        n_part += 1
                        if it.score is None:
                            unscored = True
                        else:
                            total_part += it.score
                if rows and wsum != node.weight:
                    problems.append(Problem("warning", f"{node.name} 各指标分值合计 {num(wsum)}，与默认分值 "
                                                       f"{num(node.weight)} 不同（特殊情况可调整，须说明）", node.name))
                elif not rows and node.weight:
                    problems.append(Problem("warning", f"没有 {node.name}（默认分值 {num(node.weight)}）", node.name))
            if n_part and ok and not unscored:
                parts[top.name] = total_part
            elif n_part or not ok:
                complete = False
        for i, row in extra:
            path = "/".join(x for x in (row.level1, row.level2, row.name) if x)
            it = item(None, row.name, row.weight, row, i, ev, index, row.level1, row.level2, path, RULES["stated"], {})
            it = _add_problem(it, Problem("warning", f"指标“{row.name}”不在评分框架 {fw.id} 中，保留自评得分", path))
            items.append(it)
            if it.score is None:
                complete = False
            elif row.level1:
                parts[row.level1] = parts.get(row.level1, ZERO) + it.score

        applicable = [it for it in items if it.applicable]
        total: Decimal | None = None
        if applicable and complete and all(it.score is not None for it in applicable):
            total = sum((it.score for it in applicable), ZERO)
            if len(applicable) < len(items) and fw.rescale_not_applicable:
                aw = sum((it.weight or ZERO for it in applicable), ZERO)
                if aw:
                    raw = total * fw.total / aw
                    total = fw.round(raw)
                    problems.append(Problem("info", f"有不适用的指标，得分按 {num(fw.total)} / {num(aw)} 折算："
                                                    f"{raw_text(raw)} → {num(total)}"))
        if missing:
            problems.append(Problem("warning", "缺少以下指标的得分或数据，未计总分：" + "、".join(missing)))
        elif items:
            wsum = sum((it.weight or ZERO for it in items), ZERO)
            if wsum != fw.total:
                problems.append(Problem("error", f"各指标分值合计 {num(wsum)} ≠ 总分 {num(fw.total)}"))
        return ScoreResult(framework=fw.id, rounding=fw.rounding, total=total, grade=fw.grade(total), parts=parts,
                           items=tuple(items), problems=tuple(problems), places=fw.places, framework_name=fw.name)

    def _item(self, node: Node | None, name: str, weight: Decimal | None, row: Indicator | None, i: int | None,
              ev: Evaluation, index: RatioIndex, l1: str | None, l2: str | None, path: str, kind: Any,
              params: Mapping[str, Any], tag: str | None = None) -> ScoredItem:
        stated = row.score if row is not None else None
        if tag is None and node is not None:
            tag = node.tag
        if row is not None and self._na and self._not_applicable(row):
            return ScoredItem(path, name, weight, None, "not_applicable", {"actual": row.actual},
                              ("不适用", "指标不适用，不计入总分，其余得分按适用分值折算到满分"), False, stated, l1, l2, i,
                              False, tag)
        if weight is None:
            return ScoredItem(path, name, None, stated, "stated", {"stated": stated},
                              (f"自评得分 {num(stated)}", "未给出分值，保留自评得分"), False, stated, l1, l2, i, True, None,
                              (Problem("warning", "未给出分值", path),))
        ctx = index.ctx  # one Ctx per evaluation, re-aimed at each item
        ctx.name, ctx.weight, ctx.stated, ctx.row = name, weight, stated, row
        out: Outcome = kind.fn(ctx, params)
        problems: tuple[Problem, ...] = ()
        if out.problems:
            problems = tuple(Problem(sev, msg, path) for sev, msg in out.problems)
        if out.recomputed and stated is not None and stated != out.score:
            extra = [Problem("warning", f"自评得分 {num(stated)} 与按规则重算的 {num(out.score)} 不一致", path)]
            if stated > weight or stated < 0:
                extra.insert(0, Problem("error", f"自评得分 {num(stated)} 超出 0 至分值 {num(weight)} 的范围", path))
            problems += tuple(extra)
        return ScoredItem(path, name, weight, out.score, out.rule, out.inputs, out.text(), out.recomputed, stated, l1, l2, i, True, tag, problems)

    def _not_applicable(self, row: Indicator) -> bool:
        na = self._na
        return row.actual in na or row.target in na or row.deviation in na or any(
            t and t.strip() in na for t in (row.actual, row.target))


def _add_problem(item: ScoredItem, p: Problem) -> ScoredItem:
    item.problems = (*item.problems, p)
    return item
