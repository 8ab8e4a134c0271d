"""Every labelled key of every corpus document equals the label (skipped without the corpus)."""

from __future__ import annotations

import json

import pytest

from bench.accuracy import compare
from jixiao.extract import evaluation_to_json, extract
from jixiao.ingest import read
from tests.conftest import corpus_names


@pytest.mark.corpus
@pytest.mark.parametrize("name", corpus_names() or ["(no corpus)"])
def test_labels_equal(corpus_dir, name):
    label = json.loads((corpus_dir / f"{name}.expected.json").read_text("utf-8"))
    doc = read(corpus_dir / f"{name}.txt")
    got = evaluation_to_json(extract(doc))
    total, hit, wrong, notes = compare(label, got)
    assert wrong == 0, notes
    assert hit == total, notes


@pytest.mark.corpus
def test_evidence_points_at_the_figure(corpus_dir):
    doc = read(corpus_dir / "004_273d22226811a2f3.txt")
    ev = extract(doc)
    for path, e in ev.evidence.items():
        assert doc.text[e.start:e.end] == e.text, path
        assert e.line == doc.text.count("\n", 0, e.start) + 1
    executed = ev.evidence["budget.executed"]
    assert executed.text.startswith("2,470.14")
    assert "部门决算数" in doc.text[executed.start - 12:executed.start]


@pytest.mark.corpus
def test_narrative_only_report_invents_no_budget(corpus_dir):
    ev = extract(read(corpus_dir / "002_c2b2f9c5d7f50e8c.txt"))
    assert ev.budget.adjusted is None and ev.budget.executed is None
    assert not ev.indicators and not ev.projects and ev.score.total is None
    assert ev.signed_date == "2021-12-29"
