"""Done-when checks on the real seeds, through the pipeline (skipped without corpus or extractor)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.scoring import score_evaluation

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
pytestmark = pytest.mark.corpus


def _load(name: str):
    path = CORPUS / name
    if not path.exists():
        pytest.skip("corpus absent")
    from jixiao.pipeline import load

    ev, _ = load(path)
    return ev


def test_seed_001_project_grid():
    res = score_evaluation(_load("001_c9021f7b19f56ffc.txt"))
    assert res.framework == "mof-project-2020"
    exe = res.item("预算执行率")
    assert exe.score == Decimal("9.98") and exe.recomputed
    assert res.total == Decimal("99.98")


def test_seed_004_shenzhen():
    res = score_evaluation(_load("004_273d22226811a2f3.txt"))
    assert res.framework == "dept-shenzhen"
    assert res.parts == {"部门决策": Decimal(20), "部门管理": Decimal("18.99"), "部门绩效": Decimal("58.62")}
    assert res.total == Decimal("97.61")
    for name, score in (("政府采购执行情况", "1.99"), ("预算执行率", "5.62"), ("公用经费控制率", "5")):
        item = res.item(name)
        assert item.score == Decimal(score) and item.recomputed, name


@pytest.mark.parametrize(("name", "total"), [("001_c9021f7b19f56ffc", "99.98"), ("004_273d22226811a2f3", "97.61")])
def test_labels_score_to_the_stated_total(name, total):
    path = CORPUS / f"{name}.expected.json"
    if not path.exists():
        pytest.skip("corpus absent")
    from jixiao.evalfile import load_evaluation_file

    res = score_evaluation(load_evaluation_file(path))
    assert res.total == Decimal(total)
