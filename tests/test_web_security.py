"""Security behaviour of the workbench: access by role, CSRF, inert uploads, upload limits, rate limiting."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")

from fastapi.testclient import TestClient  # noqa: E402

from jixiao.web import create_app  # noqa: E402

PASSWORD = "secret-pass-1"

SCRIPT_REPORT = """北湖区测试局2023年度部门整体支出绩效自评报告<script>alert("pwned")</script>

全年预算数120.00万元，执行数118.80万元，完成预算的99.00%。<img src=x onerror="alert(2)">
""".encode()


@pytest.fixture
def app(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'sec.db'}", secret_key="test-secret", max_upload_mb=0.01,
                     login_limit=5, login_window=300)
    store = app.state.store
    store.add_user("admin", PASSWORD, "admin")
    store.add_user("filler-a", PASSWORD, "filler", department="甲局", region="东区")
    store.add_user("filler-b", PASSWORD, "filler", department="乙局", region="东区")
    store.add_user("reviewer-west", PASSWORD, "reviewer", region="西区")
    yield app
    app.state.processor.stop()
    store.dispose()


def login(app, name: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    r = client.post("/api/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, r.json()["csrf_token"]


def page_token(client: TestClient, path: str = "/reports") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_other_departments_evaluation_is_invisible_to_a_filler(app):
    a, ta = login(app, "filler-a")
    r = a.post("/api/evaluations", json={"title": "甲局自评", "year": 2024}, headers={"X-CSRF-Token": ta})
    eid = r.json()["evaluation"]["id"]
    b, tb = login(app, "filler-b")
    assert b.get(f"/api/evaluations/{eid}").status_code == 404
    assert b.get(f"/fill/{eid}").status_code == 404
    assert b.get(f"/fill/{eid}/export/xlsx").status_code == 404
    assert b.put(f"/api/evaluations/{eid}", json={"title": "改掉"}, headers={"X-CSRF-Token": tb}).status_code == 404
    assert b.delete(f"/api/evaluations/{eid}", headers={"X-CSRF-Token": tb}).status_code == 404
    saved = b.post("/fill/save", data={"csrf_token": page_token(b, "/fill/new"), "evaluation_id": str(eid),
                                       "title": "改掉"})
    assert saved.status_code == 404
    assert b.get("/api/evaluations").json()["evaluations"] == []
    assert "甲局自评" not in b.get("/fill").text
    assert a.get(f"/api/evaluations/{eid}").json()["evaluation"]["title"] == "甲局自评"


def test_reports_of_another_region_or_department_are_invisible(app):
    admin, token = login(app, "admin")
    r = admin.post("/api/reports", files=[("files", ("东区.txt", SCRIPT_REPORT, "text/plain"))],
                   data={"region": "东区"}, headers={"X-CSRF-Token": token})
    rid = r.json()["accepted"][0]["id"]
    app.state.processor.wait()
    west, _ = login(app, "reviewer-west")
    assert west.get(f"/api/reports/{rid}").status_code == 404
    assert west.get(f"/reports/{rid}").status_code == 404
    assert west.get("/api/reports").json()["reports"] == []
    b, _ = login(app, "filler-b")
    assert b.get(f"/reports/{rid}").status_code == 404


def test_form_post_without_csrf_token_is_refused(app):
    client, _ = login(app, "filler-a")
    assert client.post("/fill/save", data={"title": "x"}).status_code == 403
    assert client.post("/fill/save", data={"title": "x", "csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/upload", files=[("files", ("a.txt", b"x", "text/plain"))]).status_code == 403
    # a login form post from another site carries no token either
    anon = TestClient(app)
    r = anon.post("/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 403
    # with the token from the page it works
    assert client.post("/fill/save", data={"title": "x", "csrf_token": page_token(client, "/fill/new")},
                       follow_redirects=False).status_code == 303
    # htmx posts send the token in a header
    assert client.post("/fill/score", data={"title": "x"}, headers={"X-CSRF-Token": page_token(client)}).status_code == 200


def test_api_post_without_csrf_header_is_refused(app):
    client, token = login(app, "admin")
    body = client.post("/api/users", json={"name": "x", "password": "y" * 10, "role": "admin"}).json()
    assert body["status"] == 403 and "CSRF" in body["error"]


def test_uploaded_script_renders_inert(app):
    client, token = login(app, "admin")
    r = client.post("/api/reports", files=[("files", ("<i onclick=alert(3)>x.txt", SCRIPT_REPORT, "text/plain"))],
                    headers={"X-CSRF-Token": token})
    rid = r.json()["accepted"][0]["id"]
    app.state.processor.wait()
    page = client.get(f"/reports/{rid}")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert" not in html and '<img src=x' not in html and "<i onclick" not in html
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html or "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    listing = client.get("/reports").text
    assert "<i onclick" not in listing and "&lt;i onclick=alert(3)&gt;x.txt" in listing


def test_oversize_upload_is_refused(app):
    client, token = login(app, "admin")
    big = b"a" * (int(0.01 * 1024 * 1024) + 1)
    r = client.post("/api/reports", files=[("files", ("big.txt", big, "text/plain"))], headers={"X-CSRF-Token": token})
    assert r.status_code == 413 and r.json()["ok"] is False and "过大" in r.json()["error"]
    frag = client.post("/upload", files=[("files", ("big.txt", big, "text/plain"))],
                       headers={"X-CSRF-Token": page_token(client)})
    assert "已拒绝" in frag.text and "过大" in frag.text
    assert client.get("/api/reports").json()["total"] == 0


@pytest.mark.parametrize("name", ["../../etc/passwd.txt", "..\\..\\windows\\win.ini.txt", "/etc/cron.d/x.txt",
                                  "C:evil.txt", ".hidden.txt", "a\x00b.txt", "..%2f..%2fetc.txt",
                                  "report.exe"])
def test_path_traversal_and_bad_names_are_refused(app, name):
    client, token = login(app, "admin")
    r = client.post("/api/reports", files=[("files", (name, b"text", "text/plain"))], headers={"X-CSRF-Token": token})
    assert r.status_code == 400, (name, r.text)
    assert r.json()["errors"][0]["file"] in (name, name.replace("\x00", "%00"))  # the client escapes NUL
    assert client.get("/api/reports").json()["total"] == 0


def test_mixed_batch_keeps_the_good_files(app):
    client, token = login(app, "admin")
    r = client.post("/api/reports", files=[("files", ("../x.txt", b"a", "text/plain")),
                                           ("files", ("ok.txt", SCRIPT_REPORT, "text/plain"))],
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 202
    assert [a["file"] for a in r.json()["accepted"]] == ["ok.txt"]
    assert [x["file"] for x in r.json()["rejected"]] == ["../x.txt"]


def test_wrong_passwords_are_rate_limited(app):
    client = TestClient(app)
    for _ in range(5):
        r = client.post("/api/login", json={"username": "admin", "password": "wrong"})
        assert r.status_code == 401
    r = client.post("/api/login", json={"username": "admin", "password": "wrong"})
    assert r.status_code == 429 and r.json()["status"] == 429
    # even the right password is refused while blocked
    assert client.post("/api/login", json={"username": "admin", "password": PASSWORD}).status_code == 429
    # the login page says so too
    token = page_token(client, "/login")
    page = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert page.status_code == 429 and "过多" in page.text
    # a cross-site form (text/plain) cannot log in through the API
    assert TestClient(app).post("/api/login", content=b'{"username": "filler-a", "password": "x"}',
                                headers={"content-type": "text/plain"}).status_code == 422
    # another user is not affected
    assert client.post("/api/login", json={"username": "filler-a", "password": PASSWORD}).status_code == 200


def test_session_cookie_is_signed_and_http_only(app):
    client, _ = login(app, "filler-a")
    cookie = client.cookies.get("jixiao_session")
    assert cookie
    forged = TestClient(app)
    forged.cookies.set("jixiao_session", cookie[:-4] + "AAAA")
    assert forged.get("/api/me").status_code == 401
    r = TestClient(app).post("/api/login", json={"username": "admin", "password": PASSWORD})
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=lax" in r.headers["set-cookie"].lower()


def test_login_redirect_stays_on_site(app):
    client = TestClient(app)
    token = page_token(client, "/login")
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token,
                                    "next": "//evil.example/phish"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/reports"


def test_filler_uploads_are_filed_under_their_department(app):
    a, token = login(app, "filler-a")
    r = a.post("/api/reports", files=[("files", ("x.txt", SCRIPT_REPORT, "text/plain"))],
               headers={"X-CSRF-Token": token})
    rid = r.json()["accepted"][0]["id"]
    app.state.processor.wait()
    assert a.get(f"/api/reports/{rid}").json()["report"]["department"] == "甲局"
    b, _ = login(app, "filler-b")
    assert b.get(f"/api/reports/{rid}").status_code == 404
