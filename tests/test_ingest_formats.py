"""Every format reader on files the tests write themselves (bench.formats); the corpus as txt/docx/html."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.formats import write  # noqa: E402
from jixiao.ingest import IngestError, read, read_bytes  # noqa: E402

_SPACES = re.compile(r"[ \u00a0\u3000]+")
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

BUDGET = "全年预算数2,512.08万元，执行数2,498.77万元，执行率99.47%。"
HEADER = "一级指标\t二级指标\t三级指标\t分值\t得分"
ROWS = [
    "产出指标\t数量指标\t开展公益讲座场次\t10\t10",
    "\t\t培训基层业务骨干人数\t10\t9.50",
    "\t质量指标\t课程考核合格率\t10\t10",
    "效益指标\t社会效益指标\t服务对象满意度\t20\t19.80",
    "合计\t\t\t50\t49.30",
]
REPORT = "\n".join([
    "2024年度某某市青少年活动中心部门整体支出绩效自评报告",
    "一、单位基本情况",
    "本中心承担全市青少年校外教育与实践活动的组织工作，在编人员四十二人。",
    BUDGET,
    "二、绩效指标完成情况",
    HEADER,
    *ROWS,
    "三、存在问题及改进措施",
    "个别项目支出进度偏慢，下一步将按月调度执行进度。",
])
#: The table as Document.text prints it: one row per line, merge-covered cells empty.
TABLE_LINES = [HEADER, *ROWS]
#: The same rows with the vertical merges filled in, as Table.rows holds them.
FILLED = [
    ("一级指标", "二级指标", "三级指标", "分值", "得分"),
    ("产出指标", "数量指标", "开展公益讲座场次", "10", "10"),
    ("产出指标", "数量指标", "培训基层业务骨干人数", "10", "9.50"),
    ("产出指标", "质量指标", "课程考核合格率", "10", "10"),
    ("效益指标", "社会效益指标", "服务对象满意度", "20", "19.80"),
    ("合计", "", "", "50", "49.30"),
]


def _lines(text: str) -> list[str]:
    return [ln for ln in text.split("\n") if ln.strip()]


def _assert_spans(doc) -> None:
    """Every table cell's span points at its own text in Document.text."""
    assert doc.tables
    for table in doc.tables:
        assert table.start < table.end
        for cell in table.cells:
            assert doc.text[cell.start:cell.end] == cell.text


def _assert_report(doc) -> None:
    text = doc.text
    assert BUDGET in text
    marks = ("2024年度某某市青少年活动中心", "一、单位基本情况", BUDGET, "二、绩效指标", HEADER, ROWS[-1],
             "三、存在问题")
    order = [text.index(s) for s in marks]
    assert order == sorted(order)
    for line in TABLE_LINES:
        assert line + "\n" in text
    table = next(t for t in doc.tables if t.rows and t.rows[0][0] == "一级指标")
    assert table.rows == tuple(FILLED)
    merged = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells}
    assert merged[(1, 0)] == (3, 1)  # 产出指标 spans three rows
    assert merged[(1, 1)] == (2, 1)  # 数量指标 spans two
    assert merged[(4, 1)] == (1, 1)
    _assert_spans(doc)


# ---------------------------------------------------------------- txt


@pytest.mark.parametrize(("encoding", "newline", "expected_enc"), [
    ("utf-8", "\n", "utf-8"),
    ("utf-8-sig", "\n", "utf-8-sig"),
    ("gbk", "\n", "gb18030"),
    ("gb18030", "\r\n", "gb18030"),
    ("utf-16", "\r\n", "utf-16"),
    ("utf-8", "\r\n", "utf-8"),
])
def test_txt_encodings_and_newlines(tmp_path, encoding, newline, expected_enc):
    path = write(REPORT, tmp_path / "r.txt", encoding=encoding, newline=newline)
    doc = read(path)
    assert doc.text == REPORT
    assert doc.meta["encoding"] == expected_enc
    assert doc.format == "txt"
    assert doc.line_of(doc.text.index(BUDGET)) == 4


# ---------------------------------------------------------------- docx


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    doc = read(write(REPORT, tmp_path / "r.docx"))
    assert doc.format == "docx"
    _assert_report(doc)
    assert doc.page_starts == ()


def test_docx_horizontal_merge_nested_text_and_tabs(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("项目名称：社区\t体育设施维护")
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "项目支出绩效自评表"
    t.cell(1, 0).text = "预算数"
    t.cell(1, 1).merge(t.cell(1, 2)).text = "120.00"
    cell = t.cell(2, 0)
    cell.text = "第一行"
    cell.add_paragraph("第二行")
    inner = cell.add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "嵌套"
    inner.cell(0, 1).text = "表格"
    t.cell(2, 1).text = "执行数"
    t.cell(2, 2).text = "118.50"
    d.add_paragraph("表后说明")
    doc = read_bytes(_save(d), "h.docx")
    assert doc.text.startswith("项目名称：社区\t体育设施维护\n")
    table = doc.tables[0]
    assert table.rows == (
        ("项目支出绩效自评表",) * 3,
        ("预算数", "120.00", "120.00"),
        ("第一行第二行嵌套表格", "执行数", "118.50"),
    )
    assert "项目支出绩效自评表\t\t\n预算数\t120.00\t\n" in doc.text
    spans = {c.text: (c.rowspan, c.colspan) for c in table.cells}
    assert spans["项目支出绩效自评表"] == (1, 3)
    assert spans["120.00"] == (1, 2)
    assert len(doc.tables) == 1  # the nested table is text of its cell, not a table of the body
    assert doc.text.index("表后说明") > table.end - 2
    _assert_spans(doc)


def test_docx_text_box_is_read_once():
    """A text box is stored twice (mc:Choice and a VML mc:Fallback); only one copy is text."""
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    p = d.add_paragraph("正文：")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    box = '<w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent>'
    p._p.append(parse_xml(f'<w:r {w} {mc}><mc:AlternateContent><mc:Choice Requires="wps">{box}</mc:Choice>'
                          f'<mc:Fallback>{box}</mc:Fallback></mc:AlternateContent></w:r>'))
    doc = read_bytes(_save(d), "box.docx")
    assert doc.text.count("文本框内容") == 1


def _save(d) -> bytes:
    import io

    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- pdf


def test_pdf_pages_and_ruled_table(tmp_path):
    sentence = "本中心加强资金管理，严格审批程序，确保专款专用，各项工作按计划有序推进。"
    filler = "\n".join(f"（{i}）{sentence}" for i in range(70))
    text = REPORT + "\n四、其他说明\n" + filler + "\n全年执行数2,498.77万元，附件略。"
    doc = read(write(text, tmp_path / "r.pdf"))
    assert doc.format == "pdf"
    assert len(doc.page_starts) >= 3
    assert doc.page_of(doc.text.index(BUDGET)) == 1
    assert doc.page_of(doc.text.index("附件略")) == len(doc.page_starts)
    _assert_report(doc)
    table = doc.tables[0]
    assert table.page == 1
    # the table replaces the raw text of its region: each row is printed once
    assert doc.text.count("培训基层业务骨干人数") == 1
    assert doc.text.count("服务对象满意度") == 1


LONG = ("本中心围绕青少年校外教育主责主业，全年组织开展科技、艺术、体育等各类实践活动，覆盖全市中小学生"
        "一万二千余人次，其中线上课程参与人数3,456人次，线下营地活动参与人数8,912人次，较上年增长百分之十二，"
        "活动满意度调查回收有效问卷1,024份，满意率为98.60%，各项工作均按年初计划完成。")


def test_pdf_wrapped_lines_are_joined(tmp_path):
    text = "\n".join(["一、年度工作完成情况", LONG, "（二）存在的问题", "个别活动报名渠道单一。"])
    path = write(text, tmp_path / "w.pdf")
    doc = read(path)
    assert LONG + "\n" in doc.text  # three printed lines, one paragraph again; 3,456 not broken
    assert "一、年度工作完成情况\n\n" + LONG in doc.text
    assert "（二）存在的问题\n\n个别活动报名渠道单一。" in doc.text
    raw = read(path, join_lines=False)
    assert LONG not in raw.text
    assert LONG in raw.text.replace("\n", "")


def test_pdf_paragraph_across_a_page_break(tmp_path):
    """A paragraph cut by the page break is one paragraph again; the page starts inside it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from bench.formats import _font, _wrap

    font = _font()
    path = tmp_path / "p.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    width = A4[0] - 112
    lines = _wrap(LONG, width)
    assert len(lines) >= 3
    for page, (chunk, number) in enumerate([(lines[:2], "- 1 -"), (lines[2:], "- 2 -")]):
        c.setFont(font, 10.5)
        y = 700 if page == 0 else 780
        if page == 0:
            for filler in _wrap("各项工作有序推进，资金使用规范，内部控制制度健全，财务管理严格。" * 3, width):
                c.drawString(56, y, filler)
                y -= 15
        for ln in chunk:
            c.drawString(56, y, ln)
            y -= 15
        c.drawCentredString(A4[0] / 2, 30, number)
        c.showPage()
    c.save()
    doc = read(path)
    assert LONG in doc.text
    assert "- 1 -" not in doc.text and "- 2 -" not in doc.text
    second = doc.page_starts[1]
    assert doc.text[second:].startswith(lines[2])
    assert doc.page_of(doc.text.index(LONG)) == 1
    assert doc.page_of(doc.text.index(LONG) + len(LONG) - 1) == 2


def test_pdf_table_across_pages_is_one_table(tmp_path):
    """A score table broken by a page break reads as the docx does: one table, merges carried over."""
    rows = [HEADER]
    for g in range(1, 9):
        for k in range(6):
            level1 = f"第{g}类指标" if k == 0 else ""
            level2 = f"子类{g}-{k // 3}" if k % 3 == 0 else ""
            rows.append(f"{level1}\t{level2}\t指标{g}-{k}完成情况\t5\t{5 - k % 2}")
    text = "\n".join(["一、评分结果", *rows, "二、说明", "以上得分经集体研究确定。"])
    pdf = read(write(text, tmp_path / "long.pdf"))
    docx_doc = read(write(text, tmp_path / "long.docx"))
    assert len(pdf.page_starts) >= 2
    assert len(pdf.tables) == 1
    assert pdf.tables[0].rows == docx_doc.tables[0].rows
    for line in rows:
        assert line + "\n" in pdf.text
    assert pdf.page_of(pdf.text.index(rows[1])) == 1
    assert pdf.page_of(pdf.text.index(rows[-1])) == len(pdf.page_starts)
    _assert_spans(pdf)


def test_pdf_repeated_header_row_is_dropped():
    from jixiao.ingest.pdf import _append_rows

    prev = ((50, 600, 500, 780), [["指标", "得分"], ["甲", "1"]], {})
    nxt = ((50, 60, 500, 200), [["指标", "得分"], ["乙", "2"]], {})
    (_bbox, grid, merges), first = _append_rows(prev, nxt)
    assert grid == [["指标", "得分"], ["甲", "1"], ["乙", "2"]]
    assert first == 2 and merges == {}


def test_pdf_fast_tables_match_pdfplumber(tmp_path, monkeypatch):
    """The PDFium fast path gives the same document as pdfplumber's own table search."""
    from jixiao.ingest import pdf as pdf_reader

    text = REPORT + "\n" + "\n".join(["表2：项目支出明细", "项目\t预算数\t执行数", "办公设备购置\t35.20\t35.00",
                                        "专题培训\t12.00\t11.64"])
    path = write(text, tmp_path / "t.pdf")
    fast = read(path)
    monkeypatch.setattr(pdf_reader, "_fast_tables", lambda *a: None)
    slow = read(path)
    assert [t.rows for t in fast.tables] == [t.rows for t in slow.tables]
    assert len(fast.tables) == 2
    assert fast.tables[1].rows[2] == ("专题培训", "12.00", "11.64")
    assert fast.text == slow.text


def test_pdf_table_search_can_be_switched_off(tmp_path):
    doc = read(write(REPORT, tmp_path / "r.pdf"), tables=False)
    assert doc.tables == ()
    assert "服务对象满意度" in doc.text
    assert BUDGET.replace("。", "") in doc.text.replace("\n", "")


# ---------------------------------------------------------------- xlsx


def test_xlsx_sheet_as_table_with_merges(tmp_path):
    doc = read(write(REPORT, tmp_path / "r.xlsx"))
    assert doc.format == "xlsx"
    assert doc.text.startswith("自评表\n")
    _assert_report(doc)
    assert all(t.name == "自评表" for t in doc.tables)


def test_xlsx_numbers_hidden_sheets_and_several_sheets(tmp_path):
    from decimal import Decimal

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "预算执行"
    ws.append(["项目", "预算数", "执行数", "执行率", "人数"])
    ws.append(["日常运转", 0.1 + 0.2, Decimal("99.90"), 0.9947, 12.0])
    ws["C2"].number_format = "0.00"
    ws["D2"].number_format = "0.00%"
    ws.append(["合计", 1234567.5, 2, None, None])
    ws["B3"].number_format = "#,##0.00"
    hidden = wb.create_sheet("隐藏的下拉选项")
    hidden.append(["不应出现", "选项"])
    hidden.sheet_state = "hidden"
    second = wb.create_sheet("指标")
    second.append(["指标", "得分"])
    second.append(["满意度", 9])
    path = tmp_path / "n.xlsx"
    wb.save(path)
    doc = read(path)
    assert "日常运转\t0.3\t99.90\t99.47%\t12\n" in doc.text
    assert "合计\t1,234,567.50\t2\t\t\n" in doc.text
    assert "不应出现" not in doc.text
    assert [t.name for t in doc.tables] == ["预算执行", "指标"]
    assert doc.text.index("指标\n") < doc.text.index("满意度\t9")
    _assert_spans(doc)


# ---------------------------------------------------------------- html


def test_html_strips_navigation_and_keeps_tables(tmp_path):
    doc = read(write(REPORT, tmp_path / "r.html"))
    assert doc.format == "html"
    _assert_report(doc)
    for noise in ("网站首页", "当前位置", "版权所有", "统计代码", "访问统计", "相关链接", "font-family"):
        assert noise not in doc.text


def test_html_gbk_page(tmp_path):
    path = write(REPORT, tmp_path / "gbk.html", encoding="gbk")
    assert "预算".encode("gbk") in path.read_bytes()
    doc = read(path)
    assert doc.meta["encoding"] == "gb18030"
    _assert_report(doc)


def test_html_spans_layout_tables_and_whitespace():
    page = """<html><head><meta charset="utf-8"></head><body>
    <table class="layout"><tr><td><div class="menu">栏目导航</div></td><td>
      <p>全年预算数
         312.50万元，执行率 98.20%。</p>
      <table>
        <tr><th colspan="2">指标</th><th rowspan="2">得分</th></tr>
        <tr><td>一级</td><td>二级</td></tr>
        <tr><td rowspan="2">产出</td><td>数量<br>指标</td><td>10</td></tr>
        <tr><td>质量</td><td>9.5</td></tr>
      </table>
    </td></tr></table></body></html>"""
    doc = read_bytes(page.encode(), "p.html")
    assert "栏目导航" not in doc.text
    assert "全年预算数312.50万元，执行率 98.20%。" in doc.text
    assert len(doc.tables) == 1  # the layout table is walked through, not kept
    assert doc.tables[0].rows == (
        ("指标", "指标", "得分"),
        ("一级", "二级", "得分"),
        ("产出", "数量指标", "10"),
        ("产出", "质量", "9.5"),
    )
    assert "指标\t\t得分\n一级\t二级\t\n产出\t数量指标\t10\n\t质量\t9.5\n" in doc.text
    _assert_spans(doc)


# ---------------------------------------------------------------- legacy (.doc/.wps/.et/.xls)


def test_legacy_without_libreoffice_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice there
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(IngestError) as err:
        read(path)
    assert str(err.value).startswith(f"{path}: ")
    assert "LibreOffice" in str(err.value)


def test_legacy_name_on_a_modern_file_is_read_directly(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    docx_path = write(REPORT, tmp_path / "r.docx")
    renamed = tmp_path / "r.doc"
    renamed.write_bytes(docx_path.read_bytes())
    doc = read(renamed)
    assert doc.format == "doc"
    _assert_report(doc)
    html_path = write(REPORT, tmp_path / "r.html")
    as_xls = tmp_path / "export.xls"
    as_xls.write_bytes(html_path.read_bytes())
    assert BUDGET in read(as_xls).text


@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice (soffice) not installed")
def test_legacy_conversion_with_libreoffice(tmp_path):
    import subprocess

    src = write(REPORT, tmp_path / "r.docx")
    cmd = ["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
           "--convert-to", "doc", "--outdir", str(tmp_path / "o"), str(src)]
    subprocess.run(cmd, check=True, timeout=180, capture_output=True)
    doc = read(tmp_path / "o" / "r.doc")
    assert doc.format == "doc"
    assert BUDGET in doc.text
    assert doc.tables[0].rows == tuple(FILLED)


# ---------------------------------------------------------------- the corpus, through our own writers

_CORPUS = sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else []


@pytest.mark.corpus
@pytest.mark.parametrize("suffix", [".docx", ".html"])
@pytest.mark.parametrize("src", _CORPUS or [None], ids=lambda p: p.stem[:3] if p else "absent")
def test_corpus_round_trip(tmp_path, src, suffix):
    """A real report written as docx/html reads back with the same lines as its txt."""
    if src is None:
        pytest.skip("../shared/corpus is absent")
    txt = read(src)
    assert txt.text.strip()
    # table cells are stripped by the writers; trailing empty cells of a ragged row are padded
    want = ["\t".join(c.strip() for c in ln.split("\t")).rstrip("\t") if "\t" in ln else ln.strip()
            for ln in _lines(txt.text)]
    doc = read(write(txt.text, tmp_path / f"c{suffix}"))
    got = {ln.rstrip("\t") if "\t" in ln else ln.strip() for ln in _lines(doc.text)}
    if suffix == ".html":  # a browser collapses runs of spaces; so does the reader
        want = [_SPACES.sub(" ", ln).strip(" ") for ln in want]
    missing = [ln for ln in want if ln and ln not in got]
    assert not missing, missing[:5]


def _figures(data, path: str = "") -> dict[str, object]:
    """Every number in an extracted evaluation's JSON, by path."""
    out: dict[str, object] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if key not in ("evidence", "doc"):
                out.update(_figures(value, f"{path}.{key}"))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.update(_figures(value, f"{path}[{i}]"))
    elif isinstance(data, int | float) and not isinstance(data, bool):
        out[path] = data
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("src", _CORPUS or [None], ids=lambda p: p.stem[:3] if p else "absent")
def test_corpus_as_pdf_gives_the_same_figures(tmp_path, src):
    """Through PDF (wrapped lines, page breaks, ruled tables) the extractor reads what it reads in the txt."""
    if src is None:
        pytest.skip("../shared/corpus is absent")
    import jixiao.extract as extract_mod
    txt = read(src)
    want = _figures(extract_mod.evaluation_to_json(extract_mod.extract(txt)))
    doc = read(write(txt.text, tmp_path / "c.pdf"))
    assert len(doc.page_starts) >= 2
    got = _figures(extract_mod.evaluation_to_json(extract_mod.extract(doc)))
    assert want
    assert {k: got.get(k) for k in want} == want
