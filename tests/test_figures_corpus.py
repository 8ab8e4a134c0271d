"""The figure index over the shared corpus: seeds clean, a changed narrative total of seed 004 caught,
labelled inconsistencies of real/ found, and the bench's planted errors (read at test time, never copied)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

pytestmark = pytest.mark.corpus


def _need_corpus():
    if not (CORPUS / "real").is_dir():
        pytest.skip("needs ../shared/corpus")


def test_seed_004_changed_narrative_total_is_an_error():
    _need_corpus()
    from realcorpus import analyse_text

    path = next(CORPUS.glob("004_*.txt"))
    text = path.read_text("utf-8")
    assert "自评得分为 97.61 分" in text
    clean, _ = analyse_text(path.stem, text)
    assert not [f for f in clean if f.code == "JX416"]
    changed, _ = analyse_text(path.stem, text.replace("自评得分为 97.61 分", "自评得分为 96.61 分"))
    f = next(f for f in changed if f.code == "JX416")
    assert f.severity == "error" and f.stated == "96.61" and f.recomputed == "97.61"
    assert any(e.text.startswith("97.61") for e in f.related)


def test_labelled_inconsistencies_found_and_no_unlabelled_error_on_the_seeds():
    _need_corpus()
    from realcorpus import labelled

    r = labelled(CORPUS, show=False)
    assert r["seed_unlabelled"] == 0
    assert r["targets"] >= 15 and r["found"] / r["targets"] >= 0.85
    assert r["unlabelled"] <= 2


def test_planted_errors_in_real_texts_are_found():
    _need_corpus()
    from realcorpus import planted

    m = planted(CORPUS, seed=0, variants=1, per_doc=2)
    for kind in ("sum", "rate", "count", "repeat"):
        n = m["per_kind"].get(kind, 0)
        assert n, kind
        assert m["found"].get(kind, 0) / n >= 0.9, (kind, m["missed"].get(kind))
    assert not any(m["false_planted"].values())


def test_bench_real_mode_prints_its_figures(capsys):
    _need_corpus()
    import audit as bench_audit

    assert bench_audit.main(["--real", str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "labelled inconsistencies" in out and "planted errors" in out and "recall" in out
