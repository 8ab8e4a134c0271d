"""The FastAPI application: pages (Jinja2 + htmx) and the JSON API under ``/api/``.

``create_app(db_url)`` wires the parts together; the handlers live in :mod:`jixiao.web.routes` (one
router per area) and no engine logic lives in the web layer: files go through
:mod:`jixiao.web.services` to the pipeline, scoring and render modules, in worker processes.
"""

from __future__ import annotations

import os
import secrets
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from jixiao.store import DECISION_LABELS, DEFAULT_URL, ROLE_LABELS, Store, json_dumps
from jixiao.web import handlers, services
from jixiao.web.auth import LoginThrottle, Sessions
from jixiao.web.budget import OfficeBudget
from jixiao.web.context import Workbench
from jixiao.web.frameworks import MAX_FRAMEWORK_BYTES, StoredFrameworks
from jixiao.web.middleware import Guard
from jixiao.web.processor import Processor
from jixiao.web.routes import admin, api, api_admin, compare, fill, frameworks, reports, session
from jixiao.web.uploads import UPLOAD_SUFFIXES
from jixiao.web.views import SCOPE_LABELS, SEVERITY_LABELS, STATUS_LABELS, JSONResponse, fmt_num

HERE = Path(__file__).parent
DESCRIPTION = ("预算绩效自评工作台：上传审核、报告详情、填报、对比分析、指标体系。"
               "All errors share one shape: `{ok: false, error, errors, status}`. "
               "Log in with `POST /api/login`, then send the returned `csrf_token` as "
               "`X-CSRF-Token` on every POST/PUT/PATCH/DELETE.")


def create_app(db_url: str = DEFAULT_URL, *, secret_key: str | None = None, max_upload_mb: float = 20,
               max_request_mb: float = 200, workers: int = 2, secure_cookies: bool = False,
               store: Store | None = None, start_worker: bool = True, login_limit: int = 5,
               login_window: float = 300.0, demo_login: tuple[str, str] | None = None, isolate: bool = True,
               analysis_timeout: float = 300.0, export_timeout: float = 120.0, worker_memory_mb: int | None = 1536,
               office_budget: OfficeBudget = OfficeBudget(), frameworks_dir: str | Path | None = None) -> FastAPI:
    """The workbench app on the database at ``db_url``: migrated and checked writable at startup
    (:class:`jixiao.store.StoreUnavailable`, one line without the password, when it is not).

    Uploads are analysed by ``workers`` worker processes (``isolate=False``: threads of this process, for
    debugging), each file stopped after ``analysis_timeout`` seconds or ``worker_memory_mb``; exports and
    imports run in their own two workers within ``export_timeout``. ``office_budget``: the expanded XML
    and cells an Office upload may hold. ``frameworks_dir``: the private folder the uploaded frameworks
    are written to for the scoring engine (default: a temporary folder removed at exit).
    """
    store = (store or Store(db_url)).open()
    secret_key = secret_key or os.environ.get("JIXIAO_SECRET_KEY") or secrets.token_urlsafe(48)
    processor = Processor(store, workers=workers, isolate=isolate, timeout=analysis_timeout,
                          memory_mb=worker_memory_mb, interactive_timeout=export_timeout, budget=office_budget)
    bench = Workbench(store=store, sessions=Sessions(secret_key), throttle=LoginThrottle(login_limit, login_window),
                      processor=processor, library=StoredFrameworks(store, frameworks_dir),
                      templates=_templates(max_upload_mb), max_upload_mb=max_upload_mb,
                      max_request_mb=max_request_mb, secure_cookies=secure_cookies, demo_login=demo_login)

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
    app.state.throttle = bench.throttle
    app.state.demo_login = demo_login
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(Guard)
    handlers.install(app)
    for router in (session.router, reports.router, compare.router, fill.router, frameworks.router, admin.router,
                   api.router, api_admin.router):
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
