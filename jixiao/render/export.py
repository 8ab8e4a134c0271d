"""Exports for analysts: a flat figures CSV and a Fiscal Data Package style ``datapackage.json``.

``evaluations_to_csv`` writes one row per evaluation × figure (long format):
``doc, department, year, scope, path, label, phase, level1, level2, name, value, unit``.
``path`` is the Evaluation field path (``budget.adjusted``, ``indicators[3].score``), ``value``
the exact decimal as text (never a float), ``phase`` one of proposed / approved / adjusted /
executed for budget amounts (年初 / 批复 / 调整后 / 执行), empty otherwise.

``write_datapackage`` writes ``budget.csv`` (amounts by phase, FDP style), ``figures.csv``
(the long table above) and ``datapackage.json`` describing both.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.model import Evaluation

PHASES = {"proposed": "年初", "approved": "批复", "adjusted": "调整后", "executed": "执行"}
CSV_FIELDS = ("doc", "department", "year", "scope", "path", "label", "phase", "level1", "level2", "name",
              "value", "unit")
BUDGET_FIELDS = ("doc", "department", "year", "scope", "item", "phase", "phase_label", "amount")

#: Budget slot → (label, phase, unit). basic/project hold the split the report gives (adjusted or spend).
_BUDGET = {
    "initial": ("年初预算数", "proposed", "万元"),
    "adjusted": ("全年预算数（调整后）", "adjusted", "万元"),
    "executed": ("执行数", "executed", "万元"),
    "execution_rate": ("预算执行率", "", "%"),
    "basic": ("基本支出", "adjusted", "万元"),
    "project": ("项目支出", "adjusted", "万元"),
    "personnel": ("人员经费", "executed", "万元"),
    "public": ("日常公用经费", "executed", "万元"),
    "carryover_start": ("年初结转和结余", "", "万元"),
    "carryover_end": ("年末结转和结余", "", "万元"),
    "adjustment": ("预算调整数", "", "万元"),
    "adjustment_rate": ("预算调整率", "", "%"),
    "initial_basic": ("年初基本支出", "proposed", "万元"),
    "initial_project": ("年初项目支出", "proposed", "万元"),
    "public_initial": ("日常公用经费年初预算", "proposed", "万元"),
    "public_adjusted": ("日常公用经费调整后预算", "adjusted", "万元"),
}
_FUNDING = {"general_public": "一般公共预算", "gov_fund": "政府性基金预算", "state_capital": "国有资本经营预算",
            "other": "其他资金"}


def _s(d: Decimal | int | None) -> str:
    if d is None:
        return ""
    if isinstance(d, Decimal):
        return format(d, "f")
    return str(d)


def figure_rows(ev: Evaluation) -> Iterator[dict[str, str]]:
    """The long-format rows of one evaluation."""
    base = {"doc": ev.doc, "department": ev.department or "", "year": _s(ev.year), "scope": ev.scope or ""}

    def row(path: str, label: str, value: Any, unit: str = "", phase: str = "", **kw: str) -> dict[str, str]:
        return {**base, "path": path, "label": label, "phase": phase, "level1": kw.get("level1", ""),
                "level2": kw.get("level2", ""), "name": kw.get("name", ""), "value": _s(value), "unit": unit}

    for key, (label, phase, unit) in _BUDGET.items():
        v = getattr(ev.budget, key)
        if v is not None:
            yield row(f"budget.{key}", label, v, unit, phase)
    for key, label in _FUNDING.items():
        v = getattr(ev.funding, key)
        if v is not None:
            yield row(f"funding.{key}", label, v, "万元", "executed")
    for n, p in enumerate(ev.projects):
        for key, label, unit, phase in (("budget", "项目预算数", "万元", "adjusted"),
                                        ("executed", "项目执行数", "万元", "executed"),
                                        ("execution_rate", "项目执行率", "%", "")):
            v = getattr(p, key)
            if v is not None:
                yield row(f"projects[{n}].{key}", label, v, unit, phase, name=p.name)
    for n, ind in enumerate(ev.indicators):
        kw = {"level1": ind.level1 or "", "level2": ind.level2 or "", "name": ind.name}
        for key, label in (("weight", "分值"), ("score", "得分")):
            v = getattr(ind, key)
            if v is not None:
                yield row(f"indicators[{n}].{key}", label, v, "分", **kw)
    if ev.score.total is not None:
        yield row("score.total", "自评总分", ev.score.total, "分")
    for part, v in ev.score.parts.items():
        yield row(f"score.parts.{part}", f"{part}得分", v, "分", name=part)
    for key, label in (("authorized", "核定编制数"), ("actual", "实有人数"), ("retired", "退休人数")):
        v = getattr(ev.staffing, key)
        if v is not None:
            yield row(f"staffing.{key}", label, v, "人")
    for n, r in enumerate(ev.other_rates):
        yield row(f"other_rates[{n}].stated", r.name, r.stated, "%", name=r.name)


def evaluations_to_csv(evs: Iterable[Evaluation]) -> str:
    """All figures of all evaluations as one long CSV (header + one row per evaluation × figure)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for ev in evs:
        w.writerows(figure_rows(ev))
    return buf.getvalue()


def budget_rows(ev: Evaluation) -> Iterator[dict[str, str]]:
    """Amounts by budget phase (FDP style): one row per item × phase."""
    base = {"doc": ev.doc, "department": ev.department or "", "year": _s(ev.year), "scope": ev.scope or ""}
    items = {"initial": "合计", "adjusted": "合计", "executed": "合计", "basic": "基本支出", "project": "项目支出",
             "initial_basic": "基本支出", "initial_project": "项目支出", "personnel": "人员经费", "public": "日常公用经费",
             "public_initial": "日常公用经费", "public_adjusted": "日常公用经费"}
    for key, item in items.items():
        v = getattr(ev.budget, key)
        if v is not None:
            phase = _BUDGET[key][1]
            yield {**base, "item": item, "phase": phase, "phase_label": PHASES[phase], "amount": _s(v)}
    for p in ev.projects:
        for key, phase in (("budget", "adjusted"), ("executed", "executed")):
            v = getattr(p, key)
            if v is not None:
                yield {**base, "item": f"项目：{p.name}", "phase": phase, "phase_label": PHASES[phase],
                       "amount": _s(v)}
    for key, label in _FUNDING.items():
        v = getattr(ev.funding, key)
        if v is not None:
            yield {**base, "item": f"资金来源：{label}", "phase": "executed", "phase_label": PHASES["executed"],
                   "amount": _s(v)}


def _csv(rows: Iterable[dict[str, str]], fields: tuple[str, ...]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _schema(fields: tuple[str, ...], types: dict[str, str], titles: dict[str, str]) -> dict[str, Any]:
    return {"fields": [{"name": f, "type": types.get(f, "string"), **({"title": titles[f]} if f in titles else {})}
                       for f in fields]}


def write_datapackage(evs: Iterable[Evaluation], out_dir: Path) -> Path:
    """Write ``budget.csv``, ``figures.csv`` and ``datapackage.json`` into ``out_dir``; return the json path."""
    evs = list(evs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "budget.csv").write_text(_csv((r for ev in evs for r in budget_rows(ev)), BUDGET_FIELDS),
                                        encoding="utf-8")
    (out_dir / "figures.csv").write_text(evaluations_to_csv(evs), encoding="utf-8")
    titles = {"doc": "文件", "department": "单位", "year": "年度", "scope": "评价类型", "item": "项目",
              "phase": "预算阶段", "phase_label": "预算阶段（中文）", "amount": "金额（万元）", "path": "字段路径",
              "label": "名称", "level1": "一级指标", "level2": "二级指标", "name": "指标/项目名称", "value": "数值",
              "unit": "单位"}
    package = {
        "profile": "fiscal-data-package",
        "name": "jixiao-evaluations",
        "title": "预算绩效自评数据",
        "countryCode": "CN",
        "resources": [
            {
                "name": "budget", "path": "budget.csv", "profile": "tabular-data-resource", "format": "csv",
                "encoding": "utf-8",
                "schema": _schema(BUDGET_FIELDS, {"year": "integer", "amount": "number"}, titles),
            },
            {
                "name": "figures", "path": "figures.csv", "profile": "tabular-data-resource", "format": "csv",
                "encoding": "utf-8",
                "schema": _schema(CSV_FIELDS, {"year": "integer", "value": "number"}, titles),
            },
        ],
        "model": {
            "measures": {"amount": {"source": "amount", "currency": "CNY", "factor": 10000,
                                    "title": "金额（万元）", "resource": "budget"}},
            "dimensions": {
                "organisation": {"dimensionType": "entity", "primaryKey": ["department"],
                                 "attributes": {"department": {"source": "department"}}},
                "date": {"dimensionType": "datetime", "primaryKey": ["year"],
                         "attributes": {"year": {"source": "year"}}},
                "phase": {"dimensionType": "fact", "primaryKey": ["phase"],
                          "attributes": {"phase": {"source": "phase"}, "phase_label": {"source": "phase_label"}}},
                "item": {"dimensionType": "classification", "primaryKey": ["item"],
                         "attributes": {"item": {"source": "item"}}},
            },
        },
        "phases": PHASES,
    }
    path = out_dir / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
