"""The report page shows a figure-index finding with its arithmetic and both evidence spans."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")

from jixiao.web import create_app  # noqa: E402
from jixiao.web.highlight import layout, marks_from  # noqa: E402
from tests.conftest import client_for  # noqa: E402

REPORT = ("某县农业农村局2023年度项目支出绩效自评报告\n\n"
          "一、预算执行\n全年预算数2000.00万元，执行数1900.00万元，完成预算的95.00%。\n\n"
          "二、资金情况\n本年度共投入资金1987.08万元。其中中央资金776.84万元，省级资金290.36万元，地方资金992.88万元。\n")


def test_related_spans_are_marked_and_belong_to_their_finding():
    text = "总数100万元，其中甲60万元，乙50万元。"
    f = {"code": "JX401", "message": "m", "evidence": {"start": 2, "end": 7},
         "related": [{"start": 11, "end": 15}, {"start": 17, "end": 21}]}
    lines = layout(text, marks_from({}, [f]), [f])
    marked = [(s.text, s.mark.kind, s.mark.ref) for s in lines[0].segments if s.mark]
    assert marked == [("100万元", "hit", "f0"), ("60万元", "hit rel", "f0"), ("50万元", "hit rel", "f0")]


def test_report_page_shows_arithmetic_and_both_spans(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret_key="test-secret", max_upload_mb=1)
    try:
        app.state.store.add_user("admin", "secret-pass-1", "admin")
        client, token = client_for(app, "admin")
        r = client.post("/api/reports", files=[("files", ("农业.txt", REPORT.encode(), "text/plain"))],
                        headers={"X-CSRF-Token": token})
        assert r.status_code == 202, r.text
        app.state.processor.wait()
        rid = r.json()["accepted"][0]["id"]
        report = client.get(f"/api/reports/{rid}").json()["report"]
        f = next(f for f in report["findings"] if f["code"] == "JX401")
        assert f["severity"] == "error" and len(f["related"]) == 3
        page = client.get(f"/reports/{rid}").text
        assert f["arithmetic"].split("；")[0] in page
        assert 'class="hit rel"' in page and 'class="related"' in page
        for rel in f["related"]:
            assert f"对照 第 {rel['line']} 行</span> {rel['text']}" in page
    finally:
        app.state.processor.stop()
        app.state.store.dispose()
