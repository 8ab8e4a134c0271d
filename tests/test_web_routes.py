"""The web layer's shape: routers by area, typed API bodies in the OpenAPI document, blocking handlers
off the event loop, handlers importable and callable on their own."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.routing import APIRoute  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from jixiao.web import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Handlers that may run on the event loop: they touch nothing, or only await work done elsewhere
#: (a worker process, the thread pool).
ASYNC_OK = {"healthz", "report_export", "fill_import", "fill_export"}


@pytest.fixture
def app(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'routes.db'}", secret_key="routes", start_worker=False)
    yield app
    app.state.store.dispose()


def test_routers_by_area_each_module_small():
    routes = ROOT / "jixiao" / "web" / "routes"
    assert {p.stem for p in routes.glob("*.py")} >= {"reports", "fill", "compare", "admin", "api"}
    for folder in (ROOT / "jixiao" / "web", routes, ROOT / "jixiao" / "store"):
        for p in folder.glob("*.py"):
            assert len(p.read_text(encoding="utf-8").splitlines()) <= 600, p


def test_handlers_that_block_run_in_the_thread_pool(app):
    """A plain ``def`` handler runs in FastAPI's thread pool; an ``async def`` one runs on the event loop."""
    on_loop = {r.endpoint.__name__ for r in app.routes if isinstance(r, APIRoute)
               and asyncio.iscoroutinefunction(r.endpoint)}
    assert on_loop <= ASYNC_OK, on_loop - ASYNC_OK


def test_handlers_are_module_functions_not_closures(app):
    for r in app.routes:
        if isinstance(r, APIRoute):
            fn = r.endpoint
            assert fn.__module__.startswith("jixiao.web.routes."), (r.path, fn.__module__)
            assert "<locals>" not in fn.__qualname__, (r.path, fn.__qualname__)
            assert getattr(__import__(fn.__module__, fromlist=["x"]), fn.__name__) is fn


def test_openapi_documents_typed_bodies(app):
    spec = TestClient(app).get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def body(path: str, method: str) -> dict:
        content = spec["paths"][path][method]["requestBody"]["content"]
        schema = next(iter(content.values()))["schema"]
        return schemas[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema

    review = body("/api/reports/{report_id}/reviews", "post")
    assert set(review["required"]) == {"finding_index", "decision"}
    assert review["properties"]["decision"]["enum"] == ["confirm", "reject"]
    evaluation = body("/api/evaluations", "post")
    assert {"department", "year", "scope", "budget", "indicators", "framework"} <= set(evaluation["properties"])
    assert "multipart/form-data" in spec["paths"]["/api/reports"]["post"]["requestBody"]["content"]
    assert body("/api/reports", "post")["properties"]["files"]["type"] == "array"
    detail = schemas["ReportDetail"]["properties"]
    assert {"evaluation", "score", "findings", "reviews", "status"} <= set(detail)
    error = spec["paths"]["/api/reports/{report_id}"]["get"]["responses"]["404"]["content"]["application/json"]
    assert error["schema"]["$ref"].endswith("/ErrorOut")


def test_a_handler_can_be_called_on_its_own(app):
    from starlette.requests import Request

    from jixiao.store import Viewer
    from jixiao.web.routes import compare

    request = Request({"type": "http", "method": "GET", "path": "/compare", "headers": [], "app": app,
                       "query_string": b""})
    data = compare.comparison(request, Viewer(id=1, name="a", role="admin"), None, None, None)
    assert data["rows"] == [] and data["departments"] == []
    assert inspect.signature(compare.compare_csv).parameters.keys() >= {"request", "region", "year", "v"}
