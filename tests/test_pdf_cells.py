"""PDF pages of short cells printed one a line: no cell is taken for a page number, none is joined to another."""

from __future__ import annotations

import pytest

pytest.importorskip("reportlab")

from bench.formats import write  # noqa: E402
from jixiao.ingest import read  # noqa: E402


def test_cells_one_a_line_survive_page_breaks(tmp_path):
    rows = []
    for i in range(1, 61):
        rows += [f"指标{i}服务人次", "100", "100", "10", str(i % 10)]
    doc = read(write("\n".join(rows), tmp_path / "cells.pdf"))
    assert len(doc.page_starts) > 2  # the test is about page breaks
    lines = [ln.strip() for ln in doc.text.split("\n") if ln.strip()]
    # every cell comes back on its own line: no "100" lost as a page number, no two cells joined
    assert lines.count("100") == 120
    assert sum(1 for ln in lines if ln.startswith("指标") and ln.endswith("服务人次")) == 60


def test_page_numbers_in_the_margin_are_dropped_but_a_figure_there_is_kept(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "numbers.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    for page in range(1, 4):
        c.setFont("STSong-Light", 11)
        for k in range(30):
            c.drawString(72, 770 - 22 * k, f"第{page}页第{k + 1}行：本单位按计划推进各项工作，资金使用规范。")
        c.drawString(300, 60, "250")  # a figure printed low on the page, not the page's number
        c.drawString(290, 30, f"- {page} -")
        c.showPage()
    c.save()
    doc = read(path)
    assert "250" in doc.text
    assert not any(f"- {p} -" in doc.text for p in (1, 2, 3))
