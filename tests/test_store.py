"""Store tests, run against SQLite and (when JIXIAO_TEST_PG_URL is set) a real PostgreSQL server."""

from __future__ import annotations

import os
import threading
from decimal import Decimal

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from sqlalchemy import inspect, text  # noqa: E402

from jixiao.store import Store, Viewer  # noqa: E402
from tests.conftest import reset_pg  # noqa: E402

PG_URL = os.environ.get("JIXIAO_TEST_PG_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        if not PG_URL:
            pytest.skip("JIXIAO_TEST_PG_URL not set (PostgreSQL store tests)")
        url = PG_URL
        reset_pg(url)
    s = Store(url)
    s.migrate()
    yield s
    s.dispose()
    if request.param == "postgresql":
        reset_pg(url)


def _analysis(department: str, year: int, rate: str, total: str, findings: int = 1) -> dict:
    return {
        "evaluation": {"department": department, "year": year, "scope": "department",
                       "budget": {"adjusted": Decimal("130.76"), "executed": Decimal("130.44"),
                                  "execution_rate": Decimal(rate)},
                       "score": {"total": Decimal(total)},
                       "evidence": {"budget.execution_rate": {"start": 5, "end": 11, "line": 1, "text": rate + "%"}}},
        "score": {"framework": "test", "total": Decimal(total), "grade": "优", "parts": {}, "items": []},
        "findings": [{"code": "JX106", "severity": "error", "message": "预算执行率不符", "stated": "99.96%",
                      "recomputed": "99.76%"}] * findings,
    }


def _users(store: Store) -> dict[str, Viewer]:
    out = {}
    for name, role, dept, region in (("admin", "admin", None, None), ("rev-a", "reviewer", None, "东湖区"),
                                     ("rev-b", "reviewer", None, "西山区"), ("fill-a", "filler", "东湖区教育局", "东湖区"),
                                     ("fill-b", "filler", "东湖区民政局", "东湖区")):
        out[name] = Viewer.of(store.add_user(name, "secret-pass", role, department=dept, region=region))
    return out


def test_migrations_create_schema_and_are_idempotent(store):
    assert store.revision() == "0004"
    store.migrate()
    assert store.revision() == "0004"
    tables = set(inspect(store.engine).get_table_names())
    assert {"users", "reports", "reviews", "evaluations", "alembic_version"} <= tables


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'wal.db'}")
    store.migrate()
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.dispose()


def test_plain_postgresql_url_means_psycopg():
    from jixiao.store import normalise_url

    assert normalise_url("postgresql://u:p@127.0.0.1/db") == "postgresql+psycopg://u:p@127.0.0.1/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("my.db") == "sqlite:///my.db"


def test_users_passwords_are_argon2_hashed_and_checked(store):
    user = store.add_user("张三", "correct horse", "admin")
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    assert store.authenticate("张三", "correct horse").id == user.id
    assert store.authenticate("张三", "wrong") is None
    assert store.authenticate("nobody", "correct horse") is None
    with pytest.raises(ValueError, match="已存在"):
        store.add_user("张三", "x", "admin")
    with pytest.raises(ValueError, match="角色"):
        store.add_user("李四", "x", "superuser")
    with pytest.raises(ValueError, match="部门"):
        store.add_user("王五", "x", "filler")
    store.set_password("张三", "new password")
    assert store.authenticate("张三", "new password") is not None
    assert store.authenticate("张三", "correct horse") is None


def test_analysis_round_trips_with_decimals(store):
    rid = store.add_report(file_name="番禺.txt", sha256="a" * 64, data="原文".encode(), region="番禺区")
    store.save_analysis(rid, _analysis("番禺区妇联", 2021, "99.96", "99.98"), text_="全年预算数 ……")
    report = store.report(rid)
    assert report.status == "done"
    assert report.department == "番禺区妇联" and report.year == 2021
    assert report.execution_rate == Decimal("99.96") and isinstance(report.execution_rate, Decimal)
    assert report.score_total == Decimal("99.98") and report.self_score == Decimal("99.98")
    assert report.findings_count == 1 and report.errors_count == 1
    budget = report.evaluation_json["budget"]
    assert budget["adjusted"] == Decimal("130.76") and isinstance(budget["adjusted"], Decimal)
    assert report.evaluation_json["evidence"]["budget.execution_rate"]["line"] == 1
    assert report.findings_json[0]["stated"] == "99.96%"
    assert report.text == "全年预算数 ……"
    assert store.report_bytes(rid) == ("番禺.txt", "原文".encode())


def test_failed_report_keeps_its_error(store):
    rid = store.add_report(file_name="bad.pdf", sha256="b" * 64, data=b"%PDF-broken")
    store.set_status(rid, "error", "bad.pdf: 无法读取 PDF")
    row = store.reports()[0]
    assert row.status == "error" and row.error == "bad.pdf: 无法读取 PDF"
    assert row.processed_at if hasattr(row, "processed_at") else True


def test_list_queries_do_not_load_blobs(store):
    rid = store.add_report(file_name="x.txt", sha256="c" * 64, data=b"x" * 1000)
    store.save_analysis(rid, _analysis("甲", 2023, "98.00", "90"), text_="x" * 1000)
    row = store.reports()[0]
    assert "data" not in row._fields and "text" not in row._fields and "evaluation_json" not in row._fields


def test_visibility_by_role(store):
    users = _users(store)
    ids = {}
    for dept, region in (("东湖区教育局", "东湖区"), ("东湖区民政局", "东湖区"), ("西山区妇联", "西山区")):
        rid = store.add_report(file_name=f"{dept}.txt", sha256=dept.encode().hex()[:64].ljust(64, "0"),
                               data=b"x", region=region)
        store.save_analysis(rid, _analysis(dept, 2023, "98.00", "92.5"), text_="x")
        ids[dept] = rid

    def seen(name):
        return {r.department for r in store.reports(users[name])}

    assert seen("admin") == {"东湖区教育局", "东湖区民政局", "西山区妇联"}
    assert seen("rev-a") == {"东湖区教育局", "东湖区民政局"}
    assert seen("rev-b") == {"西山区妇联"}
    assert seen("fill-a") == {"东湖区教育局"}
    assert store.report(ids["东湖区民政局"], users["fill-a"]) is None
    assert store.report(ids["西山区妇联"], users["rev-a"]) is None
    assert store.report(ids["东湖区教育局"], users["fill-a"]).department == "东湖区教育局"
    assert store.count_reports(users["rev-a"]) == 2
    assert store.facets(users["rev-b"]) == {"region": ["西山区"], "year": [2023], "dept_type": ["群团组织"]}  # read from the name


def test_reviews_record_who_and_when(store):
    users = _users(store)
    rid = store.add_report(file_name="r.txt", sha256="d" * 64, data=b"x", region="东湖区")
    store.save_analysis(rid, _analysis("东湖区教育局", 2023, "99.96", "99", findings=2), text_="x")
    review = store.add_review(rid, 1, "confirm", "  执行率确有错误 ", users["rev-a"])
    assert review.comment == "执行率确有错误" and review.user_name == "rev-a" and review.finding_code == "JX106"
    store.add_review(rid, 1, "reject", "复核后属口径差异", users["admin"])
    got = store.reviews(rid)
    assert [(r.decision, r.user_name) for r in got] == [("confirm", "rev-a"), ("reject", "admin")]
    assert all(r.created_at is not None for r in got)
    with pytest.raises(LookupError):
        store.add_review(rid, 5, "confirm", "", users["admin"])
    with pytest.raises(LookupError):  # another region's reviewer cannot see the report
        store.add_review(rid, 0, "confirm", "", users["rev-b"])
    with pytest.raises(ValueError):
        store.add_review(rid, 0, "maybe", "", users["admin"])
    assert store.delete_report(rid)
    assert store.reviews(rid) == []


def test_evaluations_belong_to_the_fillers_department(store):
    users = _users(store)
    data = {"department": "别的部门", "year": 2024, "title": "业务经费自评",
            "budget": {"adjusted": Decimal("100.50"), "executed": Decimal("99.00")},
            "indicators": [{"name": "预算执行率", "weight": Decimal(10), "score": Decimal("9.85")}]}
    form = store.save_evaluation(data, users["fill-a"])
    assert form.department == "东湖区教育局"  # a filler cannot file for another department
    assert form.region == "东湖区"
    got = store.evaluation(form.id, users["fill-a"])
    assert got.data["budget"]["adjusted"] == Decimal("100.50")
    assert got.data["indicators"][0]["score"] == Decimal("9.85")
    assert store.evaluation(form.id, users["fill-b"]) is None
    assert store.evaluation(form.id, users["rev-a"]) is not None
    assert store.evaluation(form.id, users["rev-b"]) is None
    with pytest.raises(LookupError):
        store.save_evaluation(data, users["fill-b"], evaluation_id=form.id, version=form.version)
    updated = store.save_evaluation(dict(data, year=2025), users["fill-a"], evaluation_id=form.id,
                                    version=form.version)
    assert updated.id == form.id and updated.year == 2025
    assert [f.id for f in store.evaluations(users["fill-a"])] == [form.id]
    assert store.evaluations(users["fill-b"]) == []
    assert not store.delete_evaluation(form.id, users["fill-b"])
    assert store.delete_evaluation(form.id, users["fill-a"])


def test_concurrent_writers_are_serialised(store):
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            for j in range(10):
                store.add_report(file_name=f"{i}-{j}.txt", sha256=f"{i:032d}{j:032d}", data=b"x")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count_reports() == 40
