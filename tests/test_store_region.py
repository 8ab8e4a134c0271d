"""The store fills what an upload left blank from the analysis: the region and 单位类型 from the unit's name,
and a partial score for the report list (SQLite; the PostgreSQL store runs the same code)."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from jixiao.store import Store  # noqa: E402


def test_region_type_and_partial_score_from_the_analysis(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    result = {"evaluation": {"department": "南岳区妇女联合会", "year": 2023},
              "score": {"framework": "dept-common-2013", "total": None,
                        "partial": {"scored": 3, "items": 27, "weight": Decimal(11), "points": Decimal("10.96"),
                                    "text": "已评 3 项 / 共 27 项，可评分值 11 分，得 10.96 分"}},
              "findings": []}
    blank = store.add_report(file_name="a.txt", sha256="a" * 64, data=b"x")
    store.save_analysis(blank, result, text_="南岳区妇女联合会2023年度部门整体支出绩效自评报告")
    named = store.add_report(file_name="b.txt", sha256="b" * 64, data=b"x", region="南岳", dept_type="其他")
    store.save_analysis(named, result, text_="x")
    rows = {r.id: r for r in store.reports()}
    assert (rows[blank].region, rows[blank].dept_type) == ("湖南省衡阳市南岳区", "群团组织")
    assert (rows[named].region, rows[named].dept_type) == ("南岳", "其他")  # what the uploader said stays
    r = rows[blank]
    assert r.score_total is None and (r.score_points, r.score_weight) == (Decimal("10.96"), Decimal(11))
    assert (r.score_items, r.score_items_total) == (3, 27)
    assert store.facets()["region"] == ["南岳", "湖南省衡阳市南岳区"]
    store.dispose()
