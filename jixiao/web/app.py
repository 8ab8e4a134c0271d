"""The FastAPI application: pages (Jinja2 + htmx) and the JSON API under ``/api/``.

``create_app(db_url)`` builds everything; no engine logic lives here: files go
through :mod:`jixiao.web.services` to the pipeline, scoring and render modules.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import re
import secrets
import threading
import uuid
from collections import OrderedDict, defaultdict
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.responses import JSONResponse as _JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from jixiao.ingest import SUPPORTED_SUFFIXES
from jixiao.pipeline import EVALUATION_SUFFIXES
from jixiao.store import DECISION_LABELS, DEFAULT_URL, ROLE_LABELS, ROLES, Store, User, Viewer, json_dumps
from jixiao.web import services
from jixiao.web.auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, RateLimiter, Sessions, csrf_ok
from jixiao.web.frameworks import MAX_FRAMEWORK_BYTES, FrameworkInvalid, StoredFrameworks, UploadRefused
from jixiao.web.highlight import layout, marks_from
from jixiao.web.processor import Processor


class JSONResponse(_JSONResponse):
    """JSON with Decimal written as numbers and Chinese kept readable."""

    def render(self, content: Any) -> bytes:
        return json_dumps(content).encode("utf-8")


HERE = Path(__file__).parent
log = logging.getLogger("jixiao.web")

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABELS = {"queued": "排队中", "processing": "处理中", "done": "已完成", "error": "失败"}
SCOPE_LABELS = {"department": "部门整体", "project": "项目支出"}
PAGE_SIZE = 50
#: Reports in any format the readers know, plus evaluation files (YAML / JSON).
UPLOAD_SUFFIXES = (*SUPPORTED_SUFFIXES, *EVALUATION_SUFFIXES)
_BAD_NAME = re.compile(r"[\x00-\x1f/\\]|^\.|\.\.|^[A-Za-z]:|%(?:[01][0-9a-f]|2e|2f|5c)", re.IGNORECASE)


class NotLoggedIn(Exception):
    pass


def error_body(status: int, error: str, errors: list[Any] | None = None) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"ok": False, "error": error, "errors": errors or [], "status": status}


def api_error(status: int, error: str, errors: list[Any] | None = None) -> HTTPException:
    exc = HTTPException(status_code=status, detail=error)
    exc.errors = errors or []  # type: ignore[attr-defined]
    return exc


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


def check_file_name(name: str | None) -> str | None:
    """A one-line reason when an upload's name is refused (path traversal, hidden, unsupported)."""
    if not name or not name.strip():
        return "缺少文件名"
    if len(name) > 200:
        return "文件名过长"
    if _BAD_NAME.search(name):
        return "文件名不合法（不得包含路径或特殊字符）"
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return f"不支持的文件类型 {suffix or '(无后缀)'}"
    return None


def create_app(db_url: str = DEFAULT_URL, *, secret_key: str | None = None, max_upload_mb: float = 20,
               workers: int = 1, secure_cookies: bool = False, store: Store | None = None,
               start_worker: bool = True, login_limit: int = 5, login_window: float = 300.0,
               demo_login: tuple[str, str] | None = None, isolate: bool = False,
               analysis_timeout: float = 300.0, frameworks_dir: str | Path | None = None) -> FastAPI:
    """The workbench app on the database at ``db_url`` (migrated at startup).

    ``isolate``: analyse uploads in child processes (``jixiao serve`` does), each stopped after
    ``analysis_timeout`` seconds; otherwise in the background threads of this process.
    ``frameworks_dir``: the private folder the uploaded frameworks are written to for the scoring
    engine (default: a temporary folder removed at exit); the database stays their home.
    """
    store = store or Store(db_url)
    store.migrate()
    secret_key = secret_key or os.environ.get("JIXIAO_SECRET_KEY") or secrets.token_urlsafe(48)
    sessions = Sessions(secret_key)
    limiter = RateLimiter(login_limit, login_window)
    processor = Processor(store, workers=workers, isolate=isolate, timeout=analysis_timeout)
    max_bytes = int(max_upload_mb * 1024 * 1024)
    library = StoredFrameworks(store, frameworks_dir)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        processor.stop()
        library.close()

    app = FastAPI(title="绩效 jixiao 工作台 API", version="1", lifespan=lifespan,
                  description="预算绩效自评工作台：上传审核、报告详情、填报、对比分析、指标体系。"
                              "All errors share one shape: `{ok: false, error, errors, status}`. "
                              "Log in with `POST /api/login`, then send the returned `csrf_token` as "
                              "`X-CSRF-Token` on every POST/PUT/DELETE.",
                  default_response_class=JSONResponse, docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.store = store
    app.state.processor = processor
    app.state.frameworks = library
    app.state.limiter = limiter
    app.state.max_bytes = max_bytes
    app.state.demo_login = demo_login
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.policies["json.dumps_function"] = json_dumps
    env.filters["num"] = fmt_num
    env.globals.update(SEVERITY_LABELS=SEVERITY_LABELS, STATUS_LABELS=STATUS_LABELS, ROLE_LABELS=ROLE_LABELS,
                       DECISION_LABELS=DECISION_LABELS, SCOPE_LABELS=SCOPE_LABELS,
                       BUDGET_LABELS=services.BUDGET_LABELS, max_upload_mb=max_upload_mb,
                       max_framework_kb=MAX_FRAMEWORK_BYTES // 1024,
                       accept=",".join(UPLOAD_SUFFIXES))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    if start_worker:
        processor.start()

    # -- sessions, headers ----------------------------------------------------------------------------
    @app.middleware("http")
    async def session_middleware(request: Request, call_next):
        request.state.session = sessions.load(request.cookies.get(SESSION_COOKIE))
        request.state.session_new = SESSION_COOKIE not in request.cookies
        request.state.session_dirty = False
        response = await call_next(request)
        if request.state.session_dirty or request.state.session_new:
            response.set_cookie(SESSION_COOKIE, sessions.dump(request.state.session), max_age=sessions.max_age,
                                httponly=True, samesite="lax", secure=secure_cookies, path="/")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        return response

    def current_user(request: Request) -> User | None:
        if hasattr(request.state, "user"):
            return request.state.user
        uid = request.state.session.get("uid")
        user = store.user(uid) if uid else None
        if user is not None and not user.active:
            user = None
        request.state.user = user
        return user

    def viewer(request: Request) -> Viewer:
        user = current_user(request)
        if user is None:
            raise NotLoggedIn()
        return Viewer.of(user)

    def admin(request: Request) -> Viewer:
        v = viewer(request)
        if v.role != "admin":
            raise api_error(403, "需要管理员权限")
        return v

    def csrf_header(request: Request) -> None:
        if not csrf_ok(request.state.session, request.headers.get(CSRF_HEADER)):
            raise api_error(403, "CSRF 校验失败，请刷新页面后重试")

    async def checked_form(request: Request) -> FormData:
        form = await request.form(max_files=500, max_fields=5000)
        token = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
        if not csrf_ok(request.state.session, token if isinstance(token, str) else None):
            raise api_error(403, "CSRF 校验失败，请刷新页面后重试")
        return form

    def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
        user = current_user(request)
        ctx.update(request=request, user=user, csrf_token=request.state.session["csrf"],
                   nav=ctx.get("nav", ""))
        return templates.TemplateResponse(request, name, ctx, status_code=status_code)

    # -- errors ---------------------------------------------------------------------------------------
    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(NotLoggedIn)
    async def _not_logged_in(request: Request, _exc: NotLoggedIn):
        if is_api(request):
            return JSONResponse(error_body(401, "请先登录"), status_code=401)
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message in ("Not Found", ""):
            message = "未找到"
        if exc.status_code == 405:
            message = "不支持的请求方法"
        errors = getattr(exc, "errors", [])
        headers = getattr(exc, "headers", None)
        if is_api(request) or request.headers.get("HX-Request"):
            if request.headers.get("HX-Request") and not is_api(request):
                return HTMLResponse(f'<div class="alert error">{_esc(message)}</div>', status_code=exc.status_code,
                                    headers=headers)
            return JSONResponse(error_body(exc.status_code, message, errors), status_code=exc.status_code,
                                headers=headers)
        return page(request, "error.html", status_code=exc.status_code, status=exc.status_code, message=message,
                    errors=errors)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")} for e in exc.errors()]
        if is_api(request):
            return JSONResponse(error_body(422, "请求参数不正确", errors), status_code=422)
        return page(request, "error.html", status_code=422, status=422, message="请求参数不正确", errors=errors)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        if is_api(request):
            return JSONResponse(error_body(500, f"服务器内部错误：{services.one_line(exc)}"), status_code=500)
        return page(request, "error.html", status_code=500, status=500, message="服务器内部错误", errors=[])

    # -- shared operations ----------------------------------------------------------------------------
    def do_login(request: Request, name: str, password: str) -> tuple[User | None, str | None, int]:
        ip = request.client.host if request.client else "-"
        key = (name.strip().lower(), ip)
        wait = limiter.blocked(key)
        if wait:
            return None, f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试", 429
        user = store.authenticate(name, password) if name and password else None
        if user is None:
            limiter.fail(key)
            return None, "用户名或密码不正确", 401
        limiter.reset(key)
        request.state.session = {"uid": user.id, "csrf": secrets.token_urlsafe(32)}
        request.state.session_dirty = True
        request.state.user = user
        return user, None, 200

    async def read_upload(f: UploadFile) -> tuple[str, bytes, str | None, int]:
        """(name, bytes, refusal reason or None, HTTP status of the refusal) of one uploaded file."""
        name = f.filename or ""
        reason = check_file_name(name)
        if reason is not None:
            return name, b"", reason, 400
        data = await f.read(max_bytes + 1)
        if len(data) > max_bytes:
            return name, b"", f"文件过大，上限 {max_upload_mb:g} MB", 413
        if not data:
            return name, b"", "空文件", 400
        return name, data, None, 200

    async def accept_uploads(request: Request, files: list[Any], v: Viewer, *, region: str | None,
                             year: str | None, dept_type: str | None) -> tuple[str, list[dict], list[dict]]:
        batch = uuid.uuid4().hex[:12]
        accepted: list[dict] = []
        rejected: list[dict] = []
        year_int = int(year) if year and str(year).strip().isdigit() else None
        for f in files:
            if not isinstance(f, UploadFile):
                continue
            name, data, reason, status = await read_upload(f)
            if reason is not None:
                rejected.append({"file": name, "error": reason, "status": status})
                continue
            rid = store.add_report(file_name=name, sha256=hashlib.sha256(data).hexdigest(), data=data,
                                   batch=batch, department=v.department if v.role == "filler" else None,
                                   region=(region or "").strip() or v.region, year=year_int,
                                   dept_type=(dept_type or "").strip() or None, uploaded_by=v.id)
            processor.submit(rid, keep_department=v.role == "filler")
            accepted.append({"id": rid, "file": name})
        return batch, accepted, rejected

    def report_or_404(report_id: int, v: Viewer, full: bool = True):
        report = store.report(report_id, v, full=full)
        if report is None:
            raise api_error(404, "报告不存在或无权查看")
        return report

    def evaluation_or_404(evaluation_id: int, v: Viewer):
        form = store.evaluation(evaluation_id, v)
        if form is None:
            raise api_error(404, "填报记录不存在或无权查看")
        return form

    def report_json(report, full: bool = True) -> dict[str, Any]:
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

    def review_json(r) -> dict[str, Any]:
        return {"id": r.id, "finding_index": r.finding_index, "code": r.finding_code, "decision": r.decision,
                "comment": r.comment, "user": r.user_name, "at": r.created_at.isoformat()}

    def row_json(r) -> dict[str, Any]:
        return {"id": r.id, "file": r.file_name, "status": r.status, "error": r.error, "department": r.department,
                "region": r.region, "year": r.year, "scope": r.scope, "dept_type": r.dept_type,
                "score_total": r.score_total, "self_score": r.self_score, "grade": r.grade,
                "execution_rate": r.execution_rate, "findings_count": r.findings_count,
                "errors_count": r.errors_count}

    compare_cache: OrderedDict[tuple, tuple[tuple, dict[str, Any]]] = OrderedDict()
    compare_lock = threading.Lock()

    def comparison(v: Viewer, region: str | None, year: int | None, dept_type: str | None) -> dict[str, Any]:
        """Departments × years with the chart data; cached until a report is added, processed or deleted."""
        scope = (v.role, v.region if v.role == "reviewer" else None, v.department if v.role == "filler" else None)
        key = (scope, region, year, dept_type)
        stamp = store.fingerprint()
        with compare_lock:
            hit = compare_cache.get(key)
            if hit is not None and hit[0] == stamp:
                compare_cache.move_to_end(key)
                return hit[1]
        rows = store.reports(v, region=region, year=year, dept_type=dept_type, status="done", order="dept")
        years = sorted({r.year for r in rows if r.year is not None})
        cells: dict[str, dict[int, Any]] = defaultdict(dict)
        for r in rows:
            if r.year is not None:
                cells[r.department or "（未识别部门）"][r.year] = r  # ordered by id: the latest wins
        departments = sorted(cells)
        chart = {
            "departments": departments,
            "years": years,
            "bar": [[d, *[_score(cells[d].get(y)) for y in years]] for d in departments],
            "scores_by_year": {str(y): [_score(r) for r in rows if r.year == y and _score(r) is not None]
                               for y in years},
            "scatter": [[float(r.execution_rate), float(r.self_score if r.self_score is not None else r.score_total),
                         r.department or "", r.year, r.id]
                        for r in rows if r.execution_rate is not None
                        and (r.self_score is not None or r.score_total is not None)],
        }
        pivot = [(d, [_cell(cells[d].get(y)) for y in years]) for d in departments]
        data = {"rows": rows, "years": years, "departments": departments, "cells": cells,
                "pivot_html": Markup(env.get_template("_pivot.html").render(pivot=pivot, years=years)),
                "chart_json": htmlsafe_json_dumps(chart, dumps=json_dumps)}
        with compare_lock:
            compare_cache[key] = (stamp, data)
            while len(compare_cache) > 64:
                compare_cache.popitem(last=False)
        return data

    # -- pages ----------------------------------------------------------------------------------------
    pages = APIRouter(include_in_schema=False)

    @pages.get("/")
    async def home(request: Request):
        return RedirectResponse("/reports" if current_user(request) else "/login", status_code=303)

    @pages.get("/login")
    async def login_page(request: Request, next: str = "/reports"):
        return page(request, "login.html", next=_safe_next(next), demo_login=app.state.demo_login)

    @pages.post("/login")
    async def login_post(request: Request):
        form = await checked_form(request)
        name, password = str(form.get("username") or ""), str(form.get("password") or "")
        user, error, status = do_login(request, name, password)
        if user is None:
            return page(request, "login.html", status_code=status, error=error, username=name,
                        next=_safe_next(str(form.get("next") or "/reports")), demo_login=app.state.demo_login)
        return RedirectResponse(_safe_next(str(form.get("next") or "/reports")), status_code=303)

    @pages.post("/logout")
    async def logout(request: Request):
        await checked_form(request)
        request.state.session = {"uid": None, "csrf": secrets.token_urlsafe(32)}
        request.state.session_dirty = True
        return RedirectResponse("/login", status_code=303)

    @pages.get("/reports")
    async def reports_page(request: Request, page_no: int = 1, q: str = "", status: str = ""):
        v = viewer(request)
        page_no = max(1, page_no)
        rows = store.reports(v, q=q or None, status=status or None, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        total = store.count_reports(v, status=status or None) if not q else len(rows)
        return page(request, "reports.html", nav="reports", rows=rows, page_no=page_no, total=total,
                    pages=max(1, -(-total // PAGE_SIZE)), q=q, status=status)

    @pages.post("/upload")
    async def upload_page(request: Request):
        v = viewer(request)
        _refuse_huge(request, max_bytes)
        form = await checked_form(request)
        files = form.getlist("files")
        batch, accepted, rejected = await accept_uploads(request, files, v, region=form.get("region"),
                                                         year=form.get("year"), dept_type=form.get("dept_type"))
        return batch_fragment(request, v, batch, rejected)

    def batch_fragment(request: Request, v: Viewer, batch: str, rejected: list[dict] | None = None):
        rows = store.reports(v, batch=batch, order="dept")
        rows.sort(key=lambda r: r.id)
        done = sum(1 for r in rows if r.status in ("done", "error"))
        response = page(request, "_batch.html", batch=batch, rows=rows, done=done, total=len(rows),
                        rejected=rejected or [], finished=done == len(rows))
        if done == len(rows) and rows:
            response.headers["HX-Trigger"] = "batchDone"  # the report list reloads itself
        return response

    @pages.get("/upload/{batch}")
    async def batch_page(request: Request, batch: str):
        return batch_fragment(request, viewer(request), batch)

    @pages.get("/reports/{report_id}")
    async def report_page(request: Request, report_id: int):
        v = viewer(request)
        report = report_or_404(report_id, v)
        ev = report.evaluation_json or {}
        findings = report.findings_json or []
        lines = layout(report.text or "", marks_from(ev.get("evidence"), findings, services.BUDGET_LABELS),
                       findings) if report.text else []
        rank = {"error": 0, "warning": 1, "info": 2}
        ordered = sorted(enumerate(findings), key=lambda p: (rank.get(p[1].get("severity"), 3), p[0]))
        reviews: dict[int, list] = defaultdict(list)
        for r in report.reviews:
            reviews[r.finding_index].append(r)
        return page(request, "report.html", nav="reports", report=report, ev=ev, findings=findings, lines=lines,
                    review_map=reviews, ordered=ordered, score=report.score_json or {}, can_review=v.role in ("admin", "reviewer"))

    @pages.post("/reports/{report_id}/findings/{index}/review")
    async def review_post(request: Request, report_id: int, index: int):
        v = viewer(request)
        form = await checked_form(request)
        if v.role not in ("admin", "reviewer"):
            raise api_error(403, "只有审核人可以确认或驳回")
        decision = str(form.get("decision") or "")
        if decision not in ("confirm", "reject"):
            raise api_error(400, "请选择确认或驳回")
        try:
            store.add_review(report_id, index, decision, str(form.get("comment") or ""), v)
        except LookupError:
            raise api_error(404, "报告或问题不存在") from None
        report = report_or_404(report_id, v)
        findings = report.findings_json or []
        reviews = [r for r in report.reviews if r.finding_index == index]
        return page(request, "_finding.html", report=report, f=findings[index], i=index, reviews=reviews,
                    can_review=True)

    @pages.get("/reports/{report_id}/export/{fmt}")
    async def report_export(request: Request, report_id: int, fmt: str):
        v = viewer(request)
        report = report_or_404(report_id, v, full=False)
        if fmt not in services.EXPORT_TYPES:
            raise api_error(404, "不支持的导出格式")
        got = store.report_bytes(report.id)
        try:
            data = services.export_report(got[0], got[1] or b"", fmt)
        except Exception as exc:
            raise api_error(500, f"导出失败：{services.one_line(exc)}") from None
        stem = Path(report.file_name).stem
        return _download(data, f"{stem}-自评表.{fmt}", services.EXPORT_TYPES[fmt])

    @pages.post("/reports/{report_id}/delete")
    async def report_delete(request: Request, report_id: int):
        v = viewer(request)
        await checked_form(request)
        if v.role != "admin":
            raise api_error(403, "需要管理员权限")
        report_or_404(report_id, v, full=False)
        store.delete_report(report_id)
        return RedirectResponse("/reports", status_code=303)

    @pages.get("/compare")
    async def compare_page(request: Request, region: str = "", year: str = "", dept_type: str = ""):
        v = viewer(request)
        y = int(year) if year.isdigit() else None
        data = comparison(v, region or None, y, dept_type or None)
        return page(request, "compare.html", nav="compare", facets=store.facets(v), region=region, year=year,
                    dept_type=dept_type, **data)

    @pages.get("/compare.csv")
    async def compare_csv(request: Request, region: str = "", year: str = "", dept_type: str = ""):
        v = viewer(request)
        y = int(year) if year.isdigit() else None
        rows = store.reports(v, region=region or None, year=y, dept_type=dept_type or None, status="done",
                             order="dept")
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["报告ID", "文件", "部门", "地区", "年度", "部门类型", "评分", "自评分", "等级", "预算执行率(%)",
                    "问题数", "错误数"])
        for r in rows:
            w.writerow([r.id, r.file_name, r.department or "", r.region or "", r.year or "", r.dept_type or "",
                        fmt_num(r.score_total), fmt_num(r.self_score), r.grade or "", fmt_num(r.execution_rate),
                        r.findings_count, r.errors_count])
        return _download(("\ufeff" + buf.getvalue()).encode("utf-8"), "对比分析.csv", "text/csv; charset=utf-8")

    def frameworks_page_(request: Request, name: str = "", *, status_code: int = 200,
                         upload_error: str | None = None, problems: list[str] | None = None,
                         notice: str | None = None) -> HTMLResponse:
        paths = library.paths()
        items = services.frameworks(paths)
        chosen = name or (items[0]["id"] if items else "")
        detail = services.framework_detail(chosen, paths) if chosen else None
        if name and detail is None:
            raise api_error(404, "指标体系不存在")
        return page(request, "frameworks.html", status_code=status_code, nav="frameworks", items=items,
                    detail=detail, chosen=chosen, upload_error=upload_error, problems=problems or [],
                    notice=notice)

    @pages.get("/frameworks")
    async def frameworks_page(request: Request, name: str = "", saved: str = ""):
        viewer(request)
        notice = {"added": "指标体系已上传", "replaced": "指标体系已更新", "deleted": "指标体系已删除"}.get(saved)
        return frameworks_page_(request, name, notice=notice)

    async def read_framework_upload(file: Any, v: Viewer) -> tuple[Any, bool]:
        """(row, created); api_error 400/413 (refused), 422 (the loader's problems), 409 (a shipped id)."""
        if not isinstance(file, UploadFile):
            raise api_error(400, "请选择指标体系 YAML 文件")
        data = await file.read(MAX_FRAMEWORK_BYTES + 1)
        try:
            return library.upload(file.filename or "", data, v)
        except FrameworkInvalid as exc:
            raise api_error(422, "指标体系文件有误，未保存", exc.problems) from None
        except UploadRefused as exc:
            raise api_error(413 if len(data) > MAX_FRAMEWORK_BYTES else 400, str(exc)) from None
        except PermissionError as exc:
            raise api_error(409, str(exc)) from None

    @pages.post("/frameworks/upload")
    async def frameworks_upload(request: Request):
        v = admin(request)
        form = await checked_form(request)
        try:
            row, created = await read_framework_upload(form.get("file"), v)
        except HTTPException as exc:
            return frameworks_page_(request, status_code=exc.status_code if exc.status_code != 422 else 400,
                                    upload_error=str(exc.detail), problems=getattr(exc, "errors", []))
        return RedirectResponse(f"/frameworks?name={quote(row.framework_id)}&saved={'added' if created else 'replaced'}",
                                status_code=303)

    def delete_framework(name: str) -> None:
        if library.is_builtin(name) and name not in library.paths():
            raise api_error(400, "内置指标体系不能删除")
        if not library.delete(name):
            if services.framework_detail(name) is not None:
                raise api_error(400, "只能删除管理员上传的指标体系")
            raise api_error(404, "指标体系不存在")

    @pages.post("/frameworks/{name}/delete")
    async def frameworks_delete(request: Request, name: str):
        admin(request)
        await checked_form(request)
        delete_framework(name)
        return RedirectResponse("/frameworks?saved=deleted", status_code=303)

    @pages.get("/fill")
    async def fill_list(request: Request):
        v = viewer(request)
        return page(request, "fill_list.html", nav="fill", forms=store.evaluations(v))

    @pages.get("/fill/new")
    async def fill_new(request: Request):
        v = viewer(request)
        data = {"department": v.department or "", "scope": "project", "indicators": _blank_indicators()}
        return fill_page(request, v, None, data, None)

    @pages.get("/fill/from-report/{report_id}")
    async def fill_from_report(request: Request, report_id: int):
        """A new 填报 prefilled from a stored report's extracted figures (nothing saved until 保存)."""
        v = viewer(request)
        report = report_or_404(report_id, v)
        if report.status != "done" or not report.evaluation_json:
            raise api_error(400, "报告尚未分析完成或无法读取，不能用于填报")
        data = services.evaluation_to_fill_data(report.evaluation_json)
        if v.role == "filler":
            data["department"] = v.department or data.get("department")
        return fill_page(request, v, None, data, None, notice=f"已从报告“{report.file_name}”导入，请核对后保存。")

    @pages.post("/fill/import")
    async def fill_import(request: Request):
        """A new 填报 prefilled from an uploaded file: the 填报模板, an evaluation file, last year's form or report."""
        v = viewer(request)
        _refuse_huge(request, max_bytes)
        form = await checked_form(request)
        f = form.get("file")
        name, blob, reason, status = await read_upload(f) if isinstance(f, UploadFile) else ("", b"", "请选择文件", 400)
        result: dict[str, Any] = {}
        if reason is None:
            result, _ = await run_in_threadpool(services.analyse_bytes, name, blob)
            reason, status = result.get("error"), 400
        if reason:
            return page(request, "fill_list.html", nav="fill", forms=store.evaluations(v), status_code=status,
                        errors=[f"{name or '文件'}：{reason}"])
        data = services.evaluation_to_fill_data(result.get("evaluation") or {})
        if v.role == "filler":
            data["department"] = v.department or data.get("department")
        return fill_page(request, v, None, data, None, notice=f"已从文件“{name}”导入，请核对后保存。")

    @pages.get("/fill/{evaluation_id}")
    async def fill_edit(request: Request, evaluation_id: int):
        v = viewer(request)
        form = evaluation_or_404(evaluation_id, v)
        return fill_page(request, v, form.id, form.data, form.framework)

    def fill_page(request: Request, v: Viewer, evaluation_id: int | None, data: dict, framework: str | None,
                  errors: list[str] | None = None, status_code: int = 200, notice: str | None = None):
        paths = library.paths()
        scored = services.score_data(data, framework, paths) if data.get("indicators") or data.get("budget") else {}
        return page(request, "fill.html", nav="fill", evaluation_id=evaluation_id, data=data, framework=framework,
                    frameworks=services.frameworks(paths), scored=scored, errors=errors or [], status_code=status_code,
                    lock_department=v.role == "filler", notice=notice)

    @pages.post("/fill/score")
    async def fill_score(request: Request):
        viewer(request)
        form = await checked_form(request)
        data, errors = services.form_to_data(form)
        framework = str(form.get("framework") or "") or None
        return page(request, "_score.html", scored=services.score_data(data, framework, library.paths()),
                    errors=errors)

    @pages.post("/fill/save")
    async def fill_save(request: Request):
        v = viewer(request)
        form = await checked_form(request)
        data, errors = services.form_to_data(form)
        framework = str(form.get("framework") or "") or None
        raw_id = str(form.get("evaluation_id") or "")
        evaluation_id = int(raw_id) if raw_id.isdigit() else None
        if evaluation_id is not None:
            evaluation_or_404(evaluation_id, v)
        if errors:
            return fill_page(request, v, evaluation_id, data, framework, errors, status_code=400)
        try:
            saved = store.save_evaluation(data, v, evaluation_id=evaluation_id, framework=framework)
        except ValueError as exc:
            return fill_page(request, v, evaluation_id, data, framework, [str(exc)], status_code=400)
        except LookupError:
            raise api_error(404, "填报记录不存在或无权查看") from None
        return RedirectResponse(f"/fill/{saved.id}?saved=1", status_code=303)

    @pages.get("/fill/{evaluation_id}/export/{fmt}")
    async def fill_export(request: Request, evaluation_id: int, fmt: str, draft: int = 0):
        v = viewer(request)
        form = evaluation_or_404(evaluation_id, v)
        if fmt not in services.EXPORT_TYPES:
            raise api_error(404, "不支持的导出格式")
        try:
            data = services.export_data(form.data, fmt, form.framework, draft=True if draft else None,
                                       stored=library.paths())
        except Exception as exc:
            raise api_error(500, f"导出失败：{services.one_line(exc)}") from None
        label = "自评报告草稿" if draft else "自评表"
        return _download(data, f"{form.department}-{form.year or ''}{label}.{fmt}", services.EXPORT_TYPES[fmt])

    @pages.get("/admin/users")
    async def users_page(request: Request):
        admin(request)
        return page(request, "users.html", nav="users", users=store.users(), roles=ROLES,
                    departments=store.departments())

    def add_user(name: str, password: str, role: str, department: Any, region: Any) -> User:
        """A new account; a department from the directory lends its region when none is given."""
        department = str(department or "").strip() or None
        region = str(region or "").strip() or None
        if department and not region:
            known = store.department_named(department)
            region = known.region if known is not None else None
        return store.add_user(name, password, role, department=department, region=region)

    @pages.post("/admin/users")
    async def users_add(request: Request):
        admin(request)
        form = await checked_form(request)
        try:
            add_user(str(form.get("name") or ""), str(form.get("password") or ""), str(form.get("role") or ""),
                     form.get("department"), form.get("region"))
        except ValueError as exc:
            return page(request, "users.html", status_code=400, nav="users", users=store.users(), roles=ROLES,
                        departments=store.departments(), error=str(exc))
        return RedirectResponse("/admin/users", status_code=303)

    # -- 部门管理 ---------------------------------------------------------------------------------------
    def departments_page_(request: Request, *, status_code: int = 200, error: str | None = None,
                          edit: Any = None, values: dict[str, Any] | None = None) -> HTMLResponse:
        return page(request, "departments.html", status_code=status_code, nav="departments",
                    departments=store.departments(), dept_types=services.dept_types(), error=error, edit=edit,
                    values=values or {}, saved=request.query_params.get("saved"))

    def department_fields(form: Any) -> dict[str, str]:
        fields = {k: str(form.get(k) or "").strip() for k in ("name", "region", "dept_type")}
        if fields["dept_type"] and fields["dept_type"] not in services.dept_types():
            raise ValueError(f"未知部门类型 {fields['dept_type']}（可选：{'、'.join(services.dept_types())}）")
        return fields

    def department_or_404(department_id: int):
        dept = store.department(department_id)
        if dept is None:
            raise api_error(404, "部门不存在")
        return dept

    @pages.get("/admin/departments")
    async def departments_page(request: Request, edit: int = 0):
        admin(request)
        return departments_page_(request, edit=department_or_404(edit) if edit else None)

    @pages.post("/admin/departments")
    async def departments_add(request: Request):
        admin(request)
        form = await checked_form(request)
        try:
            store.add_department(**department_fields(form))
        except ValueError as exc:
            return departments_page_(request, status_code=400, error=str(exc),
                                     values={k: str(form.get(k) or "") for k in ("name", "region", "dept_type")})
        return RedirectResponse("/admin/departments?saved=1", status_code=303)

    @pages.post("/admin/departments/{department_id}")
    async def departments_edit(request: Request, department_id: int):
        admin(request)
        form = await checked_form(request)
        dept = department_or_404(department_id)
        try:
            store.update_department(department_id, **department_fields(form))
        except ValueError as exc:
            return departments_page_(request, status_code=400, error=str(exc), edit=dept,
                                     values={k: str(form.get(k) or "") for k in ("name", "region", "dept_type")})
        return RedirectResponse("/admin/departments?saved=1", status_code=303)

    @pages.post("/admin/departments/{department_id}/delete")
    async def departments_delete(request: Request, department_id: int):
        admin(request)
        await checked_form(request)
        if not store.delete_department(department_id):
            raise api_error(404, "部门不存在")
        return RedirectResponse("/admin/departments?saved=1", status_code=303)

    @pages.get("/api/docs")
    async def api_docs(request: Request):
        """The API reference, rendered here from the OpenAPI document (no CDN-hosted Swagger UI)."""
        spec = app.openapi()
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for path, methods in spec.get("paths", {}).items():
            for method, op in methods.items():
                params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                           "type": (p.get("schema") or {}).get("type", "")} for p in op.get("parameters", [])]
                groups[(op.get("tags") or ["其他"])[0]].append(
                    {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                     "doc": op.get("description", ""), "params": params,
                     "body": "requestBody" in op})
        return page(request, "api_docs.html", spec=spec, groups=dict(groups))

    @pages.get("/healthz")
    async def healthz():
        return {"ok": True}

    app.include_router(pages)

    # -- JSON API -------------------------------------------------------------------------------------
    api = APIRouter(prefix="/api")

    @api.post("/login", tags=["账户"], summary="登录，返回 CSRF token")
    async def api_login(request: Request, body: dict[str, Any]):
        # No CSRF token exists yet: FastAPI reads JSON bodies only when the request says application/json,
        # which a cross-site form cannot send, so a forged login from another site is refused (422).
        user, error, status = do_login(request, str(body.get("username") or ""), str(body.get("password") or ""))
        if user is None:
            raise api_error(status, error or "登录失败")
        return {"ok": True, "user": _user_json(user), "csrf_token": request.state.session["csrf"]}

    @api.post("/logout", tags=["账户"], dependencies=[Depends(csrf_header)])
    async def api_logout(request: Request):
        request.state.session = {"uid": None, "csrf": secrets.token_urlsafe(32)}
        request.state.session_dirty = True
        return {"ok": True}

    @api.get("/me", tags=["账户"])
    async def api_me(request: Request):
        v = viewer(request)
        return {"ok": True, "user": _user_json(store.user(v.id)), "csrf_token": request.state.session["csrf"]}

    @api.get("/reports", tags=["报告"], summary="报告列表（按角色可见）")
    async def api_reports(request: Request, region: str | None = None, year: int | None = None,
                          department: str | None = None, status: str | None = None, batch: str | None = None,
                          limit: int = 100, offset: int = 0):
        v = viewer(request)
        rows = store.reports(v, region=region, year=year, department=department, status=status, batch=batch,
                             limit=min(max(limit, 1), 1000), offset=max(offset, 0))
        return {"ok": True, "reports": [row_json(r) for r in rows],
                "total": store.count_reports(v, region=region, year=year, department=department, status=status,
                                             batch=batch)}

    @api.post("/reports", tags=["报告"], summary="上传报告（multipart，字段 files，可多个）",
              dependencies=[Depends(csrf_header)])
    async def api_upload(request: Request):
        v = viewer(request)
        _refuse_huge(request, max_bytes)
        form = await request.form(max_files=500, max_fields=5000)
        files = form.getlist("files") + form.getlist("file")
        if not files:
            raise api_error(400, "没有上传文件")
        batch, accepted, rejected = await accept_uploads(request, files, v, region=form.get("region"),
                                                         year=form.get("year"), dept_type=form.get("dept_type"))
        if not accepted:
            status = 413 if all(r["status"] == 413 for r in rejected) else 400
            raise api_error(status, rejected[0]["error"] if len(rejected) == 1 else "所有文件均被拒绝", rejected)
        return JSONResponse({"ok": True, "batch": batch, "accepted": accepted, "rejected": rejected},
                            status_code=202)

    @api.get("/reports/{report_id}", tags=["报告"], summary="报告详情：提取结果、评分、问题、复核记录")
    async def api_report(request: Request, report_id: int, text: bool = False):
        """``text=true`` adds the document text the evidence offsets index."""
        report = report_or_404(report_id, viewer(request))
        out = report_json(report)
        if text:
            out["text"] = report.text
        return {"ok": True, "report": out}

    @api.post("/reports/{report_id}/reviews", tags=["报告"], summary="确认 / 驳回一条问题",
              dependencies=[Depends(csrf_header)])
    async def api_review(request: Request, report_id: int, body: dict[str, Any]):
        v = viewer(request)
        if v.role not in ("admin", "reviewer"):
            raise api_error(403, "只有审核人可以确认或驳回")
        try:
            index = int(body.get("finding_index"))
        except (TypeError, ValueError):
            raise api_error(422, "finding_index 必须是整数") from None
        decision = body.get("decision")
        if decision not in ("confirm", "reject"):
            raise api_error(422, "decision 必须是 confirm 或 reject")
        try:
            review = store.add_review(report_id, index, decision, str(body.get("comment") or ""), v)
        except LookupError:
            raise api_error(404, "报告或问题不存在") from None
        return {"ok": True, "review": review_json(review)}

    @api.delete("/reports/{report_id}", tags=["报告"], dependencies=[Depends(csrf_header)])
    async def api_report_delete(request: Request, report_id: int):
        v = admin(request)
        report_or_404(report_id, v, full=False)
        store.delete_report(report_id)
        return {"ok": True}

    @api.get("/reports/{report_id}/export/{fmt}", tags=["报告"], summary="导出自评表 xlsx/docx/pdf/html")
    async def api_report_export(request: Request, report_id: int, fmt: str):
        return await report_export(request, report_id, fmt)

    @api.get("/evaluations", tags=["填报"])
    async def api_evaluations(request: Request):
        v = viewer(request)
        return {"ok": True, "evaluations": [_form_json(f) for f in store.evaluations(v)]}

    @api.post("/evaluations", tags=["填报"], summary="新建填报（评价文件 JSON 结构）",
              dependencies=[Depends(csrf_header)])
    async def api_evaluation_create(request: Request, body: dict[str, Any]):
        v = viewer(request)
        data, framework = _evaluation_body(body)
        try:
            saved = store.save_evaluation(data, v, framework=framework)
        except ValueError as exc:
            raise api_error(422, str(exc)) from None
        return JSONResponse({"ok": True, "evaluation": _form_json(saved)}, status_code=201)

    @api.get("/evaluations/{evaluation_id}", tags=["填报"])
    async def api_evaluation(request: Request, evaluation_id: int):
        form = evaluation_or_404(evaluation_id, viewer(request))
        return {"ok": True, "evaluation": _form_json(form), "scored": services.score_data(form.data, form.framework,
                                                                                          library.paths())}

    @api.put("/evaluations/{evaluation_id}", tags=["填报"], dependencies=[Depends(csrf_header)])
    async def api_evaluation_update(request: Request, evaluation_id: int, body: dict[str, Any]):
        v = viewer(request)
        evaluation_or_404(evaluation_id, v)
        data, framework = _evaluation_body(body)
        try:
            saved = store.save_evaluation(data, v, evaluation_id=evaluation_id, framework=framework)
        except ValueError as exc:
            raise api_error(422, str(exc)) from None
        return {"ok": True, "evaluation": _form_json(saved)}

    @api.delete("/evaluations/{evaluation_id}", tags=["填报"], dependencies=[Depends(csrf_header)])
    async def api_evaluation_delete(request: Request, evaluation_id: int):
        if not store.delete_evaluation(evaluation_id, viewer(request)):
            raise api_error(404, "填报记录不存在或无权查看")
        return {"ok": True}

    @api.post("/score", tags=["填报"], summary="按指标体系为评价数据打分（不保存）",
              dependencies=[Depends(csrf_header)])
    async def api_score(request: Request, body: dict[str, Any]):
        viewer(request)
        data, framework = _evaluation_body(body)
        scored = services.score_data(data, framework, library.paths())
        if "error" in scored:
            raise api_error(422, scored["error"])
        return {"ok": True, **scored}

    @api.get("/compare", tags=["对比分析"])
    async def api_compare(request: Request, region: str | None = None, year: int | None = None,
                          dept_type: str | None = None):
        v = viewer(request)
        data = comparison(v, region, year, dept_type)
        return {"ok": True, "reports": [row_json(r) for r in data["rows"]], "years": data["years"],
                "departments": data["departments"]}

    @api.get("/frameworks", tags=["指标体系"])
    async def api_frameworks(request: Request):
        viewer(request)
        return {"ok": True, "frameworks": services.frameworks(library.paths())}

    @api.get("/frameworks/{name}", tags=["指标体系"])
    async def api_framework(request: Request, name: str):
        viewer(request)
        detail = services.framework_detail(name, library.paths())
        if detail is None:
            raise api_error(404, "指标体系不存在")
        return {"ok": True, "framework": detail}

    @api.post("/frameworks", tags=["指标体系"], summary="上传指标体系 YAML（multipart，字段 file；同 id 则替换）",
              dependencies=[Depends(csrf_header)])
    async def api_framework_upload(request: Request):
        """Validated by the scoring engine's loader; its ``file:line: key: problem`` lines come back in
        ``errors`` (422) and nothing is stored. A shipped framework's id is refused (409)."""
        v = admin(request)
        form = await request.form(max_files=2, max_fields=20)
        row, created = await read_framework_upload(form.get("file"), v)
        detail = services.framework_detail(row.framework_id, library.paths())
        return JSONResponse({"ok": True, "created": created, "framework": detail}, status_code=201 if created else 200)

    @api.delete("/frameworks/{name}", tags=["指标体系"], summary="删除上传的指标体系（内置的不可删除）",
                dependencies=[Depends(csrf_header)])
    async def api_framework_delete(request: Request, name: str):
        admin(request)
        delete_framework(name)
        return {"ok": True}

    @api.get("/departments", tags=["部门"], summary="部门列表（管理员）")
    async def api_departments(request: Request):
        admin(request)
        return {"ok": True, "departments": [_department_json(d) for d in store.departments()],
                "dept_types": list(services.dept_types())}

    @api.post("/departments", tags=["部门"], summary="新建部门 {name, region?, dept_type?}",
              dependencies=[Depends(csrf_header)])
    async def api_department_add(request: Request, body: dict[str, Any]):
        admin(request)
        try:
            dept = store.add_department(**department_fields(body))
        except ValueError as exc:
            raise api_error(422, str(exc)) from None
        return JSONResponse({"ok": True, "department": _department_json(dept)}, status_code=201)

    @api.get("/departments/{department_id}", tags=["部门"])
    async def api_department(request: Request, department_id: int):
        admin(request)
        return {"ok": True, "department": _department_json(department_or_404(department_id))}

    def update_department(department_id: int, body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
        department_or_404(department_id)
        if not partial and "name" not in body:
            raise api_error(422, "PUT 需要完整的部门信息（至少 name）")
        try:
            fields = department_fields({k: body.get(k) for k in ("name", "region", "dept_type")})
            if partial:
                fields = {k: v for k, v in fields.items() if k in body}
            dept = store.update_department(department_id, **fields)
        except ValueError as exc:
            raise api_error(422, str(exc)) from None
        if dept is None:
            raise api_error(404, "部门不存在")
        return {"ok": True, "department": _department_json(dept)}

    @api.put("/departments/{department_id}", tags=["部门"], summary="修改部门（整体替换 {name, region?, dept_type?}）",
             dependencies=[Depends(csrf_header)])
    async def api_department_replace(request: Request, department_id: int, body: dict[str, Any]):
        admin(request)
        return update_department(department_id, body, partial=False)

    @api.patch("/departments/{department_id}", tags=["部门"], summary="修改部门（只改给出的字段）",
               dependencies=[Depends(csrf_header)])
    async def api_department_update(request: Request, department_id: int, body: dict[str, Any]):
        admin(request)
        return update_department(department_id, body, partial=True)

    @api.delete("/departments/{department_id}", tags=["部门"], dependencies=[Depends(csrf_header)])
    async def api_department_delete(request: Request, department_id: int):
        admin(request)
        if not store.delete_department(department_id):
            raise api_error(404, "部门不存在")
        return {"ok": True}

    @api.get("/users", tags=["账户"])
    async def api_users(request: Request):
        admin(request)
        return {"ok": True, "users": [_user_json(u) for u in store.users()]}

    @api.post("/users", tags=["账户"], dependencies=[Depends(csrf_header)])
    async def api_user_add(request: Request, body: dict[str, Any]):
        admin(request)
        try:
            user = add_user(str(body.get("name") or ""), str(body.get("password") or ""),
                            str(body.get("role") or ""), body.get("department"), body.get("region"))
        except ValueError as exc:
            raise api_error(422, str(exc)) from None
        return JSONResponse({"ok": True, "user": _user_json(user)}, status_code=201)

    @api.get("/health", tags=["系统"])
    async def api_health():
        return {"ok": True, "revision": store.revision()}

    app.include_router(api)
    return app


def _cell(r: Any) -> tuple[Any, ...] | None:
    """A pivot cell's display strings: (id, score, is self-score, rate, findings, severity class)."""
    if r is None:
        return None
    own = r.score_total is None
    return (r.id, fmt_num(r.self_score if own else r.score_total), own,
            f"{fmt_num(r.execution_rate)}%" if r.execution_rate is not None else "—", r.findings_count,
            "error" if r.errors_count else ("warning" if r.findings_count else "ok"))


def _score(r: Any) -> float | None:
    """The comparison's score: the recomputed score, or the stated self-score when none could be computed."""
    if r is None:
        return None
    value = r.score_total if r.score_total is not None else r.self_score
    return float(value) if value is not None else None


def _esc(s: str) -> str:
    from markupsafe import escape

    return str(escape(s))


def _safe_next(target: str) -> str:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/reports"
    return target


def _refuse_huge(request: Request, max_bytes: int) -> None:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes * 50:
        raise api_error(413, "上传内容过大")


def _download(data: bytes, filename: str, media_type: str) -> Response:
    ascii_name = filename if re.fullmatch(r"[A-Za-z0-9._-]+", filename) else f"jixiao{Path(filename).suffix}"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


def _user_json(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "role": user.role, "role_label": ROLE_LABELS.get(user.role),
            "department": user.department, "region": user.region}


def _department_json(d) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "region": d.region, "dept_type": d.dept_type,
            "created_at": d.created_at.isoformat() if d.created_at else None}


def _form_json(form) -> dict[str, Any]:
    return {"id": form.id, "department": form.department, "region": form.region, "year": form.year,
            "title": form.title, "framework": form.framework, "data": form.data,
            "updated_at": form.updated_at.isoformat() if form.updated_at else None}


def _evaluation_body(body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    framework = body.get("framework")
    data = body.get("evaluation", body)
    if not isinstance(data, dict):
        raise api_error(422, "evaluation 必须是对象")
    data = {k: v for k, v in data.items() if k != "framework"}
    return data, framework if isinstance(framework, str) and framework else None


def _blank_indicators() -> list[dict[str, Any]]:
    return [
        {"level1": "项目资金", "name": "预算执行率", "weight": Decimal(10)},
        {"level1": "产出指标", "level2": "数量指标", "name": "", "weight": None},
        {"level1": "产出指标", "level2": "质量指标", "name": "", "weight": None},
        {"level1": "效益指标", "level2": "社会效益", "name": "", "weight": None},
        {"level1": "满意度指标", "level2": "服务对象满意度", "name": "", "weight": None},
    ]
