"""``jixiao batch --summary`` adds up the partial scores of the reports whose total could not be computed."""

from __future__ import annotations

from pathlib import Path

from jixiao.batch import run_batch, summarize

PARTIAL = """department: 南岳区妇女联合会
scope: project
indicators:
  - {level1: 产出指标, level2: 数量指标, name: 活动场次, target: ≥10场, actual: 12场, weight: 50, score: 50}
  - {level1: 效益指标, level2: 社会效益指标, name: 服务人次, target: ≥800人次, actual: 600人次, weight: 30, score: 30}
"""
COMPLETE = """department: 南岳区妇女联合会
scope: project
budget: {adjusted: 10, executed: 10}
indicators:
  - {level1: 产出指标, level2: 数量指标, name: 活动场次, target: ≥10场, actual: 12场, weight: 90, score: 90}
"""


def test_summary_adds_up_partial_scores(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text(PARTIAL, encoding="utf-8")
    (folder / "b.yaml").write_text(PARTIAL.replace("12场", "9场"), encoding="utf-8")
    (folder / "c.yaml").write_text(COMPLETE, encoding="utf-8")
    out = tmp_path / "o.db"
    run_batch([folder], out, jobs=1)
    rows = summarize(out)
    assert len(rows) == 1
    row = rows[0]
    assert (row["type"], row["region"], row["reports"]) == ("群团组织", "湖南省衡阳市南岳区", 3)
    assert row["mean_score"] == "100.00"  # the one complete total
    # no budget, so no 预算执行率: a scores 50 + 22.5 of 80, b 45 + 22.5 (9场 of ≥10场), each 2 of 3 items
    assert row["partial"] == {"reports": 2, "scored": 4, "items": 6, "weight": 160, "points": 140,
                              "text": "已评 4 项 / 共 6 项，可评分值 160 分，得 140 分"}
