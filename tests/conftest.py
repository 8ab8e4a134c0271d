"""Shared fixtures: the corpus folder (tests skip cleanly when it is absent) and the repo root on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = Path(__import__("os").environ.get("JIXIAO_CORPUS", ROOT.parent / "shared" / "corpus"))

#: Packages that only make test fixtures (``bench.formats`` draws PDFs with reportlab): a test that needs one that
#: is not installed skips, wherever the import happens. Packages jixiao itself uses are skipped explicitly in the
#: tests (``pytest.importorskip``), so that a missing one in jixiao's own imports still fails.
FIXTURE_ONLY = {"reportlab"}


def _skip_without_fixture_makers():
    try:
        return (yield)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in FIXTURE_ONLY:
            pytest.skip(f"needs {exc.name} (pip install 'jixiao[test]')")
        raise


pytest_runtest_setup = pytest.hookimpl(wrapper=True)(lambda item: (yield from _skip_without_fixture_makers()))
pytest_runtest_call = pytest.hookimpl(wrapper=True)(lambda item: (yield from _skip_without_fixture_makers()))

# A report of our own: 150.00 / 200.00 is 75.00 %, not the 95.00 % it states (web and browser tests).
OWN_REPORT = """南湖区测试局2023年度部门整体支出绩效自评报告

一、部门整体收支情况

全年预算数200.00万元，执行数150.00万元，完成预算的95.00%。

二、自评结论

本部门2023年度绩效自评得分90.00分，等级为“优”。
"""

# A project form of our own with 实施单位 and 年度总体目标 (tab grid, as a digital 自评表 reads), to start a 填报 from.
OWN_PROJECT_FORM = ("项目支出绩效自评表\n（2023年度）\n项目名称\t妇女技能培训\n"
                    "主管部门\t南湖区测试局\t实施单位\t南湖区妇女培训中心\n"
                    "年度总体目标\t开展技能培训20期，培训妇女800人次。\t完成培训21期、830人次。\n"
                    "年度预算数130.00万元，执行数126.10万元，预算执行率97.00%。\n"
                    "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\n"
                    "产出指标\t数量指标\t培训人次\t≥800人次\t830人次\t50\t50\n"
                    "满意度指标\t服务对象满意度\t学员满意度\t≥90%\t96%\t10\t10\n")


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
