"""How stored rows are shown: numbers for people, dicts for the API, downloads. No database access here."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.responses import JSONResponse as _JSONResponse
from fastapi.responses import Response

from jixiao.store import ROLE_LABELS, User, json_dumps

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABELS = {"queued": "排队中", "processing": "处理中", "done": "已完成", "error": "失败"}
SCOPE_LABELS = {"department": "部门整体", "project": "项目支出"}


class JSONResponse(_JSONResponse):
    """JSON with Decimal written as numbers and Chinese kept readable."""

    def render(self, content: Any) -> bytes:
        return json_dumps(content).encode("utf-8")


def fmt_num(value: Any, places: int | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places))
        text = format(value, "f")
        if "." in text and places is None:
            text = text.rstrip("0").rstrip(".")
        return text
    return str(value)


def safe_next(target: str) -> str:
    """A redirect target on this site only."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/reports"
    return target


def download(data: bytes, filename: str, media_type: str) -> Response:
    ascii_name = filename if re.fullmatch(r"[A-Za-z0-9._-]+", filename) else f"jixiao{Path(filename).suffix}"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


# -- API shapes -----------------------------------------------------------------------------------------
def user_json(user: User | None, *, active: bool = False) -> dict[str, Any] | None:
    if user is None:
        return None
    out = {"id": user.id, "name": user.name, "role": user.role, "role_label": ROLE_LABELS.get(user.role),
           "department": user.department, "region": user.region}
    if active:
        out["active"] = bool(user.active)
    return out


def department_json(d: Any) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "region": d.region, "dept_type": d.dept_type,
            "created_at": d.created_at.isoformat() if d.created_at else None}


def form_json(form: Any) -> dict[str, Any]:
    return {"id": form.id, "version": form.version, "department": form.department, "region": form.region, "year": form.year,
            "title": form.title, "framework": form.framework, "data": form.data,
            "updated_at": form.updated_at.isoformat() if form.updated_at else None}


def review_json(r: Any) -> dict[str, Any]:
    return {"id": r.id, "finding_index": r.finding_index, "code": r.finding_code, "decision": r.decision,
            "comment": r.comment, "user": r.user_name, "at": r.created_at.isoformat()}


def report_json(report: Any, full: bool = True) -> dict[str, Any]:
    out = {"id": report.id, "file": report.file_name, "sha256": report.sha256, "status": report.status,
           "error": report.error, "department": report.department, "region": report.region,
           "year": report.year, "scope": report.scope, "dept_type": report.dept_type,
           "score_total": report.score_total, "self_score": report.self_score, "grade": report.grade,
           "execution_rate": report.execution_rate, "findings_count": report.findings_count,
           "created_at": report.created_at.isoformat() if report.created_at else None}
    if full:
        out["evaluation"] = report.evaluation_json
        out["score"] = report.score_json
        out["findings"] = report.findings_json or []
        out["reviews"] = [review_json(r) for r in report.reviews]
    return out


def row_json(r: Any) -> dict[str, Any]:
    return {"id": r.id, "file": r.file_name, "status": r.status, "error": r.error, "department": r.department,
            "region": r.region, "year": r.year, "scope": r.scope, "dept_type": r.dept_type,
            "score_total": r.score_total, "self_score": r.self_score, "grade": r.grade,
            "execution_rate": r.execution_rate, "findings_count": r.findings_count,
            "errors_count": r.errors_count}


# -- comparison cells -----------------------------------------------------------------------------------
def pivot_cell(r: Any) -> tuple[Any, ...] | None:
    """A pivot cell's display strings: (id, score, is self-score, rate, findings, severity class)."""
    if r is None:
        return None
    own = r.score_total is None
    return (r.id, fmt_num(r.self_score if own else r.score_total), own,
            f"{fmt_num(r.execution_rate)}%" if r.execution_rate is not None else "—", r.findings_count,
            "error" if r.errors_count else ("warning" if r.findings_count else "ok"))


def chart_score(r: Any) -> float | None:
    """The comparison's score: the recomputed score, or the stated self-score when none could be computed."""
    if r is None:
        return None
    value = r.score_total if r.score_total is not None else r.self_score
    return float(value) if value is not None else None


def blank_indicators() -> list[dict[str, Any]]:
    """The rows a new 填报 starts with."""
    return [
        {"level1": "项目资金", "name": "预算执行率", "weight": Decimal(10)},
        {"level1": "产出指标", "level2": "数量指标", "name": "", "weight": None},
        {"level1": "产出指标", "level2": "质量指标", "name": "", "weight": None},
        {"level1": "效益指标", "level2": "社会效益", "name": "", "weight": None},
        {"level1": "满意度指标", "level2": "服务对象满意度", "name": "", "weight": None},
    ]
