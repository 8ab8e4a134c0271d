"""Evaluation + framework → a score tree where every number explains itself.

The engine only routes: it matches indicator rows to framework leaves (by name and aliases) or to
user-defined groups (by level-1/level-2 name), asks each leaf's rule kind for an
:class:`~jixiao.scoring.registry.Outcome`, and sums the parts. Which rule applies to which indicator lives
in the framework. What cannot be scored is said, not guessed: a leaf without inputs is *missing* (listed
once), an impossible input leaves its item unscored, the total is given only when every item is scored —
otherwise the result is *partial* (``已评 3 项 / 共 27 项，可评分值 11 分，得 10.96 分``). The report's rows
that the framework does not have are *others* (``报告所列其他指标``), shown with their project and never
counted under a framework group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from jixiao.model import Evaluation, Indicator, input_problem, plain
from jixiao.scoring.fmt import num, raw_text
from jixiao.scoring.framework import Framework, Node
from jixiao.scoring.ratios import RatioIndex
from jixiao.scoring.registry import RULES, Ctx, Outcome, norm_name

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the scores, weights or inputs, found while scoring (Chinese message).

    ``kind``: ``definition`` (a ratio stated on another base than the framework's), ``input`` (an impossible
    value: a negative amount or 分值, a zero denominator), ``missing`` (what keeps the total from being
    computed), None for the rest. ``stated``/``recomputed``/``arithmetic`` show the working when there is one.
    """

    severity: str  # error / warning / info
    message: str
    path: str | None = None
    kind: str | None = None
    stated: str | None = None
    recomputed: str | None = None
    arithmetic: str | None = None
    where: str | None = None  # the evaluation field it is about (``budget.executed``), for its evidence

    def to_json(self) -> dict[str, Any]:
        out = {"severity": self.severity, "message": self.message}
        for key in ("path", "kind", "stated", "recomputed", "arithmetic", "where"):
            if getattr(self, key):
                out[key] = getattr(self, key)
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
    project: str | None = None  # the project the report files the row under (others section)

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
        out = {
            "path": self.path, "name": self.name, "level1": self.level1, "level2": self.level2,
            "weight": plain(self.weight), "score": plain(self.score), "stated": plain(self.stated), "rule": self.rule,
            "inputs": plain(dict(self.inputs)), "formula": self.formula, "reason": self.reason,
            "recomputed": self.recomputed, "applicable": self.applicable, "index": self.index, "tag": self.tag,
            "problems": [p.to_json() for p in self.problems],
        }
        if self.project:
            out["project"] = self.project
        return out


@dataclass(frozen=True, slots=True)
class Partial:
    """What could be scored when the total could not: ``已评 3 项 / 共 27 项，可评分值 11 分，得 10.96 分``."""

    scored: int
    items: int
    weight: Decimal
    points: Decimal

    def text(self) -> str:
        return f"已评 {self.scored} 项 / 共 {self.items} 项，可评分值 {num(self.weight)} 分，得 {num(self.points)} 分"

    def to_json(self) -> dict[str, Any]:
        return {"scored": self.scored, "items": self.items, "weight": plain(self.weight),
                "points": plain(self.points), "text": self.text()}

    @classmethod
    def parse(cls, text: str | None) -> Partial | None:
        """The partial score back from its text (a stored finding's ``recomputed``), or None."""
        m = _PARTIAL_RE.search(text or "")
        if m is None:
            return None
        return cls(int(m.group(1)), int(m.group(2)), Decimal(m.group(3)), Decimal(m.group(4)))

    @classmethod
    def tally(cls) -> PartialTally:
        return PartialTally()


class PartialTally:
    """Partial scores of several reports added up (``jixiao batch --summary``)."""

    def __init__(self) -> None:
        self.reports = 0
        self.sum = Partial(0, 0, ZERO, ZERO)

    def add(self, text: str | None) -> None:
        p = Partial.parse(text)
        if p is not None:
            self.reports += 1
            s = self.sum
            self.sum = Partial(s.scored + p.scored, s.items + p.items, s.weight + p.weight, s.points + p.points)

    def to_json(self) -> dict[str, Any] | None:
        if not self.reports:
            return None
        return {"reports": self.reports, **self.sum.to_json()}


_PARTIAL_RE = re.compile(r"已评 (\d+) 项 / 共 (\d+) 项，可评分值 (-?[\d.]+) 分，得 (-?[\d.]+) 分")


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
    missing: tuple[str, ...] = ()  # framework leaves with neither a row nor the figures to compute them
    others: tuple[ScoredItem, ...] = ()  # the report's rows the framework does not have (报告所列其他指标)
    why: str | None = None  # why this framework was chosen (see jixiao.scoring.choose)
    own_table: bool = False  # scored under a framework built from the report's own table

    def item(self, name: str) -> ScoredItem | None:
        """The item with this name (whitespace-insensitive), or None."""
        key = norm_name(name)
        return next((it for it in self.items if norm_name(it.name) == key), None)

    def all_problems(self) -> list[Problem]:
        return [*self.problems, *(p for it in (*self.items, *self.others) for p in it.problems)]

    @property
    def partial(self) -> Partial | None:
        """The part that could be scored, when there is a part and no total."""
        if self.total is not None or not self.scored:
            return None
        done = [it for it in self.items if it.applicable and it.score is not None and it.weight is not None]
        if not done:
            return None
        return Partial(len(done), len([it for it in self.items if it.applicable]) + len(self.missing),
                       sum((it.weight or ZERO for it in done), ZERO), sum((it.score for it in done), ZERO))

    def to_json(self) -> dict[str, Any]:
        partial = self.partial
        return {
            "framework": self.framework, "framework_name": self.framework_name, "why": self.why,
            "own_table": self.own_table, "rounding": self.rounding, "scored": self.scored,
            "total": plain(self.total), "grade": self.grade,
            "partial": partial.to_json() if partial else None,
            "parts": {k: plain(v) for k, v in self.parts.items()},
            "items": [it.to_json() for it in self.items],
            "missing": list(self.missing),
            "others": [it.to_json() for it in self.others],
            "problems": [p.to_json() for p in self.problems],
        }


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
                               framework_name=fw.name, scored=False, own_table=fw.own_table)
        index = RatioIndex(ev, fw)
        index.ctx = Ctx("", ZERO, None, None, ev, fw, index)
        places: list[Any] = [ev, fw.places]  # the table's written precision, worked out on first need
        leaf_rows: dict[int, tuple[int, Indicator]] = {}
        group_rows: dict[int, list[tuple[int, Indicator]]] = {}
        extra: list[tuple[int, Indicator]] = []
        match, leaf_index, group_index, own = fw.match, fw.leaf_index, fw.group_index, fw.own_table
        for i, row in enumerate(ev.indicators):
            hit: Any = None
            if not own:  # the common cases without a call: a leaf by its name, a group by its level 2 or 1
                leaf = leaf_index.get(norm_name(row.name))
                if leaf is not None:
                    hit = ("leaf", leaf[0])
                else:
                    g = group_index.get(norm_name(row.level2)) if row.level2 else None
                    if g is None and row.level1:
                        g = group_index.get(norm_name(row.level1))
                    if g is not None:
                        hit = ("group", g)
            if hit is None:
                hit = match(row, i)
            if hit is not None and hit[0] == "leaf" and id(hit[1]) not in leaf_rows:
                leaf_rows[id(hit[1])] = (i, row)
            elif hit is not None and hit[0] == "group":
                group_rows.setdefault(id(hit[1]), []).append((i, row))
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
                              kind, params, None, places)
                    if row is None and not it.recomputed and not it.problems:
                        missing.append(node.name)
                        ok = False
                        continue
                    if row is not None and row.weight is not None and row.weight != node.weight \
                            and not fw.own_table:
                        it.problems = (*it.problems, Problem(
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
                              path, kind, params, node.tag, places)
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
        others = [self._other(i, row, ev, index) for i, row in extra]

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
        unscored_items = [it.name for it in applicable if it.score is None]
        if missing or unscored_items:
            what = "、".join([*missing, *unscored_items])
            problems.append(Problem("warning", f"缺少以下指标的得分或数据，未计总分：{what}", kind="missing"))
        elif items:
            wsum = sum((it.weight or ZERO for it in items), ZERO)
            if wsum != fw.total:
                total = None  # a sum out of another total is not a score out of 100: partial, said so
                if fw.own_table and wsum < fw.total:
                    problems.append(Problem("warning", f"表内各指标分值合计 {num(wsum)}，不足 {num(fw.total)} 分，"
                                                       "指标表可能不完整，未计总分", kind="missing"))
                else:
                    problems.append(Problem("error", f"各指标分值合计 {num(wsum)} ≠ 总分 {num(fw.total)}，未计总分",
                                            kind="missing"))
        if others and not fw.own_table:
            problems.append(Problem("info", f"报告所列其他指标 {len(others)} 项不在评分框架 {fw.id} 中，"
                                            "单独列出，不计入框架得分"))
        return ScoreResult(framework=fw.id, rounding=fw.rounding, total=total, grade=fw.grade(total), parts=parts,
                           items=tuple(items), problems=tuple(problems), places=fw.places, framework_name=fw.name,
                           missing=tuple(missing), others=tuple(others), own_table=fw.own_table)

    def _other(self, i: int, row: Indicator, ev: Evaluation, index: RatioIndex) -> ScoredItem:
        """A report row the framework does not have: kept as stated, outside every framework group."""
        path = "/".join(x for x in (row.project, row.level1, row.level2, row.name) if x)
        it = self._item(None, row.name, row.weight, row, i, ev, index, row.level1, row.level2, path,
                        RULES["stated"], {})
        it.project = row.project
        it.inputs = {**it.inputs, "target": row.target, "actual": row.actual}
        it.problems = ()  # the one note for all of them is on the result
        return it

    def _item(self, node: Node | None, name: str, weight: Decimal | None, row: Indicator | None, i: int | None,
              ev: Evaluation, index: RatioIndex, l1: str | None, l2: str | None, path: str, kind: Any,
              params: Mapping[str, Any], tag: str | None = None, places: list[Any] | None = None) -> ScoredItem:
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
        if weight < ZERO:
            msg = f"{input_problem('weight', weight)}，该项不计分"
            return ScoredItem(path, name, weight, None, "invalid", {"weight": weight}, ("—", msg), False, stated, l1,
                              l2, i, True, tag, (Problem("error", msg, path, "input", num(weight), None,
                                                         "分值应 ≥ 0", f"indicators[{i}].weight"),))
        ctx = index.ctx  # one Ctx per evaluation, re-aimed at each item
        ctx.name, ctx.weight, ctx.stated, ctx.row = name, weight, stated, row
        out: Outcome = kind.fn(ctx, params)
        problems: tuple[Problem, ...] = ()
        if out.problems:
            problems = tuple(Problem(p[0], p[1], path, *p[2:]) for p in out.problems)
        if index.pending:
            problems += tuple(Problem(p.severity, p.message, path, p.kind, p.stated, p.recomputed, p.arithmetic,
                                      p.where) for p in index.pending)
            index.pending.clear()
        score = out.score
        if out.recomputed and stated is not None and stated != score and score is not None:
            written = None
            if places:
                if len(places) == 2:  # not worked out yet: only a score written with fewer decimals asks
                    exp = stated.as_tuple().exponent
                    if isinstance(exp, int) and -exp < places[1]:
                        places[:] = [_table_places(*places)]
                if len(places) == 1:
                    written = places[0]
            if written is not None and _fits_written(stated, out.raw if out.raw is not None else score, weight,
                                                     written):
                precision = "整数" if written == 0 else f"{written} 位小数"
                problems += (Problem("info", f"表内得分写到{precision}：按规则 {num(score)} 分，按该精度取为自评的 "
                                             f"{num(stated)} 分，视为相符", path),)
                score = stated
            else:
                extra = [Problem("warning", f"自评得分 {num(stated)} 与按规则重算的 {num(score)} 不一致", path)]
                if stated > weight or stated < 0:
                    extra.insert(0, Problem("error", f"自评得分 {num(stated)} 超出 0 至分值 {num(weight)} 的范围", path))
                problems += tuple(extra)
        return ScoredItem(path, name, weight, score, out.rule, out.inputs, out.text(), out.recomputed, stated, l1,
                          l2, i, True, tag, problems)

    def _not_applicable(self, row: Indicator) -> bool:
        na = self._na
        return row.actual in na or row.target in na or row.deviation in na or any(
            t and t.strip() in na for t in (row.actual, row.target))


def _table_places(ev: Evaluation, fw_places: int) -> int | None:
    """The decimals a table writes its scores with, when fewer than the framework's (9 where a rule gives
    9.78), else None. Seed 004 writes 1.99 and 5.62: None, scores are compared as the framework rounds."""
    places = -1
    for row in ev.indicators:
        s = row.score
        if s is not None:
            exp = s.as_tuple().exponent
            places = max(places, -exp if isinstance(exp, int) and exp < 0 else 0)
            if places >= fw_places:
                return None
    return places if places >= 0 else None


def _fits_written(stated: Decimal, score: Decimal, weight: Decimal, places: int) -> bool:
    """The stated score is the rule's score cut or rounded to the table's precision — but full marks only
    for a met target (a rule's score below the weight never rounds up to full marks)."""
    unit = ONE.scaleb(-places)
    if stated not in (score.quantize(unit, ROUND_DOWN), score.quantize(unit, ROUND_HALF_UP)):
        return False
    return not (stated >= weight > score)
