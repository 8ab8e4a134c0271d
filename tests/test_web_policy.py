"""The policy table, one test per cell: who may create, edit, delete, move and see each object.

The expected table is written out here on its own (it is what docs/web.md shows); each cell is then
tried through the JSON API on an object in the role's own scope (own region, own department, own
account) and on one outside it: ``all`` succeeds on both, a narrower scope on the first only, ``—`` on
neither.
"""

from __future__ import annotations

import itertools

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from jixiao.store import policy  # noqa: E402
from jixiao.web import create_app, services  # noqa: E402
from tests.conftest import OWN_REPORT  # noqa: E402

PASSWORD = "secret-pass-1"
ROLES = ("admin", "reviewer", "filler")
#: object → action → (admin, reviewer, filler)
EXPECTED = {
    "report": {"see": ("all", "region", "department"), "create": ("all", "region", "department"),
               "edit": ("all", "region", None), "move": ("all", None, None), "delete": ("all", None, None)},
    "evaluation": {"see": ("all", "region", "department"), "create": ("all", "region", "department"),
                   "edit": ("all", None, "department"), "move": ("all", None, None),
                   "delete": ("all", None, "department")},
    "framework": {"see": ("all", "all", "all"), "create": ("all", None, None), "edit": ("all", None, None),
                  "move": (None, None, None), "delete": ("all", None, None)},
    "user": {"see": ("all", "self", "self"), "create": ("all", None, None), "edit": ("all", "self", "self"),
             "move": ("all", None, None), "delete": ("all", None, None)},
    "department": {"see": ("all", None, None), "create": ("all", None, None), "edit": ("all", None, None),
                   "move": ("all", None, None), "delete": ("all", None, None)},
}
CELLS = [(obj, action, role) for obj, actions in EXPECTED.items() for action in actions for role in ROLES]
FRAMEWORK = "id: {id}\nname: 测试{id}\nscope: project\ntree:\n  - {{name: 全部, weight: 100, rule: stated}}\n"
_seq = itertools.count(1)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("policy")
    app = create_app(f"sqlite:///{tmp / 'policy.db'}", secret_key="policy", start_worker=False,
                     frameworks_dir=tmp / "fw")
    store = app.state.store
    store.add_user("admin", PASSWORD, "admin")
    store.add_user("reviewer", PASSWORD, "reviewer", region="南湖区")
    store.add_user("filler", PASSWORD, "filler", department="南湖区测试局", region="南湖区")
    store.add_user("north-filler", PASSWORD, "filler", department="北湖区财政局", region="北湖区")
    store.add_department("北湖区财政局", region="北湖区")
    store.add_department("南湖区测试局", region="南湖区")
    app.state.analysis = services.analyse_bytes("南湖.txt", OWN_REPORT.encode())
    yield app
    app.state.processor.stop()
    store.dispose()


class Actor:
    def __init__(self, app, name: str):
        self.app = app
        self.client = TestClient(app)
        r = self.client.post("/api/login", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.h = {"X-CSRF-Token": r.json()["csrf_token"]}
        self.me = r.json()["user"]


def _admin(app) -> Actor:
    return Actor(app, "admin")


def _scope(own: bool) -> tuple[str, str, str]:
    """(department, region, another department of that region) of the target: ours or the other side's."""
    return ("南湖区测试局", "南湖区", "南湖区某局") if own else ("北湖区财政局", "北湖区", "北湖区某局")


# -- objects to act on -----------------------------------------------------------------------------------
def _report(app, own: bool) -> int:
    dept, region, _ = _scope(own)
    store = app.state.store
    rid = store.add_report(file_name=f"r{next(_seq)}.txt", sha256="0" * 64, data=OWN_REPORT.encode(),
                           department=dept, region=region)
    result, text = app.state.analysis
    store.save_analysis(rid, result, text_=text)
    store.move_report(rid, department=dept, region=region)  # the text names 南湖区测试局
    return rid


def _made(app, dept: str) -> dict:
    a = _admin(app)
    r = a.client.post("/api/evaluations", json={"department": dept, "title": "目标", "year": 2024}, headers=a.h)
    assert r.status_code == 201, r.text
    return r.json()["evaluation"]


def _framework(app) -> str:
    fid = f"fw-{next(_seq)}"
    a = _admin(app)
    r = a.client.post("/api/frameworks", files={"file": (f"{fid}.yaml", FRAMEWORK.format(id=fid).encode())},
                      headers=a.h)
    assert r.status_code == 201, r.text
    return fid


def _user(app) -> dict:
    name = f"u{next(_seq)}"
    a = _admin(app)
    r = a.client.post("/api/users", json={"name": name, "password": PASSWORD, "role": "filler",
                                          "department": "南湖区测试局"}, headers=a.h)
    assert r.status_code == 201, r.text
    return r.json()["user"]


def _department(app) -> dict:
    a = _admin(app)
    r = a.client.post("/api/departments", json={"name": f"部门{next(_seq)}", "region": "南湖区"}, headers=a.h)
    assert r.status_code == 201, r.text
    return r.json()["department"]


# -- one attempt per (object, action): True when it took effect ---------------------------------------------
def attempt(app, who: Actor, obj: str, action: str, own: bool) -> bool:
    c, h = who.client, who.h
    store = app.state.store
    dept, region, sibling = _scope(own)
    if obj == "report":
        if action == "create":
            r = c.post("/api/reports", files=[("files", ("新.txt", OWN_REPORT.encode(), "text/plain"))],
                       data={"region": region}, headers=h)
            if r.status_code != 202:
                return False
            got = store.report(r.json()["accepted"][0]["id"], full=False)
            if who.me["role"] == "filler":
                return (got.department, got.region) == (dept, region)
            return got.region == region
        rid = _report(app, own)
        if action == "see":
            return c.get(f"/api/reports/{rid}").status_code == 200
        if action == "edit":
            return c.post(f"/api/reports/{rid}/reviews", json={"finding_index": 0, "decision": "confirm"},
                          headers=h).status_code == 200
        if action == "move":
            r = c.patch(f"/api/reports/{rid}", json={"year": 2030}, headers=h)
            return r.status_code == 200 and store.report(rid, full=False).year == 2030
        if action == "delete":
            return c.delete(f"/api/reports/{rid}", headers=h).status_code == 200 and store.report(rid) is None
    if obj == "evaluation":
        if action == "create":
            target = dept if who.me["role"] != "reviewer" else (sibling if own else dept)
            r = c.post("/api/evaluations", json={"department": target, "title": "新建", "year": 2024}, headers=h)
            return r.status_code == 201 and r.json()["evaluation"]["department"] == target \
                and r.json()["evaluation"]["region"] == region
        made = _made(app, dept)
        eid, version = made["id"], made["version"]
        if action == "see":
            return c.get(f"/api/evaluations/{eid}").status_code == 200
        if action == "edit":
            r = c.put(f"/api/evaluations/{eid}", json={"department": dept, "title": "改过", "version": version},
                      headers=h)
            return r.status_code == 200 and store.evaluation(eid).title == "改过"
        if action == "move":
            r = c.put(f"/api/evaluations/{eid}", json={"department": sibling, "version": version}, headers=h)
            return r.status_code == 200 and store.evaluation(eid).department == sibling
        if action == "delete":
            return c.delete(f"/api/evaluations/{eid}", headers=h).status_code == 200 and store.evaluation(eid) is None
    if obj == "framework":
        if action == "create":
            fid = f"new-{next(_seq)}"
            r = c.post("/api/frameworks", files={"file": (f"{fid}.yaml", FRAMEWORK.format(id=fid).encode())},
                       headers=h)
            return r.status_code == 201
        fid = _framework(app) if own else "mof-project-2020"
        if action == "see":
            return c.get(f"/api/frameworks/{fid}").status_code == 200
        if action == "edit":
            fid = _framework(app)
            text = FRAMEWORK.format(id=fid).replace("测试", "改版")
            r = c.post("/api/frameworks", files={"file": (f"{fid}.yaml", text.encode())}, headers=h)
            return r.status_code == 200 and "改版" in (store.framework_yaml(fid) or "")
        if action == "move":  # nothing to move a framework to: no route answers
            r = c.patch(f"/api/frameworks/{fid}", json={"region": "北湖区"}, headers=h)
            return r.status_code < 400
        if action == "delete":
            fid = _framework(app)
            return c.delete(f"/api/frameworks/{fid}", headers=h).status_code == 200
    if obj == "user":
        if action == "create":
            r = c.post("/api/users", json={"name": f"n{next(_seq)}", "password": PASSWORD, "role": "reviewer",
                                           "region": region}, headers=h)
            return r.status_code == 201
        mine = own and who.me["role"] != "admin"
        target = who.me if mine else _user(app)
        uid = target["id"]
        if action == "see":
            return c.get(f"/api/users/{uid}").status_code == 200
        if action == "edit":
            body = {"password": "changed-pass-9"}
            if mine:
                body["current_password"] = PASSWORD
            r = c.patch(f"/api/users/{uid}", json=body, headers=h)
            if r.status_code == 200 and mine:  # put it back (this ends the session: log in again)
                store.set_password(target["name"], PASSWORD)
                who.__init__(app, target["name"])
            return r.status_code == 200
        if action == "move":
            r = c.patch(f"/api/users/{uid}", json={"region": "北湖区"}, headers=h)
            return r.status_code == 200 and store.user(uid).region == "北湖区"
        if action == "delete":
            return c.delete(f"/api/users/{uid}", headers=h).status_code == 200 and store.user(uid) is None
    if obj == "department":
        if action == "create":
            return c.post("/api/departments", json={"name": f"新部门{next(_seq)}", "region": region},
                          headers=h).status_code == 201
        did = _department(app)["id"]
        if action == "see":
            return c.get(f"/api/departments/{did}").status_code == 200
        if action == "edit":
            return c.patch(f"/api/departments/{did}", json={"name": f"改名{next(_seq)}"}, headers=h).status_code == 200
        if action == "move":
            r = c.patch(f"/api/departments/{did}", json={"region": "北湖区"}, headers=h)
            return r.status_code == 200 and store.department(did).region == "北湖区"
        if action == "delete":
            return c.delete(f"/api/departments/{did}", headers=h).status_code == 200
    raise AssertionError(f"no attempt for {obj}/{action}")


def test_the_table_in_the_code_is_the_table_here():
    for obj, action, role in CELLS:
        assert policy.scope(role, action, obj) == EXPECTED[obj][action][ROLES.index(role)], (obj, action, role)
    assert set(policy.POLICY) == set(EXPECTED)


@pytest.mark.parametrize(("obj", "action", "role"), CELLS, ids=["-".join(c) for c in CELLS])
def test_cell(app, obj, action, role):
    cell = EXPECTED[obj][action][ROLES.index(role)]
    who = Actor(app, role)
    got = (attempt(app, who, obj, action, own=True), attempt(app, who, obj, action, own=False))
    assert got == (cell is not None, cell == "all"), f"{obj}/{action}/{role}: cell {cell!r}, got {got}"
