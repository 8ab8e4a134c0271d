"""Scores built from the corpus labels (not through the extractor, which is being rewritten): every labelled
document that states indicator weights gets a recomputed total or a partial one, marked; a complete total
equals the stated one when the labels list no inconsistency, and differs by exactly the listed score
inconsistencies when they list some. Only the seeds and the development third of ``real/`` are read; the
held-out files are never opened. Skips without the corpus."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.evalfile import EvaluationIn, parse_evaluation
from jixiao.scoring import score_evaluation

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
#: The held-out third of real/: never opened.
HELD_OUT = frozenset(f"r{n:03d}" for n in (5, 7, 9, 11, 12, 18, 19, 20, 22, 25, 30, 32, 35, 36, 39, 40, 42, 43,
                                           51, 53, 54, 67, 68, 72, 73))
KEYS = {f.alias or n for n, f in EvaluationIn.model_fields.items()}
pytestmark = pytest.mark.corpus


def label_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    real = [p for p in sorted((CORPUS / "real").glob("r*.expected.json")) if p.name[:4] not in HELD_OUT]
    return [*sorted(CORPUS.glob("*.expected.json")), *real]


def load_label(path: Path):
    """The label as an evaluation file (keys beyond the evaluation schema, such as ``region``, left out)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    ev = {k: v for k, v in data.items() if k in KEYS}
    if isinstance(ev.get("score"), dict):
        ev["score"] = {k: v for k, v in ev["score"].items() if k in ("total", "parts", "grade")}
    return data, parse_evaluation(json.dumps(ev, ensure_ascii=False), str(path))


WEIGHTED = [p for p in label_files() if any(i.get("weight") is not None
                                             for i in json.loads(p.read_text(encoding="utf-8")).get("indicators", []))]


def test_the_corpus_has_weighted_tables():
    if not CORPUS.is_dir():
        pytest.skip("corpus absent")
    assert len(WEIGHTED) >= 10


@pytest.mark.parametrize("path", WEIGHTED, ids=lambda p: p.name.split(".")[0])
def test_weighted_tables_get_a_total_or_a_marked_partial(path: Path):
    data, ev = load_label(path)
    res = score_evaluation(ev)
    assert res.why
    assert res.total is not None or res.partial is not None
    if res.total is None:
        assert any(p.kind == "missing" for p in res.all_problems())  # and it says why
    score_incs = []
    for inc in data.get("inconsistencies", []):
        stated, recomputed = inc.get("stated"), inc.get("recomputed")
        if stated is None or recomputed is None:
            continue
        hits = [it for it in res.items if it.stated == Decimal(str(stated)) and it.index is not None
                and it.score is not None and abs(it.score - Decimal(str(recomputed))) <= Decimal("0.01")]
        if any(i.get("score") == stated for i in data.get("indicators", [])) and hits:
            score_incs.append(hits[0].score - hits[0].stated)
    stated_total = (data.get("score") or {}).get("total")
    if res.total is not None and stated_total is not None:
        assert res.total - Decimal(str(stated_total)) == sum(score_incs, Decimal(0))


def test_listed_score_inconsistencies_are_where_the_engine_disagrees():
    """Each listed inconsistency about a row's score is an item the engine scores differently, by its figure."""
    checked = 0
    for path in WEIGHTED:
        data, ev = load_label(path)
        res = score_evaluation(ev)
        for inc in data.get("inconsistencies", []):
            stated, recomputed = inc.get("stated"), inc.get("recomputed")
            rows = [i for i, row in enumerate(data.get("indicators", [])) if row.get("score") == stated]
            if stated is None or recomputed is None or not rows or str(inc.get("what", "")).startswith("rounding"):
                continue
            items = [it for it in res.items if it.index in rows]
            assert any(it.score is not None and it.score != it.stated
                       and abs(it.score - Decimal(str(recomputed))) <= Decimal("0.01") for it in items), \
                (path.name, inc["what"])
            checked += 1
    if not CORPUS.is_dir():
        pytest.skip("corpus absent")
    assert checked >= 4
