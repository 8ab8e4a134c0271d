"""Issue 17, the readers' side: limits checked before a library expands anything, a one-line reason
that says what is wrong, figures within reason and JSON that never fails (causes 2–6, 9 and 10)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from bench.formats import write
from jixiao.ingest import IngestError, read, read_bytes
from jixiao.ingest import pdf as pdf_reader
from jixiao.ingest.base import LimitError, TextBuilder, one_line
from jixiao.model import decimal_to_json, json_default
from jixiao.pipeline import load, load_limited
from jixiao.render.template import write_template
from jixiao.render.template_reader import is_template, read_template
from jixiao.workers import Limits, run_limited

ROOT = Path(__file__).resolve().parents[1]
REPORT = "\n".join([
    "青石县农业技术推广站2023年度项目支出绩效自评报告",
    "全年预算数86.40万元，执行数85.12万元，预算执行率98.52%。",
    "一级指标\t二级指标\t三级指标\t分值\t得分",
    "产出指标\t数量指标\t推广新品种个数\t20\t20",
    "\t时效指标\t按期完成率\t10\t9",
])


def _reason(path: Path, **opts) -> str:
    """The one-line reason ``read`` gives (``FILE: reason``, no line break)."""
    with pytest.raises(IngestError) as err:
        read(path, **opts)
    assert str(err.value) == f"{path}: {err.value.reason}" and "\n" not in str(err.value)
    return err.value.reason


def _rezip(data: bytes, member: str, edit) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            blob = zin.read(info.filename)
            z.writestr(info.filename, edit(blob) if info.filename == member else blob)
    return out.getvalue()


def _central_entry(data: bytes, member: str) -> int:
    """Offset of ``member``'s central directory entry."""
    at = data.find(b"PK\x01\x02")
    while at != -1:
        n = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + n] == member.encode():
            return at
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


def _set_field(data: bytes, member: str, offset: int, width: int, value: int) -> bytes:
    at = _central_entry(data, member) + offset
    return data[:at] + value.to_bytes(width, "little") + data[at + width:]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("limits")
    out = {s: write(REPORT, d / f"r{s}") for s in (".docx", ".xlsx", ".pdf")}
    tpl = d / "tpl.xlsx"
    write_template(tpl)
    out["template"] = tpl
    return out


# ---------------------------------------------------------------- cause 2, 3 (numbers): JSON and figures


@pytest.mark.parametrize("text", ["9" * 4301, "NaN", "-Infinity", "sNaN", "1E+999999", "1E-400",
                                  "4." + "6060606006" * 4, "12345678901234567890"],
                         ids=["4301-digits", "nan", "-inf", "snan", "1e999999", "1e-400", "40-decimals", "20-digits"])
def test_json_output_never_fails_on_a_value(text):
    value = decimal_to_json(Decimal(text))
    out = json.dumps({"v": Decimal(text)}, default=json_default, allow_nan=False)  # strict JSON
    back = json.loads(out)["v"]
    if Decimal(text).is_finite():
        assert Decimal(str(back)) == Decimal(text)  # exact: a string when no JSON number holds it
    else:
        assert value is None and back is None


def test_json_keeps_ordinary_figures_as_numbers():
    assert [decimal_to_json(Decimal(s)) for s in ("130.44", "100", "99.90", "0.00", "-5.5")] == [130.44, 100, 99.9, 0, -5.5]


def test_figure_guard_refuses_absurd_figures_with_a_reason():
    from jixiao.numbers import FigureError, figure

    assert figure("1,302.18") == Decimal("1302.18") and figure("９９.５") == Decimal("99.5")
    for text, words in [("4." + "6" * 39, "小数位数过多"), ("9" * 4301, "数字位数过多"), ("1e999999", "指数"),
                        ("NaN", "不是有限数"), ("Infinity", "不是有限数"), ("12.5万元", "不是数字")]:
        with pytest.raises(FigureError, match=words):
            figure(text)
    with pytest.raises(ArithmeticError):  # what an extractor pass catching Decimal's signals also catches
        figure("4." + "6" * 39)


def test_every_figure_the_guard_accepts_quantizes_at_its_own_precision():
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from jixiao.numbers import FigureError, decimals_of, figure

    @settings(max_examples=300, deadline=None)
    @given(st.from_regex(r"-?\d{1,40}(\.\d{1,40})?", fullmatch=True))
    def check(text):
        try:
            d = figure(text)
        except FigureError:
            return
        q = Decimal(1).scaleb(-decimals_of(text))
        assert d.quantize(q) == d  # no InvalidOperation: the figure fits Decimal's context

    check()


def test_D_refuses_nan_and_absurd_exponents():
    from jixiao.numbers import D, NumberError

    for text in ("NaN", "inf", "-Infinity", "1e999999"):
        with pytest.raises(NumberError):
            D(text)
    assert D("1e3") == 1000


# ---------------------------------------------------------------- cause 3: a style the workbook lacks


def _filled_template(path: Path) -> Path:
    import openpyxl

    from jixiao.render.template import BASIC_SHEET, FIELDS

    row = {f.label: 3 + n for n, f in enumerate(FIELDS)}
    wb = openpyxl.load_workbook(path)
    ws = wb[BASIC_SHEET]
    for label, v in {"单位名称": "青石县农业技术推广站", "年度": 2023, "全年预算数": 86.4, "全年执行数": 85.12}.items():
        ws.cell(row=row[label], column=2, value=v)
    wb.save(path)
    return path


def test_template_with_a_number_format_past_the_style_table_reads(tmp_path):
    """A cell format naming number format 300, which the workbook never defines (openpyxl: IndexError)."""
    p = tmp_path / "t.xlsx"
    write_template(p)
    data = _filled_template(p).read_bytes()

    def edit(xml: bytes) -> bytes:
        return re.sub(rb'numFmtId="\d+"', b'numFmtId="300"', xml)

    p.write_bytes(_rezip(data, "xl/styles.xml", edit))
    assert is_template(p)
    ev = read_template(p)
    assert ev.budget.adjusted == Decimal("86.4") and ev.budget.executed == Decimal("85.12")


def test_cell_style_index_past_the_style_table_is_refused_up_front(tmp_path, files):
    data = _rezip(files[".xlsx"].read_bytes(), "xl/worksheets/sheet1.xml",
                  lambda xml: re.sub(rb"<c r=\"A1\"", b'<c r="A1" s="999"', xml, count=1))
    p = tmp_path / "style.xlsx"
    p.write_bytes(data)
    assert "样式编号 999 超出样式表" in _reason(p)


# ---------------------------------------------------------------- cause 4: the 填报模板 check, bounded


@pytest.mark.parametrize(("field", "offset", "width", "value", "words"), [
    ("method", 10, 2, 99, "不支持的压缩方式 99"),  # zipfile: NotImplementedError
    ("flags", 8, 2, 0x1, "已加密"),  # zipfile: RuntimeError
])
def test_template_check_survives_one_byte_header_edits(tmp_path, files, field, offset, width, value, words):
    p = tmp_path / f"{field}.xlsx"
    p.write_bytes(_set_field(files["template"].read_bytes(), "xl/workbook.xml", offset, width, value))
    assert is_template(p) is False
    with pytest.raises(IngestError) as err:
        load(p)
    assert words in err.value.reason and "xl/workbook.xml" in err.value.reason


def test_template_check_survives_a_corrupt_member(tmp_path, files):
    data = files["template"].read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    p = tmp_path / "zlib.xlsx"
    p.write_bytes(data[:start] + b"\xff" + data[start + 1:])  # deflate block type 3: zlib.error
    assert is_template(p) is False
    with pytest.raises(IngestError) as err:
        load(p)
    assert "xl/workbook.xml" in err.value.reason and ("已损坏" in err.value.reason)


def _bloat_member(data: bytes, member: str, extra_mb: int) -> bytes:
    """``member`` followed by ``extra_mb`` MB of spaces, compressed as it streams (a deflate bomb)."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            blob = zin.read(info.filename)
            if info.filename != member:
                z.writestr(info.filename, blob)
                continue
            with z.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(blob)
                chunk = b" " * (1 << 20)
                for _ in range(extra_mb):
                    fh.write(chunk)
    return out.getvalue()


def test_template_check_does_not_inflate_a_workbook_xml_bomb(tmp_path, files):
    """xl/workbook.xml inflating to 400 MB: the old check read it whole (and openpyxl after it)."""
    p = tmp_path / "bomb.xlsx"
    p.write_bytes(_bloat_member(files["template"].read_bytes(), "xl/workbook.xml", 400))
    assert p.stat().st_size < 2_000_000
    assert run_limited(is_template, p, limits=Limits(seconds=120, memory_mb=256)) is False
    with pytest.raises(IngestError) as err:
        run_limited(load, p, limits=Limits(seconds=120, memory_mb=256))
    assert "压缩炸弹" in err.value.reason or "XML 部件过大" in err.value.reason


# ---------------------------------------------------------------- cause 5: merged ranges, cells, grids


@pytest.mark.parametrize("ref", ["A1:ZZ5000", "A1:XFD1048576"])
def test_merged_range_bomb_is_refused_before_openpyxl(tmp_path, files, ref):
    """A 12 KB sheet merging millions of positions: openpyxl makes an object for each (37 s, 1.1 GB)."""
    merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode()
    data = _rezip(files[".xlsx"].read_bytes(), "xl/worksheets/sheet1.xml",
                  lambda xml: re.sub(rb"<mergeCells.*?</mergeCells>", b"", xml, flags=re.S)
                  .replace(b"</sheetData>", b"</sheetData>" + merge, 1))
    p = tmp_path / "merge.xlsx"
    p.write_bytes(data)
    with pytest.raises(IngestError) as err:
        run_limited(read, p, limits=Limits(seconds=120, memory_mb=512))
    assert "合并单元格过多" in err.value.reason and ref in err.value.reason


@pytest.mark.parametrize(("pattern", "repl"), [(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFZ2000000"'),
                                             (rb'<c r="A1"', b'<c r="A1048577"')], ids=["dimension", "cell"])
def test_sheet_references_outside_excels_grid(tmp_path, files, pattern, repl):
    data = _rezip(files[".xlsx"].read_bytes(), "xl/worksheets/sheet1.xml", lambda xml: re.sub(pattern, repl, xml, count=1))
    p = tmp_path / "grid.xlsx"
    p.write_bytes(data)
    assert "超出 Excel 工作表范围" in _reason(p)


def test_scattered_cells_do_not_make_a_giant_grid(tmp_path, monkeypatch):
    """Cells on a diagonal: few cells, but rows × columns would be a grid of 10^8 positions."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for k in range(1, 10_001):
        ws.cell(row=k, column=k % 16_000 + 1, value=k)
    p = tmp_path / "diagonal.xlsx"
    wb.save(p)
    assert "表格过大" in _reason(p)


def test_docx_gridspan_bomb_is_refused_while_reading(tmp_path, files):
    cell = b'<w:tc><w:tcPr><w:gridSpan w:val="1000"/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>'
    table = b"<w:tbl>" + (b"<w:tr>" + cell * 50 + b"</w:tr>") * 60 + b"</w:tbl>"
    data = _rezip(files[".docx"].read_bytes(), "word/document.xml",
                  lambda xml: xml.replace(b"<w:body>", b"<w:body>" + table, 1))
    p = tmp_path / "span.docx"
    p.write_bytes(data)
    assert "表格过大" in _reason(p)


def test_text_limit_names_itself(monkeypatch):
    from jixiao.ingest import base

    monkeypatch.setattr(base, "MAX_TEXT_CHARS", 1000)
    with pytest.raises(LimitError, match="JIXIAO_MAX_TEXT_CHARS"):
        TextBuilder().para("预算" * 600)
    with pytest.raises(IngestError) as err:
        read_bytes(("预算" * 600).encode(), "long.txt")
    assert err.value.path == "long.txt" and "文字过多" in err.value.reason


# ---------------------------------------------------------------- cause 6: PDF pages


def _pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pageCompression=0)
    for i in range(pages):
        c.drawString(72, 720, f"page {i + 1}: budget 86.40")
        c.showPage()
    c.save()
    return buf.getvalue()


def test_pdf_page_tree_naming_one_page_thousands_of_times(tmp_path):
    data = _pdf(1)
    m = re.search(rb"/Count 1 /Kids \[ (\d+ 0 R) \]", data)
    p = tmp_path / "tree.pdf"
    p.write_bytes(data[:m.start()] + b"/Count 20000 /Kids [ " + (m.group(1) + b" ") * 20000 + b"]" + data[m.end():])
    reason = run_limited(_reason_or_none, p, limits=Limits(seconds=120, memory_mb=1024))
    assert reason is not None and "重复引用同一页面" in reason


def _reason_or_none(p: Path) -> str | None:
    try:
        read(p)
    except IngestError as exc:
        return exc.reason
    return None


def test_pdf_page_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 3)
    p = tmp_path / "long.pdf"
    p.write_bytes(_pdf(5))
    assert "页数过多（5 页，上限 3 页）" in _reason(p)


# ---------------------------------------------------------------- cause 9: one line, no warnings printed


def test_reason_is_always_one_line():
    err = IngestError("a.docx", "lxml said:\n  line 3\r\n\tcolumn 9")
    assert err.reason == "lxml said: line 3 column 9" and str(err) == "a.docx: lxml said: line 3 column 9"
    assert len(one_line("x" * 5000)) == 1000


def _warning_workbook(path: Path) -> Path:
    """A sheet with a data-validation extension: openpyxl warns that it drops it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "全年预算数86.40万元，执行数85.12万元。"
    buf = io.BytesIO()
    wb.save(buf)
    ext = b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"/></extLst></worksheet>'
    path.write_bytes(_rezip(buf.getvalue(), "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</worksheet>", ext)))
    return path


def test_library_warnings_are_kept_not_shown(tmp_path):
    p = _warning_workbook(tmp_path / "warn.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning escaping read() fails the test
        doc = read(p)
    assert any("extension is not supported" in w for w in doc.meta["warnings"])


def test_cli_prints_no_library_warning(tmp_path):
    p = _warning_workbook(tmp_path / "warn.xlsx")
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    proc = subprocess.run([sys.executable, "-m", "jixiao.cli", "extract", "--format", "json", str(p), str(bad)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and proc.stderr.startswith(f"{bad}: ")
    assert json.loads(proc.stdout)[0]["budget"]


# ---------------------------------------------------------------- cause 10: the reason, not the catch-all


def test_docx_xml_error_names_part_and_line(tmp_path, files):
    data = _rezip(files[".docx"].read_bytes(), "word/document.xml",
                  lambda xml: xml.replace(b"</w:body>", b"</w:bdy>", 1))
    p = tmp_path / "xml.docx"
    p.write_bytes(data)
    reason = _reason(p)
    assert re.search(r"XML 格式错误（word/document\.xml 第 \d+ 行）", reason), reason


def test_docx_without_a_body(tmp_path, files):
    data = _rezip(files[".docx"].read_bytes(), "word/document.xml",
                  lambda xml: xml.replace(b"<w:body>", b"<w:bodi>", 1).replace(b"</w:body>", b"</w:bodi>", 1))
    p = tmp_path / "nobody.docx"
    p.write_bytes(data)
    assert "没有正文 w:body" in _reason(p)


def test_encrypted_office_file(tmp_path):
    p = tmp_path / "locked.docx"  # what Word writes with a password: an OLE file holding EncryptedPackage
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 200)
    assert "已加密" in _reason(p)


def test_encrypted_zip_member(tmp_path, files):
    p = tmp_path / "member.docx"
    p.write_bytes(_set_field(files[".docx"].read_bytes(), "word/document.xml", 8, 2, 0x1))
    assert "已加密（word/document.xml）" in _reason(p)


@pytest.mark.parametrize("data", [b"\xff\xfeA", "预算数".encode("utf-16") + b"\x00", "budget 86.40".encode("utf-16-le") + b"9"],
                         ids=["bom-and-one-byte", "bom", "no-bom"])
def test_odd_length_utf16(tmp_path, data):
    p = tmp_path / "odd.txt"
    p.write_bytes(data)
    assert "UTF-16 文本字节数为奇数" in _reason(p)


def test_utf16_with_a_lone_surrogate_reads(tmp_path):
    p = tmp_path / "surrogate.txt"
    p.write_bytes("\ufeff全年预算数86.40万元，".encode("utf-16-le") + b"\x00\xd8" + "执行数85.12万元。".encode("utf-16-le"))
    doc = read(p)
    assert "86.40" in doc.text and "\ufffd" in doc.text


def test_damaged_pdf_page_is_named(tmp_path):
    data = _pdf(2)
    p = tmp_path / "page.pdf"
    p.write_bytes(re.sub(rb"/Kids \[ (\d+ 0 R) \d+ 0 R \]", rb"/Kids [ \1 99 0 R ]", data))
    assert _reason(p).startswith("PDF 第 2 页已损坏")


# ---------------------------------------------------------------- the CLI's bounded read


def _sleep_reader(data, name, **opts):
    import time

    time.sleep(60)


def test_bounded_read_names_the_budget(tmp_path, monkeypatch):
    from jixiao.ingest import text as text_reader

    p = tmp_path / "slow.txt"
    p.write_text("全年预算数86.40万元。", encoding="utf-8")
    monkeypatch.setattr(text_reader, "read_bytes", _sleep_reader)
    with pytest.raises(IngestError) as err:
        load_limited(p, limits=Limits(seconds=1, memory_mb=None))
    assert "读取超时，超过 1 秒上限" in err.value.reason and "JIXIAO_READ_SECONDS" in err.value.reason


def test_bounded_read_returns_what_load_returns(tmp_path):
    p = tmp_path / "ok.txt"
    p.write_text(REPORT, encoding="utf-8")
    ev, doc = load_limited(p)
    assert ev.budget.executed == Decimal("85.12") and doc.text.startswith("青石县")
