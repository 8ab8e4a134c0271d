"""Laying a document out with evidence marks (pure presentation, no parsing)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")  # jixiao.web (its package imports the app) needs the [web] extra

from jixiao.web.highlight import layout, marks_from, sentence_span  # noqa: E402

TEXT = "一、收支情况\n全年预算数200.00万元，执行数150.00万元，完成预算的95.00%。年末结转0万元。\n\n二、结论"


def _span(s: str) -> dict:
    i = TEXT.index(s)
    return {"start": i, "end": i + len(s), "line": TEXT.count("\n", 0, i) + 1, "text": s}


def test_lines_keep_the_text_and_number_like_the_evidence():
    lines = layout(TEXT, [])
    assert [ln.number for ln in lines] == [1, 2, 3, 4]
    assert "\n".join("".join(s.text for s in ln.segments) for ln in lines) == TEXT


def test_figures_and_findings_are_marked_findings_win_overlaps():
    finding = {"code": "JX106", "message": "预算执行率不符", "evidence": _span("95.00%")}
    evidence = {"budget.adjusted": _span("200.00"), "budget.executed": _span("150.00"),
                "budget.execution_rate": _span("95.00%"), "bogus": {"start": 5, "end": 5}}
    marks = marks_from(evidence, [finding], {"adjusted": "全年预算数"})
    lines = layout(TEXT, marks, [finding])
    line = lines[1]
    marked = [(s.text, s.mark.kind) for s in line.segments if s.mark]
    assert marked == [("200.00", "fig"), ("150.00", "fig"), ("95.00%", "hit")]
    assert "".join(s.text for s in line.segments) == TEXT.split("\n")[1]
    assert line.findings == [0]
    adjusted = next(s for s in line.segments if s.text == "200.00")
    assert adjusted.mark.title == "budget.adjusted 全年预算数"


def test_a_findings_sentence_is_tagged():
    finding = {"code": "JX106", "evidence": _span("95.00%")}
    a, b = sentence_span(TEXT, finding["evidence"]["start"], finding["evidence"]["end"])
    assert TEXT[a:b] == "全年预算数200.00万元，执行数150.00万元，完成预算的95.00%。"
    lines = layout(TEXT, marks_from({}, [finding]), [finding])
    lit = "".join(s.text for s in lines[1].segments if "f0" in s.sentences.split())
    assert lit == TEXT[a:b]
    assert all(not s.sentences for s in lines[1].segments if s.text.startswith("年末"))


def test_out_of_range_spans_are_ignored():
    marks = marks_from({"x": {"start": 0, "end": 10_000, "line": 1}}, [{"evidence": {"start": -3, "end": 2}}])
    lines = layout(TEXT, marks, [{"evidence": {"start": 9_000, "end": 9_001, "line": 99}}])
    assert all(s.mark is None for ln in lines for s in ln.segments)
