"""bench/synth.py: the synthetic reports are deterministic, labelled, and audited as planted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from synth import KINDS, SynthReport, generate, to_evaluation  # noqa: E402

from jixiao.audit import check  # noqa: E402


def _touches(f, spans):
    return any(e is not None and e.start < t and s < e.end for e in (f.evidence, *f.related) for s, t in spans)


def test_generate_api_and_determinism():
    a = list(generate(20, seed=7, error_rate=0.5))
    b = list(generate(20, seed=7, error_rate=0.5))
    assert [r.text for r in a] == [r.text for r in b]
    assert all(isinstance(r, SynthReport) and r.name.endswith(".txt") for r in a)
    assert len({r.text for r in a}) == 20
    r = a[0]
    assert {"doc", "department", "year", "scope", "inconsistencies"} <= set(r.truth)
    assert list(generate(3, seed=1, error_rate=0.0)) and all(not r.planted for r in generate(10, error_rate=0.0))


def test_spans_point_at_the_written_figures():
    for r in generate(30, seed=2, error_rate=1.0):
        assert r.planted
        for p in r.planted:
            assert p["kind"] in KINDS and p["stated"] != p["true"]
            s, e = p["spans"][0]
            written = r.text[s:e].replace(",", "")
            assert float(written) == pytest.approx(float(p["stated"]))
        for path, (s, e) in r.spans.items():
            assert r.text[s:e].strip(), path


def test_genre_phrasing():
    texts = "\n".join(r.text for r in generate(40, seed=3))
    for phrase in ("全年预算数", "完成预算的", "年初部门预算数", "调整后预算为", "基本支出中人员经费", "本年项目支出总计为",
                   "“三公”经费控制率", "其中", "自评得分为", "合计\t100", "三、存在的主要问题"):
        assert phrase in texts, phrase


def test_every_planted_error_found_and_clean_reports_clean():
    missed, false = [], []
    for r in generate(120, seed=11, error_rate=0.5):
        ev, doc = to_evaluation(r)
        fs = check(ev, doc)
        errors = [f for f in fs if f.severity == "error"]
        for p in r.planted:
            need = ("error",) if p["expect"] == "error" else ("error", "warning")
            if not any(f.severity in need and _touches(f, p["spans"]) for f in fs):
                missed.append((r.name, p["kind"], p["path"]))
        spans = [s for p in r.planted for s in p["spans"]]
        false += [(r.name, f.code, f.message) for f in errors if not _touches(f, spans)]
    assert missed == []
    assert false == []


def test_bench_script_runs(capsys):
    import audit as bench_audit

    assert bench_audit.main(["-n", "12", "--oracle", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "recall" in out and "clean documents" in out and "documents/s" in out
