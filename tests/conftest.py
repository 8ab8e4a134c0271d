"""Shared fixtures: the corpus folder (tests skip cleanly when it is absent) and the repo root on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = Path(__import__("os").environ.get("JIXIAO_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir() or not list(CORPUS.glob("*.expected.json")):
        pytest.skip("corpus not present (../shared/corpus)")
    return CORPUS


def corpus_names() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.name.removesuffix(".expected.json") for p in CORPUS.glob("*.expected.json"))


def client_for(app, name: str | None = None, password: str = "secret-pass-1"):
    """A TestClient for the web app, logged in as ``name`` when given; returns (client, csrf token)."""
    from fastapi.testclient import TestClient

    client = TestClient(app)
    token = ""
    if name:
        r = client.post("/api/login", json={"username": name, "password": password})
        assert r.status_code == 200, r.text
        token = r.json()["csrf_token"]
    return client, token


def assert_error_shape(r, status: int) -> dict:
    """The one JSON error shape of the web API: {"ok": false, "error", "errors", "status"}."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status and isinstance(body["errors"], list)
    assert body["error"]
    return body


def reset_pg(url: str) -> None:
    """Empty the PostgreSQL test database (tables and Alembic's version) so a test starts from nothing."""
    from sqlalchemy import text

    from jixiao.store import Store
    from jixiao.store.models import Base

    store = Store(url)
    with store.engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    store.dispose()
