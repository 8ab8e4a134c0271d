"""管理员: 部门管理 and 指标体系管理 (pages with CSRF, the JSON API, roles), and migration 0002.

The web tests and the store tests run against SQLite and (when JIXIAO_TEST_PG_URL is set) PostgreSQL.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import inspect, text  # noqa: E402

from jixiao.store import Store, Viewer  # noqa: E402
from jixiao.store.db import MIGRATIONS  # noqa: E402
from jixiao.web import create_app, services  # noqa: E402
from tests.conftest import assert_error_shape, client_for, reset_pg  # noqa: E402

PG_URL = os.environ.get("JIXIAO_TEST_PG_URL")
PASSWORD = "secret-pass-1"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

FRAMEWORK = """\
id: test-province
name: 某省测试指标体系
scope: project
rounding: half_up
tree:
  - name: 决策
    weight: 40
    children:
      - {name: 目标设定, weight: 40, rule: stated}
  - name: 绩效
    weight: 60
    rule: stated
"""
# line 11 misspells weight: the loader names the file, the line and the key, with a suggestion
TYPO = FRAMEWORK.replace("    weight: 60", "    wieght: 60")
TYPO_ERROR = "bad-province.yaml:11: tree[1].wieght: 未知的键 'wieght'（是否为 'weight'？）"

EVALUATION = {
    "department": "南湖区测试局", "year": 2024, "scope": "project", "title": "测试项目",
    "indicators": [{"level1": "决策", "name": "目标设定", "weight": 40, "score": 36},
                   {"name": "绩效", "weight": 60, "score": 51}],
    "score": {"total": 87},
}


def _url(request, tmp_path, name: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / name}"
    if not PG_URL:
        pytest.skip("JIXIAO_TEST_PG_URL not set (PostgreSQL store tests)")
    reset_pg(PG_URL)
    return PG_URL


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    url = _url(request, tmp_path, "web.db")
    app = create_app(url, secret_key="test-secret", max_upload_mb=1, frameworks_dir=tmp_path / "fw")
    store = app.state.store
    store.add_user("admin", PASSWORD, "admin")
    store.add_user("reviewer", PASSWORD, "reviewer", region="南湖区")
    store.add_user("filler", PASSWORD, "filler", department="南湖区测试局", region="南湖区")
    yield app
    app.state.processor.stop()
    store.dispose()
    if request.param == "postgresql":
        reset_pg(url)


def page_token(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def upload_form(client: TestClient, name: str, content: str, token: str | None = None):
    token = token if token is not None else page_token(client, "/frameworks")
    return client.post("/frameworks/upload", data={"csrf_token": token},
                       files={"file": (name, content.encode("utf-8"), "application/yaml")}, follow_redirects=False)


# -- 部门管理 -----------------------------------------------------------------------------------------------
def test_admin_manages_departments_with_forms(app):
    client, _ = client_for(app, "admin")
    page = client.get("/admin/departments")
    assert page.status_code == 200 and "部门管理" in page.text
    for t in ("群团组织", "政府部门", "事业单位"):  # the vocabulary of dept_types.yaml
        assert f'<option value="{t}"' in page.text
    token = page_token(client, "/admin/departments")
    # no / a forged token: refused, nothing stored
    assert client.post("/admin/departments", data={"name": "南湖区教育局"}).status_code == 403
    assert client.post("/admin/departments", data={"name": "南湖区教育局", "csrf_token": "forged"}).status_code == 403
    assert app.state.store.departments() == []

    r = client.post("/admin/departments", data={"csrf_token": token, "name": "南湖区教育局", "region": "南湖区",
                                                "dept_type": "政府部门"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/departments")
    (dept,) = app.state.store.departments()
    assert (dept.name, dept.region, dept.dept_type) == ("南湖区教育局", "南湖区", "政府部门")
    listing = client.get("/admin/departments").text
    assert "南湖区教育局" in listing and f"/admin/departments/{dept.id}/delete" in listing

    # the name is unique; an unknown type is refused; both re-show the form with the error
    dup = client.post("/admin/departments", data={"csrf_token": token, "name": "南湖区教育局"})
    assert dup.status_code == 400 and "已存在" in dup.text
    bad = client.post("/admin/departments", data={"csrf_token": token, "name": "某某局", "dept_type": "外星机构"})
    assert bad.status_code == 400 and "未知部门类型" in bad.text
    assert len(app.state.store.departments()) == 1

    edit = client.get(f"/admin/departments?edit={dept.id}")
    assert edit.status_code == 200 and f'action="/admin/departments/{dept.id}"' in edit.text
    r = client.post(f"/admin/departments/{dept.id}", data={"csrf_token": token, "name": "南湖区妇女联合会",
                                                           "region": "南湖区", "dept_type": "群团组织"},
                    follow_redirects=False)
    assert r.status_code == 303
    got = app.state.store.department(dept.id)
    assert (got.name, got.dept_type) == ("南湖区妇女联合会", "群团组织")
    assert client.post(f"/admin/departments/{dept.id}/delete", data={}).status_code == 403  # no token
    r = client.post(f"/admin/departments/{dept.id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and app.state.store.departments() == []
    assert client.post(f"/admin/departments/{dept.id}/delete", data={"csrf_token": token}).status_code == 404


def test_admin_manages_departments_via_api(app):
    client, token = client_for(app, "admin")
    h = {"X-CSRF-Token": token}
    assert_error_shape(client.post("/api/departments", json={"name": "北湖区财政局"}), 403)  # no CSRF header
    r = client.post("/api/departments", json={"name": "北湖区财政局", "region": "北湖区", "dept_type": "政府部门"},
                    headers=h)
    assert r.status_code == 201, r.text
    dept = r.json()["department"]
    assert dept["name"] == "北湖区财政局" and dept["region"] == "北湖区"
    listing = client.get("/api/departments").json()
    assert [d["name"] for d in listing["departments"]] == ["北湖区财政局"]
    assert "群团组织" in listing["dept_types"]
    assert_error_shape(client.post("/api/departments", json={"name": "北湖区财政局"}, headers=h), 422)
    assert_error_shape(client.post("/api/departments", json={"name": " "}, headers=h), 422)
    assert_error_shape(client.post("/api/departments", json={"name": "x", "dept_type": "外星机构"}, headers=h), 422)

    did = dept["id"]
    r = client.patch(f"/api/departments/{did}", json={"dept_type": "事业单位"}, headers=h)
    assert r.status_code == 200 and r.json()["department"] == {**dept, "dept_type": "事业单位"}
    r = client.put(f"/api/departments/{did}", json={"name": "北湖区疾病预防控制中心", "dept_type": "事业单位"},
                   headers=h)
    assert r.status_code == 200
    assert r.json()["department"]["name"] == "北湖区疾病预防控制中心" and r.json()["department"]["region"] is None
    assert_error_shape(client.put(f"/api/departments/{did}", json={"region": "x"}, headers=h), 422)
    assert_error_shape(client.patch("/api/departments/9999", json={"region": "x"}, headers=h), 404)
    assert_error_shape(client.patch(f"/api/departments/{did}", json={"dept_type": "外星机构"}, headers=h), 422)
    assert client.get(f"/api/departments/{did}").json()["department"]["dept_type"] == "事业单位"
    assert_error_shape(client.delete(f"/api/departments/{did}"), 403)  # no CSRF header
    assert client.delete(f"/api/departments/{did}", headers=h).json() == {"ok": True}
    assert_error_shape(client.delete(f"/api/departments/{did}", headers=h), 404)
    assert client.get("/api/departments").json()["departments"] == []


@pytest.mark.parametrize("who", ["reviewer", "filler"])
def test_departments_are_admin_only(app, who):
    dept = app.state.store.add_department("南湖区教育局", region="南湖区")
    client, token = client_for(app, who)
    h = {"X-CSRF-Token": token}
    assert_error_shape(client.get("/api/departments"), 403)
    assert_error_shape(client.post("/api/departments", json={"name": "x"}, headers=h), 403)
    assert_error_shape(client.put(f"/api/departments/{dept.id}", json={"name": "x"}, headers=h), 403)
    assert_error_shape(client.patch(f"/api/departments/{dept.id}", json={"name": "x"}, headers=h), 403)
    assert_error_shape(client.delete(f"/api/departments/{dept.id}", headers=h), 403)
    assert client.get("/admin/departments").status_code == 403
    token = page_token(client, "/reports")
    assert client.post("/admin/departments", data={"csrf_token": token, "name": "x"}).status_code == 403
    assert client.post(f"/admin/departments/{dept.id}/delete", data={"csrf_token": token}).status_code == 403
    assert "/admin/departments" not in client.get("/reports").text  # not in the menu either
    assert [d.name for d in app.state.store.departments()] == ["南湖区教育局"]
    anon, _ = client_for(app)
    assert_error_shape(anon.get("/api/departments"), 401)


def test_users_form_offers_departments_and_keeps_free_text(app):
    app.state.store.add_department("南湖区教育局", region="南湖区", dept_type="政府部门")
    client, token = client_for(app, "admin")
    page = client.get("/admin/users").text
    assert '<datalist id="department-options">' in page and '<option value="南湖区教育局">' in page
    assert "/admin/departments" in page
    form_token = page_token(client, "/admin/users")
    r = client.post("/admin/users", data={"csrf_token": form_token, "name": "教育局填报", "password": "pw-123456",
                                          "role": "filler", "department": "南湖区教育局"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/admin/users", data={"csrf_token": form_token, "name": "自由填写", "password": "pw-123456",
                                          "role": "filler", "department": "目录外的局", "region": "西湖区"},
                    follow_redirects=False)
    assert r.status_code == 303
    users = {u["name"]: u for u in client.get("/api/users").json()["users"]}
    # a directory department lends its region; a department typed in is kept as typed
    assert users["教育局填报"]["department"] == "南湖区教育局" and users["教育局填报"]["region"] == "南湖区"
    assert users["自由填写"]["department"] == "目录外的局" and users["自由填写"]["region"] == "西湖区"


# -- 指标体系管理 ---------------------------------------------------------------------------------------------
def test_uploaded_framework_is_listed_and_scores_evaluations(app):
    client, token = client_for(app, "admin")
    h = {"X-CSRF-Token": token}
    r = upload_form(client, "test-province.yaml", FRAMEWORK)
    assert r.status_code == 303 and "test-province" in r.headers["location"]
    page = client.get(r.headers["location"]).text
    assert "指标体系已上传" in page and "某省测试指标体系" in page and "目标设定" in page
    listed = {fw["id"]: fw for fw in client.get("/api/frameworks").json()["frameworks"]}
    assert listed["test-province"]["stored"] is True and listed["test-province"]["name"] == "某省测试指标体系"
    assert listed["mof-project-2020"]["stored"] is False
    assert client.get("/api/frameworks/test-province").json()["framework"]["total"] == 100
    (row,) = app.state.store.stored_frameworks()
    assert row.framework_id == "test-province" and row.uploaded_by_name == "admin"
    assert app.state.store.framework_yaml("test-province") == FRAMEWORK

    # choosable when filling in, and used by the engine
    assert '<option value="test-province"' in client.get("/fill/new").text
    scored = client.post("/api/score", json={"evaluation": EVALUATION, "framework": "test-province"}, headers=h)
    assert scored.status_code == 200, scored.text
    assert scored.json()["score"]["framework"] == "test-province"
    assert Decimal(str(scored.json()["score"]["total"])) == Decimal(87)
    saved = client.post("/api/evaluations", json={"evaluation": EVALUATION, "framework": "test-province"},
                        headers=h).json()["evaluation"]
    got = client.get(f"/api/evaluations/{saved['id']}").json()
    assert got["evaluation"]["framework"] == "test-province"
    assert got["scored"]["score"]["framework"] == "test-province"
    assert Decimal(str(got["scored"]["score"]["total"])) == Decimal(87)
    fill = client.get(f"/fill/{saved['id']}").text
    assert '<option value="test-province" selected' in fill
    xlsx = client.get(f"/fill/{saved['id']}/export/xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    # the filler sees and uses it too (but may not manage it)
    filler, ftoken = client_for(app, "filler")
    assert "test-province" in [fw["id"] for fw in filler.get("/api/frameworks").json()["frameworks"]]
    assert "上传指标体系" not in filler.get("/frameworks").text
    r = filler.post("/api/score", json={"evaluation": EVALUATION, "framework": "test-province"},
                    headers={"X-CSRF-Token": ftoken})
    assert r.json()["score"]["framework"] == "test-province"

    # re-uploading the same id replaces it (API); then it is deleted and gone from the engine's list
    r = client.post("/api/frameworks", files={"file": ("p.yml", FRAMEWORK.replace("某省测试", "某省新版").encode(),
                                                       "application/yaml")}, headers=h)
    assert r.status_code == 200 and r.json()["created"] is False
    assert r.json()["framework"]["name"] == "某省新版指标体系"
    assert len(app.state.store.stored_frameworks()) == 1
    assert client.get("/api/frameworks/test-province").json()["framework"]["name"] == "某省新版指标体系"
    assert client.delete("/api/frameworks/test-province", headers=h).json() == {"ok": True}
    assert "test-province" not in [fw["id"] for fw in client.get("/api/frameworks").json()["frameworks"]]
    assert_error_shape(client.get("/api/frameworks/test-province"), 404)
    assert "未知的指标体系" in client.get(f"/api/evaluations/{saved['id']}").json()["scored"]["error"]
    assert list((app.state.frameworks.folder).glob("*.yaml")) == []


def test_framework_with_a_typo_shows_file_line_errors_and_stores_nothing(app):
    client, token = client_for(app, "admin")
    r = upload_form(client, "bad-province.yaml", TYPO)
    assert r.status_code == 400
    assert "指标体系文件有误，未保存" in r.text
    assert TYPO_ERROR.replace("'", "&#39;") in r.text  # autoescaped, shown verbatim
    assert app.state.store.stored_frameworks() == []
    assert "test-province" not in [fw["id"] for fw in client.get("/api/frameworks").json()["frameworks"]]
    # the API answers the same problems in the one error shape
    body = assert_error_shape(client.post("/api/frameworks", files={"file": ("bad-province.yaml", TYPO.encode())},
                                          headers={"X-CSRF-Token": token}), 422)
    assert TYPO_ERROR in body["errors"]
    assert app.state.store.stored_frameworks() == []
    # YAML syntax, wrong type, a shipped id, no CSRF token
    broken = upload_form(client, "broken.yaml", "id: [\n")
    assert broken.status_code == 400 and re.search(r"broken\.yaml:\d+: \(yaml\)", broken.text)
    assert "须为 .yaml 或 .yml" in upload_form(client, "fw.txt", FRAMEWORK).text
    shipped = upload_form(client, "mine.yaml", FRAMEWORK.replace("id: test-province", "id: mof-project-2020"))
    assert shipped.status_code == 409 and "内置指标体系" in shipped.text
    assert upload_form(client, "test-province.yaml", FRAMEWORK, token="forged").status_code == 403
    slash = upload_form(client, "s.yaml", FRAMEWORK.replace("id: test-province", "id: a/../b"))
    assert slash.status_code == 400 and "只能包含" in slash.text
    big = client.post("/api/frameworks", files={"file": ("big.yaml", FRAMEWORK.encode() + b"#" * 600_000)},
                      headers={"X-CSRF-Token": token})
    assert_error_shape(big, 413)
    assert app.state.store.stored_frameworks() == []


def test_frameworks_management_is_admin_only_and_shipped_ones_stay(app):
    client, token = client_for(app, "admin")
    h = {"X-CSRF-Token": token}
    assert_error_shape(client.delete("/api/frameworks/mof-project-2020", headers=h), 400)
    assert_error_shape(client.delete("/api/frameworks/no-such-framework", headers=h), 404)
    assert client.post("/frameworks/mof-project-2020/delete",
                       data={"csrf_token": page_token(client, "/frameworks")}).status_code == 400
    assert "mof-project-2020" in [fw["id"] for fw in client.get("/api/frameworks").json()["frameworks"]]
    assert upload_form(client, "test-province.yaml", FRAMEWORK).status_code == 303
    page = client.get("/frameworks?name=test-province").text
    assert 'action="/frameworks/test-province/delete"' in page
    assert "/frameworks/mof-project-2020/delete" not in client.get("/frameworks?name=mof-project-2020").text
    for who in ("reviewer", "filler"):
        other, otoken = client_for(app, who)
        oh = {"X-CSRF-Token": otoken}
        assert_error_shape(other.post("/api/frameworks", files={"file": ("x.yaml", FRAMEWORK.encode())},
                                      headers=oh), 403)
        assert_error_shape(other.delete("/api/frameworks/test-province", headers=oh), 403)
        ptoken = page_token(other, "/frameworks")
        assert upload_form(other, "x.yaml", FRAMEWORK, token=ptoken).status_code == 403
        assert other.post("/frameworks/test-province/delete", data={"csrf_token": ptoken}).status_code == 403
    assert [r.framework_id for r in app.state.store.stored_frameworks()] == ["test-province"]
    r = client.post("/frameworks/test-province/delete", data={"csrf_token": page_token(client, "/frameworks")},
                    follow_redirects=False)
    assert r.status_code == 303 and app.state.store.stored_frameworks() == []


def test_stored_frameworks_reach_a_second_app_on_the_same_database(app, tmp_path):
    """Frameworks live in the database: another server process on it sees an upload at once."""
    client, token = client_for(app, "admin")
    assert upload_form(client, "test-province.yaml", FRAMEWORK).status_code == 303
    other = create_app(app.state.store.url, secret_key="test-secret", start_worker=False,
                       frameworks_dir=tmp_path / "fw2")
    try:
        c2, t2 = client_for(other, "admin")
        assert "test-province" in [fw["id"] for fw in c2.get("/api/frameworks").json()["frameworks"]]
        assert client.delete("/api/frameworks/test-province", headers={"X-CSRF-Token": token}).status_code == 200
        assert "test-province" not in [fw["id"] for fw in c2.get("/api/frameworks").json()["frameworks"]]
    finally:
        other.state.processor.stop()
        other.state.store.dispose()


def test_openapi_lists_the_admin_api(app):
    spec = TestClient(app).get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(spec["/api/departments"])
    assert {"put", "patch", "delete"} <= set(spec["/api/departments/{department_id}"])
    assert "post" in spec["/api/frameworks"] and "delete" in spec["/api/frameworks/{name}"]


def test_demo_seeds_the_department_directory(tmp_path):
    from jixiao.web.demo import DEMO_DEPARTMENTS, load_demo

    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    store.migrate()
    load_demo(store, "demo-password")
    depts = {d.name: d for d in store.departments()}
    assert set(depts) == {name for name, _ in DEMO_DEPARTMENTS}
    assert depts["西山区妇女联合会"].dept_type == "群团组织" and depts["东湖区教育局"].dept_type == "政府部门"
    # the sample reports are filed under the same vocabulary as the directory and `jixiao batch --summary`
    reports = store.reports(Viewer(id=0, name="admin", role="admin"))
    assert {r.dept_type for r in reports} <= set(services.dept_types())
    store.dispose()


# -- migration 0002 ---------------------------------------------------------------------------------------
def _alembic(store: Store, target: str, downgrade: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if downgrade else command.upgrade)(cfg, target)


@pytest.fixture(params=BACKENDS)
def bare_store(request, tmp_path):
    url = _url(request, tmp_path, "migrate.db")
    s = Store(url)
    yield s
    s.dispose()
    if request.param == "postgresql":
        reset_pg(url)


def test_migration_0002_upgrades_a_0001_database_and_downgrades(bare_store):
    store = bare_store
    _alembic(store, "0001")
    assert store.revision() == "0001"
    assert not {"departments", "frameworks"} & set(inspect(store.engine).get_table_names())
    with store.engine.begin() as conn:  # a user made under 0001 survives the upgrade (batch mode on SQLite)
        conn.execute(text("INSERT INTO users (name, password_hash, role, department, active, created_at) "
                          "VALUES ('老用户', 'x', 'filler', '南湖区测试局', true, CURRENT_TIMESTAMP)"))
    store.migrate()
    assert store.revision() == "0004"
    insp = inspect(store.engine)
    assert {"departments", "frameworks"} <= set(insp.get_table_names())
    assert "ix_users_department" in {ix["name"] for ix in insp.get_indexes("users")}
    assert {c["name"] for c in insp.get_columns("frameworks")} >= {"framework_id", "yaml_text", "sha256"}
    assert [u.name for u in store.users()] == ["老用户"]
    store.add_department("南湖区测试局", region="南湖区", dept_type="政府部门")
    with pytest.raises(ValueError, match="已存在"):
        store.add_department("南湖区测试局")
    row, created = store.save_framework("fw-a", "A", "a.yaml", "id: fw-a\n")
    assert created and store.save_framework("fw-a", "A2", "a.yaml", "id: fw-a\n# v2\n")[1] is False
    assert [(r.framework_id, r.name) for r in store.stored_frameworks()] == [("fw-a", "A2")]
    store.migrate()  # idempotent
    assert store.revision() == "0004"

    _alembic(store, "0001", downgrade=True)
    insp = inspect(store.engine)
    assert store.revision() == "0001"
    assert not {"departments", "frameworks"} & set(insp.get_table_names())
    assert "ix_users_department" not in {ix["name"] for ix in insp.get_indexes("users")}
    assert [u.name for u in store.users()] == ["老用户"]
    store.migrate()
    assert store.revision() == "0004" and store.departments() == []


def test_department_store_functions(bare_store):
    store = bare_store
    store.migrate()
    a = store.add_department(" 东湖区教育局 ", region="东湖区", dept_type="政府部门")
    b = store.add_department("东湖区妇联", region="东湖区", dept_type="")
    assert a.name == "东湖区教育局" and b.dept_type is None
    assert store.department_named("东湖区教育局").id == a.id
    with pytest.raises(ValueError, match="已存在"):
        store.update_department(b.id, name="东湖区教育局")
    with pytest.raises(ValueError, match="不能为空"):
        store.update_department(b.id, name="  ")
    assert store.update_department(b.id, dept_type="群团组织").dept_type == "群团组织"
    assert store.update_department(b.id, region="").region is None
    assert store.update_department(9999, name="x") is None
    assert store.delete_department(a.id) and not store.delete_department(a.id)
    assert [d.name for d in store.departments()] == ["东湖区妇联"]
