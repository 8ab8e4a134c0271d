"""The JSON API and the pages, through FastAPI's TestClient (no server, no network)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")

from fastapi.testclient import TestClient  # noqa: E402

from jixiao.web import create_app  # noqa: E402
from tests.conftest import OWN_PROJECT_FORM as _OWN_PROJECT_FORM  # noqa: E402
from tests.conftest import OWN_REPORT as _OWN_REPORT  # noqa: E402
from tests.conftest import assert_error_shape, client_for  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SEED_001 = CORPUS / "001_c9021f7b19f56ffc.txt"
PASSWORD = "secret-pass-1"

OWN_REPORT = _OWN_REPORT.encode()


@pytest.fixture
def app(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret_key="test-secret", max_upload_mb=1)
    store = app.state.store
    store.add_user("admin", PASSWORD, "admin")
    store.add_user("reviewer", PASSWORD, "reviewer", region="南湖区")
    store.add_user("filler", PASSWORD, "filler", department="南湖区测试局", region="南湖区")
    store.add_user("other", PASSWORD, "filler", department="北湖区财政局", region="北湖区")
    yield app
    app.state.processor.stop()
    store.dispose()


def upload(client: TestClient, token: str, files: list[tuple[str, bytes]], **fields) -> dict:
    r = client.post("/api/reports", files=[("files", (n, d, "text/plain")) for n, d in files],
                    data=fields, headers={"X-CSRF-Token": token})
    assert r.status_code == 202, r.text
    return r.json()


def test_login_me_logout(app):
    client, token = client_for(app, "admin")
    me = client.get("/api/me").json()
    assert me["user"]["name"] == "admin" and me["user"]["role_label"] == "管理员"
    assert me["csrf_token"] == token
    assert client.post("/api/logout", headers={"X-CSRF-Token": token}).json() == {"ok": True}
    assert_error_shape(client.get("/api/me"), 401)


def test_one_error_shape_for_all_errors(app):
    client, token = client_for(app)
    assert_error_shape(client.get("/api/reports"), 401)
    assert_error_shape(client.post("/api/login", json={"username": "admin", "password": "nope"}), 401)
    client, token = client_for(app, "admin")
    assert_error_shape(client.get("/api/no-such-thing"), 404)
    assert_error_shape(client.get("/api/reports/999"), 404)
    body = assert_error_shape(client.get("/api/reports?year=abc"), 422)
    assert body["errors"] and body["errors"][0]["loc"][-1] == "year"
    assert_error_shape(client.post("/api/evaluations", json={"year": 2024}), 403)  # no CSRF header
    assert_error_shape(client.post("/api/reports/1/reviews", json={}, headers={"X-CSRF-Token": token}), 422)
    assert_error_shape(client.delete("/api/reports", headers={"X-CSRF-Token": token}), 405)
    filler, ftoken = client_for(app, "filler")
    assert_error_shape(filler.get("/api/users"), 403)


def test_openapi_documents_the_api(app):
    client, _ = client_for(app)
    spec = client.get("/api/openapi.json").json()
    for path in ("/api/login", "/api/reports", "/api/reports/{report_id}", "/api/reports/{report_id}/reviews",
                 "/api/evaluations", "/api/score", "/api/compare", "/api/frameworks"):
        assert path in spec["paths"], path
    assert "/reports" not in spec["paths"]  # pages are not part of the API
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/reports/{report_id}/reviews" in docs.text
    assert "cdn" not in docs.text.lower() and "<script src=\"http" not in docs.text


def test_upload_process_and_read_back_own_report(app):
    client, token = client_for(app, "admin")
    got = upload(client, token, [("南湖.txt", OWN_REPORT)], region="南湖区", dept_type="行政单位")
    assert [a["file"] for a in got["accepted"]] == ["南湖.txt"] and got["rejected"] == []
    app.state.processor.wait()
    rid = got["accepted"][0]["id"]
    report = client.get(f"/api/reports/{rid}").json()["report"]
    assert report["status"] == "done"
    assert report["department"] == "南湖区测试局" and report["year"] == 2023 and report["region"] == "南湖区"
    assert report["evaluation"]["budget"]["execution_rate"] == 95
    codes = {f["code"]: f for f in report["findings"]}
    rate = codes["JX106"]
    assert rate["severity"] == "error" and "75.00" in rate["recomputed"]
    listing = client.get("/api/reports", params={"batch": got["batch"]}).json()
    assert listing["total"] == 1 and listing["reports"][0]["execution_rate"] == 95
    # the page shows the finding and the highlighted figure on its line
    with_text = client.get(f"/api/reports/{rid}", params={"text": "true"}).json()["report"]
    ev = rate["evidence"]
    assert with_text["text"][ev["start"]:ev["end"]] == ev["text"] == "95.00%"
    page = client.get(f"/reports/{rid}").text
    line = rate["evidence"]["line"]
    assert f'id="L{line}"' in page and 'class="hit"' in page and "95.00%" in page


@pytest.mark.corpus
@pytest.mark.skipif(not SEED_001.exists(), reason="needs ../shared/corpus")
def test_seed_001_execution_rate_finding(app):
    client, token = client_for(app, "admin")
    got = upload(client, token, [(SEED_001.name, SEED_001.read_bytes())])
    app.state.processor.wait()
    report = client.get(f"/api/reports/{got['accepted'][0]['id']}").json()["report"]
    assert report["department"] == "广州市番禺区妇女联合会" and report["year"] == 2021
    rate = [f for f in report["findings"] if f["code"] == "JX106"]
    assert rate and "99.96" in rate[0]["message"] and "99.76" in rate[0]["message"]


def test_failed_file_shows_its_error_and_the_rest_continue(app):
    client, token = client_for(app, "admin")
    got = upload(client, token, [("broken.docx", b"this is not a zip file"), ("good.txt", OWN_REPORT)])
    app.state.processor.wait()
    rows = {r["file"]: r for r in client.get("/api/reports", params={"batch": got["batch"]}).json()["reports"]}
    assert rows["broken.docx"]["status"] == "error" and rows["broken.docx"]["error"]
    assert "\n" not in rows["broken.docx"]["error"]
    assert rows["good.txt"]["status"] == "done"
    # the progress fragment polled by htmx shows both and stops polling when finished
    frag = client.get(f"/upload/{got['batch']}").text
    assert "2 / 2" in frag and "hx-trigger" not in frag and "broken.docx" in frag and "失败" in frag


def test_reviews_confirm_and_reject_with_comment(app):
    client, token = client_for(app, "admin")
    got = upload(client, token, [("南湖.txt", OWN_REPORT)], region="南湖区")
    app.state.processor.wait()
    rid = got["accepted"][0]["id"]
    reviewer, rtoken = client_for(app, "reviewer")
    r = reviewer.post(f"/api/reports/{rid}/reviews", json={"finding_index": 0, "decision": "confirm",
                                                          "comment": "执行率写错"}, headers={"X-CSRF-Token": rtoken})
    assert r.status_code == 200, r.text
    assert r.json()["review"]["user"] == "reviewer" and r.json()["review"]["comment"] == "执行率写错"
    reviews = client.get(f"/api/reports/{rid}").json()["report"]["reviews"]
    assert [(x["decision"], x["user"]) for x in reviews] == [("confirm", "reviewer")]
    filler, ftoken = client_for(app, "filler")
    assert_error_shape(filler.post(f"/api/reports/{rid}/reviews", json={"finding_index": 0, "decision": "reject"},
                                   headers={"X-CSRF-Token": ftoken}), 403)
    # the htmx form on the page
    page = reviewer.get(f"/reports/{rid}").text
    token_in_page = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    frag = reviewer.post(f"/reports/{rid}/findings/0/review",
                         data={"decision": "reject", "comment": "口径差异", "csrf_token": token_in_page})
    assert frag.status_code == 200 and "驳回" in frag.text and "口径差异" in frag.text


def test_evaluations_crud_and_live_score(app):
    client, token = client_for(app, "filler")
    body = {"evaluation": {"title": "业务经费自评", "year": 2024, "scope": "project",
                           "budget": {"adjusted": 200, "executed": 150, "execution_rate": 75},
                           "indicators": [{"level1": "项目资金", "name": "预算执行率", "weight": 10, "score": 7.5},
                                          {"level1": "产出指标", "level2": "数量指标", "name": "培训人次",
                                           "target": "≥600人次", "actual": "640人次", "weight": 90, "score": 90}]}}
    r = client.post("/api/evaluations", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    ev = r.json()["evaluation"]
    assert ev["department"] == "南湖区测试局"
    got = client.get(f"/api/evaluations/{ev['id']}").json()
    assert got["scored"]["score"]["total"] is not None
    body["evaluation"]["year"] = 2025
    r = client.put(f"/api/evaluations/{ev['id']}", json=dict(body, version=ev["version"]),
                   headers={"X-CSRF-Token": token})
    assert r.json()["evaluation"]["year"] == 2025 and r.json()["evaluation"]["version"] == ev["version"] + 1
    scored = client.post("/api/score", json=body, headers={"X-CSRF-Token": token}).json()
    assert scored["ok"] and Decimal(str(scored["score"]["total"])) > 0
    assert [e["id"] for e in client.get("/api/evaluations").json()["evaluations"]] == [ev["id"]]
    xlsx = client.get(f"/fill/{ev['id']}/export/xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "filename*=UTF-8''" in xlsx.headers["content-disposition"]
    draft = client.get(f"/fill/{ev['id']}/export/docx", params={"draft": 1})
    assert draft.status_code == 200 and draft.content[:2] == b"PK"
    assert client.delete(f"/api/evaluations/{ev['id']}", headers={"X-CSRF-Token": token}).json()["ok"]
    assert_error_shape(client.get(f"/api/evaluations/{ev['id']}"), 404)


def test_fill_page_scores_as_you_type_and_saves(app):
    client, _ = client_for(app, "filler")
    page = client.get("/fill/new").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "title": "培训经费", "year": "2024", "scope": "project",
            "budget.adjusted": "200", "budget.executed": "150",
            "ind.level1": ["项目资金", "产出指标"], "ind.level2": ["", "数量指标"], "ind.name": ["预算执行率", "培训人次"],
            "ind.target": ["", "≥600人次"], "ind.actual": ["", "640人次"], "ind.weight": ["10", "90"],
            "ind.score": ["7.5", "90"]}
    frag = client.post("/fill/score", data=form)
    assert frag.status_code == 200 and 'id="live-total"' in frag.text and "预算执行率" in frag.text
    bad = client.post("/fill/score", data=dict(form, **{"budget.adjusted": "二百"}))
    assert "不是数字" in bad.text
    saved = client.post("/fill/save", data=form, follow_redirects=False)
    assert saved.status_code == 303
    edit = client.get(saved.headers["location"])
    assert edit.status_code == 200 and "培训人次" in edit.text and "已保存" in edit.text


def test_exports(app):
    pytest.importorskip("openpyxl")
    client, token = client_for(app, "admin")
    got = upload(client, token, [("南湖.txt", OWN_REPORT)], region="南湖区")
    app.state.processor.wait()
    rid = got["accepted"][0]["id"]
    r = client.get(f"/reports/{rid}/export/xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "attachment" in r.headers["content-disposition"]
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert_error_shape(client.get(f"/api/reports/{rid}/export/exe"), 404)


def test_compare_page_api_and_csv(app):
    client, token = client_for(app, "admin")
    upload(client, token, [("南湖.txt", OWN_REPORT)], region="南湖区", dept_type="行政单位")
    app.state.processor.wait()
    data = client.get("/api/compare", params={"region": "南湖区"}).json()
    assert data["departments"] == ["南湖区测试局"] and data["years"] == [2023]
    assert client.get("/api/compare", params={"region": "北湖区"}).json()["reports"] == []
    page = client.get("/compare")
    assert page.status_code == 200 and 'id="compare-data"' in page.text and "南湖区测试局" in page.text
    csv_text = client.get("/compare.csv").content.decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    assert header.startswith("报告ID,文件,部门") and "南湖区测试局" in row and ",75" not in row and ",95" in row


def test_frameworks_pages_and_api(app):
    client, _ = client_for(app, "reviewer")
    items = client.get("/api/frameworks").json()["frameworks"]
    if not items:
        pytest.skip("no scoring frameworks installed")
    detail = client.get(f"/api/frameworks/{items[0]['id']}").json()["framework"]
    assert detail["nodes"] and detail["rules"]
    page = client.get("/frameworks").text
    assert items[0]["name"] in page and "评分规则" in page
    assert_error_shape(client.get("/api/frameworks/no-such-framework"), 404)


def test_pages_need_login_and_render(app):
    client, _ = client_for(app)
    r = client.get("/compare", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    client, _ = client_for(app, "admin")
    for path in ("/reports", "/fill", "/fill/new", "/compare", "/frameworks", "/admin/users"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert '<html lang="zh-CN">' in r.text
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/static/vendor/echarts.min.js").status_code == 200


def test_admin_adds_users_via_api(app):
    client, token = client_for(app, "admin")
    r = client.post("/api/users", json={"name": "新填报人", "password": "pw-123456", "role": "filler",
                                        "department": "南湖区测试局"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    assert_error_shape(client.post("/api/users", json={"name": "x", "password": "p", "role": "filler"},
                                   headers={"X-CSRF-Token": token}), 422)
    assert "新填报人" in [u["name"] for u in client.get("/api/users").json()["users"]]
    new, _ = client_for(app)
    assert new.post("/api/login", json={"username": "新填报人", "password": "pw-123456"}).status_code == 200


def test_users_add_cli_creates_the_first_admin(tmp_path):
    from typer.testing import CliRunner

    from jixiao.cli import app as cli
    from jixiao.store import Store

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    r = runner.invoke(cli, ["users", "add", "首位管理员", "--role", "admin", "--password-stdin", "--db", db,
                            "--format", "json"], input="long-enough-pw\n")
    assert r.exit_code == 0, r.output
    assert '"role": "admin"' in r.output
    r = runner.invoke(cli, ["users", "add", "填报甲", "--role", "filler", "--password-stdin", "--db", db],
                      input="long-enough-pw\n")
    assert r.exit_code == 2 and "部门" in r.output
    r = runner.invoke(cli, ["users", "add", "短", "--role", "admin", "--password-stdin", "--db", db], input="short\n")
    assert r.exit_code == 2
    store = Store(db)
    assert store.authenticate("首位管理员", "long-enough-pw") is not None
    store.dispose()


def test_demo_loads_the_bundled_samples(tmp_path):
    from jixiao.store import Store
    from jixiao.web.demo import load_demo, sample_files

    samples = sample_files()
    assert len(samples) >= 5 and any(s["file"].endswith(".docx") for s in samples)
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    store.migrate()
    name, password, queued = load_demo(store, "demo-password")
    assert (name, password, queued) == ("admin", "demo-password", len(samples))
    assert load_demo(store)[1:] == (None, 0)  # a second start adds nothing and keeps the password
    app = create_app(store=store, secret_key="demo", demo_login=(name, password))
    app.state.processor.wait()
    client = TestClient(app)
    assert "demo-password" in client.get("/login").text
    client.post("/api/login", json={"username": "admin", "password": "demo-password"})
    rows = client.get("/api/reports").json()["reports"]
    assert len(rows) == len(samples) and all(r["status"] == "done" for r in rows), rows
    assert {r["region"] for r in rows} == {"东湖区", "西山区"}
    planted = next(r for r in rows if r["file"].startswith("03-"))
    findings = client.get(f"/api/reports/{planted['id']}").json()["report"]["findings"]
    assert any(f["code"] == "JX106" and "96.07" in f["message"] for f in findings)
    # the demo filler sees only their department
    filler = TestClient(app)
    filler.post("/api/login", json={"username": "filler", "password": "demo-password"})
    assert {r["department"] for r in filler.get("/api/reports").json()["reports"]} == {"东湖区民政局"}
    app.state.processor.stop()
    store.dispose()


@pytest.mark.postgres
def test_workbench_on_postgresql(tmp_path):
    import os

    url = os.environ.get("JIXIAO_TEST_PG_URL")
    if not url:
        pytest.skip("JIXIAO_TEST_PG_URL not set")
    from sqlalchemy import text

    from jixiao.store import Store
    from jixiao.store.models import Base

    def reset():
        s = Store(url)
        with s.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        s.dispose()

    reset()
    try:
        app = create_app(url, secret_key="pg")
        app.state.store.add_user("admin", PASSWORD, "admin")
        client, token = client_for(app, "admin")
        got = upload(client, token, [("南湖.txt", OWN_REPORT)], region="南湖区")
        app.state.processor.wait()
        report = client.get(f"/api/reports/{got['accepted'][0]['id']}").json()["report"]
        assert report["status"] == "done" and any(f["code"] == "JX106" for f in report["findings"])
        assert client.get("/api/compare").json()["departments"] == ["南湖区测试局"]
        assert "南湖区测试局" in client.get(f"/reports/{report['id']}").text
        app.state.processor.stop()
        app.state.store.dispose()
    finally:
        reset()


def test_isolated_processing_in_child_processes(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'iso.db'}", secret_key="iso", isolate=True)
    app.state.store.add_user("admin", PASSWORD, "admin")
    client, token = client_for(app, "admin")
    got = upload(client, token, [("good.txt", OWN_REPORT), ("bad.docx", b"not a zip")])
    app.state.processor.wait()
    rows = {r["file"]: r for r in client.get("/api/reports").json()["reports"]}
    assert rows["good.txt"]["status"] == "done" and rows["good.txt"]["findings_count"] >= 1
    assert rows["bad.docx"]["status"] == "error"
    assert got["batch"]
    app.state.processor.stop()
    app.state.store.dispose()


def test_evaluation_files_and_workbooks_can_be_uploaded(app):
    import io
    import json

    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "培训项目"])
    wb.active.append(["全年预算数", "100", "执行数", "90", "执行率", "90%"])
    buf = io.BytesIO()
    wb.save(buf)
    evaluation = {"doc": "填报", "department": "南湖区测试局", "year": 2023, "scope": "project",
                  "budget": {"adjusted": 200, "executed": 150, "execution_rate": 95}}
    client, token = client_for(app, "admin")
    got = upload(client, token, [("自评.json", json.dumps(evaluation, ensure_ascii=False).encode()),
                                 ("表格.xlsx", buf.getvalue()), ("坏的.yaml", b"department: [unclosed")])
    app.state.processor.wait()
    rows = {r["file"]: r for r in client.get("/api/reports", params={"batch": got["batch"]}).json()["reports"]}
    assert rows["自评.json"]["status"] == "done" and rows["自评.json"]["execution_rate"] == 95
    assert any(f["code"] == "JX106" for f in
               client.get(f"/api/reports/{rows['自评.json']['id']}").json()["report"]["findings"])
    assert rows["表格.xlsx"]["status"] == "done"
    assert rows["坏的.yaml"]["status"] == "error" and "jixiao-upload" not in rows["坏的.yaml"]["error"]


OWN_PROJECT_FORM = _OWN_PROJECT_FORM.encode()


def _token(client, path: str = "/fill") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_fill_can_start_from_an_uploaded_file_and_nothing_is_saved_until_save(app):
    client, _ = client_for(app, "filler")
    token = _token(client)
    r = client.post("/fill/import", data={"csrf_token": token},
                    files={"file": ("去年自评表.txt", OWN_PROJECT_FORM, "text/plain")})
    assert r.status_code == 200 and 'id="import-notice"' in r.text
    for shown in ("南湖区妇女培训中心", "开展技能培训20期", "完成培训21期", "培训人次", "学员满意度", "126.1"):
        assert shown in r.text, shown
    assert client.get("/api/evaluations").json()["evaluations"] == []  # prefilled, not stored
    bad = client.post("/fill/import", data={"csrf_token": token}, files={"file": ("x.exe", b"MZ", "text/plain")})
    assert bad.status_code == 400 and "不支持的文件类型" in bad.text
    empty = client.post("/fill/import", data={"csrf_token": token}, files={"file": ("空.txt", b"", "text/plain")})
    assert empty.status_code == 400 and "空文件" in empty.text
    big = client.post("/fill/import", data={"csrf_token": token},
                      files={"file": ("大.txt", b"x" * (1024 * 1024 + 1), "text/plain")})
    assert big.status_code == 413
    assert client.post("/fill/import", files={"file": ("a.txt", OWN_PROJECT_FORM, "text/plain")}).status_code == 403


def test_fill_can_start_from_a_stored_report_of_ones_own_department_only(app):
    admin, token = client_for(app, "admin")
    got = upload(admin, token, [("南湖.txt", OWN_REPORT)], region="南湖区")
    app.state.processor.wait()
    rid = got["accepted"][0]["id"]
    assert 'id="fill-from-report"' in admin.get(f"/reports/{rid}").text
    filler, _ = client_for(app, "filler")
    page = filler.get(f"/fill/from-report/{rid}")
    assert page.status_code == 200 and "南湖区测试局" in page.text and 'value="200' in page.text
    other, _ = client_for(app, "other")
    assert other.get(f"/fill/from-report/{rid}").status_code == 404


def test_report_page_lists_money_by_source(app):
    form = ("临河镇2023年度衔接资金项目绩效自评表\n项目名称 | 小型灌溉渠修缮 |\n"
            "项目资金（万元） | 全年预算数 | 全年执行数 | 执行率 |\n"
            "年度资金总额 | 120.5 | 118.2 | 98.09% |\n"
            "其中：中央补助资金 | 80 | 80 | 100% |\n"
            "省级配套资金 | 40.5 | 38.2 | 94.32% |\n")
    client, token = client_for(app, "admin")
    got = upload(client, token, [("临河.txt", form.encode("utf-8"))], region="临河镇", dept_type="基层政府")
    app.state.processor.wait()
    rid = got["accepted"][0]["id"]
    report = client.get(f"/api/reports/{rid}").json()["report"]
    assert [s["name"] for s in report["evaluation"]["funding_sources"]] == ["中央补助资金", "省级配套资金"]
    page = client.get(f"/reports/{rid}").text
    assert "资金来源" in page and "省级配套资金" in page and "94.32%" in page
