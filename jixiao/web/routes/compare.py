"""对比分析: departments × years, charts, and the CSV export."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from jixiao.store import Viewer, json_dumps
from jixiao.web.deps import page, viewer, wb
from jixiao.web.views import chart_score, download, fmt_num, pivot_cell

router = APIRouter(include_in_schema=False)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str | None) -> str:
    """A text cell Excel will not run as a formula: a leading ``= + - @`` (tab, CR) gets a quote."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA) else text


def _year(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) == 4 else None


def comparison(request: Request, v: Viewer, region: str | None, year: int | None,
               dept_type: str | None) -> dict[str, Any]:
    """Departments × years with the chart data; cached until a report is added, processed or deleted."""
    bench = wb(request)
    scope = (v.role, v.region if v.role == "reviewer" else None, v.department if v.role == "filler" else None)
    key = (scope, region, year, dept_type)
    stamp = bench.store.fingerprint()
    with bench.compare_lock:
        hit = bench.compare_cache.get(key)
        if hit is not None and hit[0] == stamp:
            bench.compare_cache.move_to_end(key)
            return hit[1]
    rows = bench.store.reports(v, region=region, year=year, dept_type=dept_type, status="done", order="dept")
    years = sorted({r.year for r in rows if r.year is not None})
    cells: dict[str, dict[int, Any]] = defaultdict(dict)
    for r in rows:
        if r.year is not None:
            cells[r.department or "（未识别部门）"][r.year] = r  # ordered by id: the latest wins
    departments = sorted(cells)
    chart = {
        "departments": departments,
        "years": years,
        "bar": [[d, *[chart_score(cells[d].get(y)) for y in years]] for d in departments],
        "scores_by_year": {str(y): [chart_score(r) for r in rows if r.year == y and chart_score(r) is not None]
                           for y in years},
        "scatter": [[float(r.execution_rate), float(r.self_score if r.self_score is not None else r.score_total),
                     r.department or "", r.year, r.id]
                    for r in rows if r.execution_rate is not None
                    and (r.self_score is not None or r.score_total is not None)],
    }
    pivot = [(d, [pivot_cell(cells[d].get(y)) for y in years]) for d in departments]
    template = bench.templates.env.get_template("_pivot.html")
    data = {"rows": rows, "years": years, "departments": departments, "cells": cells,
            "pivot_html": Markup(template.render(pivot=pivot, years=years)),
            "chart_json": htmlsafe_json_dumps(chart, dumps=json_dumps)}
    with bench.compare_lock:
        bench.compare_cache[key] = (stamp, data)
        while len(bench.compare_cache) > 64:
            bench.compare_cache.popitem(last=False)
    return data


@router.get("/compare")
def compare_page(request: Request, region: str = "", year: str = "", dept_type: str = "",
                 v: Viewer = Depends(viewer)):
    y = _year(year)
    data = comparison(request, v, region or None, y, dept_type or None)
    return page(request, "compare.html", nav="compare", facets=wb(request).store.facets(v), region=region,
                year=year, dept_type=dept_type, **data)


@router.get("/compare.csv")
def compare_csv(request: Request, region: str = "", year: str = "", dept_type: str = "",
                v: Viewer = Depends(viewer)):
    y = _year(year)
    rows = wb(request).store.reports(v, region=region or None, year=y, dept_type=dept_type or None, status="done",
                                     order="dept")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["报告ID", "文件", "部门", "地区", "年度", "部门类型", "评分", "自评分", "等级", "预算执行率(%)",
                "问题数", "错误数"])
    for r in rows:
        w.writerow([r.id, csv_text(r.file_name), csv_text(r.department), csv_text(r.region), r.year or "",
                    csv_text(r.dept_type), fmt_num(r.score_total), fmt_num(r.self_score), csv_text(r.grade),
                    fmt_num(r.execution_rate), r.findings_count, r.errors_count])
    return download(("\ufeff" + buf.getvalue()).encode("utf-8"), "对比分析.csv", "text/csv; charset=utf-8")
