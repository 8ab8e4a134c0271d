"""The view model every renderer reads: one dict built from an Evaluation and its ScoreResult.

Figures are ``Decimal``; the recomputed values (execution rate, scores) win over
the stated ones when a ScoreResult is given. Nothing is invented: a figure the
evaluation does not state stays ``None`` and renders as an empty cell.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jixiao.model import Evaluation, Finding, Indicator
from jixiao.numbers import quantize

EXEC_NAMES = ("预算执行率", "资金执行率", "项目资金执行率")
EXEC_LEVEL1 = ("项目资金", "预算执行", "资金执行")
_PATH_RE = re.compile(r"^indicators\[(\d+)\]")


def compute_score(ev: Evaluation, framework: str | None = None) -> Any:
    """The recomputed score tree the forms show (``jixiao.scoring.score_evaluation``)."""
    from jixiao.scoring import score_evaluation

    return score_evaluation(ev, framework)


def rate(num: Decimal | None, den: Decimal | None) -> Decimal | None:
    """``num / den`` in percent, two decimals (HALF_UP), or None."""
    if num is None or den is None or den == 0:
        return None
    return quantize(num * 100 / den, 2)


def is_exec_row(ind: Indicator) -> bool:
    """The 预算执行率 row of a project score table (it goes into the funds block)."""
    name = (ind.name or "").replace(" ", "")
    return any(n in name for n in EXEC_NAMES) and (
        ind.level1 is None or any(k in ind.level1 for k in EXEC_LEVEL1) or ind.level2 is None
    )


def _item_index(item: Any) -> int | None:
    m = _PATH_RE.match(str(getattr(item, "path", "") or ""))
    return int(m.group(1)) if m else None


def _match_items(ev: Evaluation, score_result: Any) -> dict[int, Any]:
    """Score items keyed by indicator index (by path, else by level1/level2/name)."""
    out: dict[int, Any] = {}
    items = list(getattr(score_result, "items", None) or ())
    by_key = {(i.level1, i.level2, i.name): n for n, i in enumerate(ev.indicators)}
    for item in items:
        idx = getattr(item, "index", None)
        if idx is None:
            idx = _item_index(item)
        if idx is None:
            idx = by_key.get((getattr(item, "level1", None), getattr(item, "level2", None),
                              getattr(item, "name", None)))
        if idx is not None and 0 <= idx < len(ev.indicators):
            out[idx] = item
    return out


def _unmatched_exec(score_result: Any) -> dict[str, Any] | None:
    """The engine's 预算执行率 item when the evaluation has no such row (it scores it from the budget)."""
    for item in getattr(score_result, "items", None) or ():
        name = str(getattr(item, "name", "") or "")
        if getattr(item, "index", 0) is None and any(n in name for n in EXEC_NAMES):
            return {"weight": item.weight, "score": item.score, "stated": getattr(item, "stated", None)}
    return None


def _row(ind: Indicator, item: Any, index: int) -> dict[str, Any]:
    score = ind.score
    weight = ind.weight
    reason = None
    if item is not None:
        if getattr(item, "score", None) is not None:
            score = item.score
        if getattr(item, "weight", None) is not None:
            weight = item.weight
        reason = getattr(item, "reason", None)
    return {
        "index": index,
        "level1": ind.level1 or "",
        "level2": ind.level2 or "",
        "name": ind.name,
        "nature": ind.nature or "",
        "target": ind.target or "",
        "actual": ind.actual or "",
        "weight": weight,
        "score": score,
        "stated": ind.score,
        "deviation": ind.deviation or "",
        "reason": reason,
        "level1_weight": ind.level1_weight,
        "level2_weight": ind.level2_weight,
    }


def _fill_group_weights(rows: list[dict[str, Any]], parts: dict[str, Decimal]) -> None:
    """Parents' 分值 when the table did not state them: the sum of the children's 分值."""
    l1: dict[str, Decimal] = {}
    l2: dict[tuple[str, str], Decimal] = {}
    for r in rows:
        if r["weight"] is None:
            continue
        l1[r["level1"]] = l1.get(r["level1"], Decimal(0)) + r["weight"]
        key = (r["level1"], r["level2"])
        l2[key] = l2.get(key, Decimal(0)) + r["weight"]
    for r in rows:
        if r["level1_weight"] is None:
            r["level1_weight"] = l1.get(r["level1"])
        if r["level2_weight"] is None:
            r["level2_weight"] = l2.get((r["level1"], r["level2"]))
        r["level1_score"] = parts.get(r["level1"])


def _sum(values: Any) -> Decimal | None:
    vals = [v for v in values if v is not None]
    return sum(vals, Decimal(0)) if vals else None


def build_context(ev: Evaluation, score_result: Any = None, findings: list[Finding] | None = None,
                  *, layout: Any = None) -> dict[str, Any]:
    """Everything a form or draft shows, as plain data (Decimals, strings, lists)."""
    b = ev.budget
    items = _match_items(ev, score_result)
    rows = [_row(ind, items.get(n), n) for n, ind in enumerate(ev.indicators)]
    exec_rows = [r for r, ind in zip(rows, ev.indicators, strict=True) if is_exec_row(ind)]
    exec_row = exec_rows[0] if exec_rows and ev.scope != "department" else None
    if exec_row is None and ev.scope != "department":
        exec_row = _unmatched_exec(score_result)
    grid_rows = [r for r in rows if r is not exec_row]

    parts: dict[str, Decimal] = {}
    total = ev.score.total
    grade = ev.score.grade
    if score_result is not None and getattr(score_result, "total", None) is not None:
        # a complete recomputation wins; an incomplete one (total None) leaves the stated figures
        parts.update({k: v for k, v in (getattr(score_result, "parts", None) or {}).items() if v is not None})
        total = score_result.total
        grade = getattr(score_result, "grade", None) or grade
    for k, v in ev.score.parts.items():
        parts.setdefault(k, v)
    if not parts and rows:
        for r in rows:
            if r["score"] is not None and r["level1"]:
                parts[r["level1"]] = parts.get(r["level1"], Decimal(0)) + r["score"]
    _fill_group_weights(grid_rows, parts)
    if total is None:
        total = _sum(r["score"] for r in rows)

    budget_total = b.adjusted if b.adjusted is not None else b.initial
    exec_rate = rate(b.executed, budget_total)
    if exec_rate is None:
        exec_rate = b.execution_rate
    project = ev.projects[0] if len(ev.projects) == 1 else None
    project_name = project.name if project else (ev.title or "")
    if project and budget_total is None:
        budget_total = project.budget
    executed = b.executed if b.executed is not None else (project.executed if project else None)
    if exec_rate is None:
        exec_rate = rate(executed, budget_total)

    f = ev.funding
    gov = _sum((f.general_public, f.gov_fund, f.state_capital))
    funds = {
        "current": {"initial": None, "budget": None, "executed": gov},
        "carryover": {"initial": None, "budget": b.carryover_start, "executed": None},
        "other": {"initial": None, "budget": None, "executed": f.other},
    }
    weight_total = _sum(r["weight"] for r in rows)
    level1 = _groups(grid_rows, parts)

    ctx: dict[str, Any] = {
        "doc": ev.doc,
        "year": ev.year,
        "year_text": str(ev.year) if ev.year else "    ",
        "department": ev.department or "",
        "implementer": ev.implementer or "",
        "supervisor": ev.supervisor or ev.department or "",
        "scope": ev.scope,
        "title": ev.title or "",
        "project_name": project_name,
        "budget": {
            "initial": b.initial, "adjusted": budget_total, "executed": executed,
            "rate": exec_rate, "stated_rate": b.execution_rate,
            "basic": b.basic, "project": b.project, "personnel": b.personnel, "public": b.public,
            "carryover_start": b.carryover_start, "carryover_end": b.carryover_end,
            "adjustment": b.adjustment, "adjustment_rate": b.adjustment_rate,
        },
        "exec": {
            "weight": exec_row["weight"] if exec_row else None,
            "score": exec_row["score"] if exec_row else None,
            "stated": exec_row["stated"] if exec_row else None,
        },
        "funds": funds,
        "goal": ev.goal or "",
        "achieved": ev.summary or "",
        "indicators": grid_rows,
        "all_indicators": rows,
        "groups": level1,
        "parts": parts,
        "total": total,
        "weight_total": weight_total,
        "grade": grade or grade_of(total),
        "problems": ev.problems or "",
        "measures": ev.measures or "",
        "deductions": _deductions(ev, rows),
        "findings": [f for f in (findings or []) if f.severity in ("error", "warning")],
        "signed_date": ev.signed_date or "",
        "framework": getattr(score_result, "framework", None),
        "scored": score_result is not None,
    }
    return ctx


def _groups(rows: list[dict[str, Any]], parts: dict[str, Decimal]) -> list[dict[str, Any]]:
    """Level-1 groups in order: name, 分值, 得分 (the part, else the rows' sum), 得分率."""
    out: list[dict[str, Any]] = []
    for r in rows:
        if not out or out[-1]["name"] != r["level1"]:
            out.append({"name": r["level1"], "weight": r.get("level1_weight"), "rows": []})
        out[-1]["rows"].append(r)
    for g in out:
        g["score"] = parts.get(g["name"], _sum(r["score"] for r in g["rows"]))
        g["rate"] = rate(g["score"], g["weight"])
    return [g for g in out if g["name"]]


def grade_of(total: Decimal | None) -> str:
    """优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below (财预〔2020〕10号 bands)."""
    if total is None:
        return ""
    if total >= 90:
        return "优"
    if total >= 80:
        return "良"
    if total >= 60:
        return "中"
    return "差"


def _deductions(ev: Evaluation, rows: list[dict[str, Any]]) -> list[str]:
    """One line per row scored below its 分值, with the scoring engine's reason when it gave one."""
    out: list[str] = []
    for r in rows:
        if r["weight"] is None or r["score"] is None or r["score"] >= r["weight"]:
            continue
        lost = r["weight"] - r["score"]
        line = f"{r['name']}（分值 {fmt_num(r['weight'])}，得分 {fmt_num(r['score'])}，扣 {fmt_num(lost)} 分）"
        if r["reason"]:
            line += f"：{r['reason']}"
        elif r["deviation"]:
            line += f"：{r['deviation']}"
        out.append(line)
    for d in ev.deductions:
        if d not in out:
            out.append(d)
    return out


def fmt_num(d: Decimal | None) -> str:
    """A weight or score as people write it: 15, 9.98, 2.5 (no exponent, no trailing zeros)."""
    if d is None:
        return ""
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def fmt_fixed(d: Decimal | None, places: int = 2) -> str:
    """An amount or rate with fixed decimals: 130.76, 99.76."""
    if d is None:
        return ""
    return format(quantize(d, places), "f")


def fmt_value(value: Any, fmt: str | None) -> str:
    """A cell value as display text for docx / html (xlsx uses number formats instead)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if fmt == "amount":
            return fmt_fixed(value)
        if fmt == "percent":
            return fmt_fixed(value) + "%"
        if fmt == "score":
            return fmt_fixed(value)
        return fmt_num(value)
    return str(value)
