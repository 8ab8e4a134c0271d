"""The FastAPI application: pages (Jinja2 + htmx) and the JSON API under ``/api/``.

``create_app(db_url)`` wires the parts together; the handlers live in :mod:`jixiao.web.routes` (one
router per area) and no engine logic lives in the web layer: files go through
:mod:`jixiao.web.services` to the pipeline, scoring and render modules.
"""

from __future__ import annotations

import os
import secrets
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from jixiao.store import DECISION_LABELS, DEFAULT_URL, ROLE_LABELS, Store, json_dumps
from jixiao.web import errors, services
from jixiao.web.auth import SESSION_COOKIE, RateLimiter, Sessions
from jixiao.web.context import Workbench
from jixiao.web.frameworks import MAX_FRAMEWORK_BYTES, StoredFrameworks
from jixiao.web.processor import Processor
from jixiao.web.routes import admin, api, compare, fill, frameworks, reports, session
from jixiao.web.uploads import UPLOAD_SUFFIXES
from jixiao.web.views import SCOPE_LABELS, SEVERITY_LABELS, STATUS_LABELS, JSONResponse, fmt_num

HERE = Path(__file__).parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DESCRIPTION = ("预算绩效自评工作台：上传审核、报告详情、填报、对比分析、指标体系。"
               "All errors share one shape: `{ok: false, error, errors, status}`. "
               "Log in with `POST /api/login`, then send the returned `csrf_token` as "
               "`X-CSRF-Token` on every POST/PUT/DELETE.")


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
    processor = Processor(store, workers=workers, isolate=isolate, timeout=analysis_timeout)
    bench = Workbench(store=store, sessions=Sessions(secret_key), limiter=RateLimiter(login_limit, login_window),
                      processor=processor, library=StoredFrameworks(store, frameworks_dir),
                      templates=_templates(max_upload_mb), max_upload_mb=max_upload_mb,
                      secure_cookies=secure_cookies, demo_login=demo_login)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        bench.processor.stop()
        bench.library.close()

    app = FastAPI(title="绩效 jixiao 工作台 API", version="1", lifespan=lifespan, description=DESCRIPTION,
                  default_response_class=JSONResponse, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json")
    app.state.wb = bench
    # Kept for tests and tools that reach into a running app.
    app.state.store = store
    app.state.processor = processor
    app.state.frameworks = bench.library
    app.state.limiter = bench.limiter
    app.state.max_bytes = bench.max_bytes
    app.state.demo_login = demo_login
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.middleware("http")(_session_middleware)
    errors.install(app)
    for router in (session.router, reports.router, compare.router, fill.router, frameworks.router, admin.router,
                   api.router):
        app.include_router(router)
    if start_worker:
        processor.start()
    return app


def _templates(max_upload_mb: float) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.policies["json.dumps_function"] = json_dumps
    env.filters["num"] = fmt_num
    env.globals.update(SEVERITY_LABELS=SEVERITY_LABELS, STATUS_LABELS=STATUS_LABELS, ROLE_LABELS=ROLE_LABELS,
                       DECISION_LABELS=DECISION_LABELS, SCOPE_LABELS=SCOPE_LABELS,
                       BUDGET_LABELS=services.BUDGET_LABELS, max_upload_mb=max_upload_mb,
                       max_framework_kb=MAX_FRAMEWORK_BYTES // 1024, accept=",".join(UPLOAD_SUFFIXES))
    return templates


async def _session_middleware(request: Request, call_next):
    """The signed session cookie in and out; the security headers on every response."""
    bench: Workbench = request.app.state.wb
    request.state.session = bench.sessions.load(request.cookies.get(SESSION_COOKIE))
    request.state.session_new = SESSION_COOKIE not in request.cookies
    request.state.session_dirty = False
    response = await call_next(request)
    if request.state.session_dirty or request.state.session_new:
        response.set_cookie(SESSION_COOKIE, bench.sessions.dump(request.state.session),
                            max_age=bench.sessions.max_age, httponly=True, samesite="lax",
                            secure=bench.secure_cookies, path="/")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response
