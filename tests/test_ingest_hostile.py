"""Bad input: each broken or hostile file gets a one-line ``FILE: reason`` IngestError; others still read."""

from __future__ import annotations

import io
import os
import random
import sys
import types
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.formats import write  # noqa: E402
from jixiao.ingest import (  # noqa: E402
    Document,
    IngestError,
    TextBuilder,
    read,
    read_bytes,
    safezip,
)
from jixiao.ingest import pdf as pdf_reader  # noqa: E402

REPORT = "\n".join([
    "2024年度某某县农业技术推广站项目支出绩效自评报告",
    "全年预算数86.40万元，执行数85.12万元，执行率98.52%。",
    "一级指标\t二级指标\t三级指标\t分值\t得分",
    "产出指标\t数量指标\t推广新品种个数\t20\t20",
    "\t时效指标\t按期完成率\t10\t9",
    "合计\t\t\t30\t29",
])
BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
               for i in range(1, 10))
    + b']>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
      b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("good")
    return {s: write(REPORT, d / f"r{s}").read_bytes() for s in (".txt", ".docx", ".xlsx", ".pdf", ".html")}


def _error(path: Path, **opts) -> str:
    with pytest.raises(IngestError) as err:
        read(path, **opts)
    msg = str(err.value)
    assert msg.startswith(f"{path}: "), msg
    assert "\n" not in msg
    assert err.value.path == str(path)
    return err.value.reason


def _rewrite_zip(data: bytes, replace: dict[str, bytes] | None = None,
                 add: dict[str, bytes] | None = None) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info.filename, (replace or {}).get(info.filename, zin.read(info.filename)))
        for member, blob in (add or {}).items():
            z.writestr(member, blob)
    return out.getvalue()


@pytest.mark.parametrize("suffix", [".txt", ".docx", ".xlsx", ".pdf", ".html", ".doc"])
def test_empty_file(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert "空文件" in _error(path)


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pdf"])
def test_truncated_file(tmp_path, good, suffix):
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(good[suffix][: len(good[suffix]) // 2])
    reason = _error(path)
    assert "损坏" in reason or "不完整" in reason


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".xlsx", ".txt", ".html"])
def test_random_bytes(tmp_path, suffix):
    path = tmp_path / f"noise{suffix}"
    path.write_bytes(random.Random(7).randbytes(20_000))
    reason = _error(path)
    assert any(word in reason for word in ("不是", "损坏")), reason


def test_binary_data_named_txt(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40)
    assert "二进制" in _error(path)


def test_encrypted_pdf(tmp_path):
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    path = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(path), encrypt=StandardEncryption("pw-user", ownerPassword="pw-owner"))
    c.drawString(72, 720, "budget 86.40")
    c.showPage()
    c.save()
    assert "加密" in _error(path)
    assert "86.40" in read(path, password="pw-user").text


def _scanned_pdf(path: Path) -> Path:
    """Pages with only drawings: what a scan without a text layer looks like to a PDF reader."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for _ in range(2):
        c.rect(72, 72, 400, 600, fill=1)
        c.showPage()
    c.save()
    return path


def test_scanned_pdf_without_ocr(tmp_path, monkeypatch):
    path = _scanned_pdf(tmp_path / "scan.pdf")
    assert _error(path, ocr="never") == pdf_reader.NO_TEXT_LAYER
    # OCR module missing altogether
    import jixiao.ingest as pkg

    monkeypatch.delattr(pkg, "ocr", raising=False)
    monkeypatch.setitem(sys.modules, "jixiao.ingest.ocr", None)
    assert _error(path) == pdf_reader.NO_TEXT_LAYER


def test_scanned_pdf_goes_to_the_ocr_hook(tmp_path, monkeypatch):
    path = _scanned_pdf(tmp_path / "scan.pdf")
    calls = []

    def ocr_pdf_bytes(data: bytes, name: str, **opts) -> Document:
        calls.append((data[:5], name))
        b = TextBuilder()
        b.new_page()
        b.para("识别出的文字")
        return b.build(name, "pdf", ocr=True)

    fake = types.ModuleType("jixiao.ingest.ocr")
    fake.available = lambda engine=None: True
    fake.ocr_pdf_bytes = ocr_pdf_bytes
    fake.NOT_INSTALLED = "未安装 OCR (OCR is not installed)"
    import jixiao.ingest as pkg

    monkeypatch.setitem(sys.modules, "jixiao.ingest.ocr", fake)
    monkeypatch.setattr(pkg, "ocr", fake, raising=False)
    doc = read(path)
    assert doc.ocr and doc.text.startswith("识别出的文字")
    assert calls == [(b"%PDF-", str(path))]
    fake.available = lambda engine=None: False
    assert _error(path).startswith("没有文字层（扫描件）")


@pytest.mark.parametrize(("suffix", "member"), [(".docx", "word/document.xml"),
                                                (".xlsx", "xl/worksheets/sheet1.xml")])
def test_billion_laughs_refused(tmp_path, good, suffix, member):
    path = tmp_path / f"lol{suffix}"
    path.write_bytes(_rewrite_zip(good[suffix], replace={member: BILLION_LAUGHS}))
    reason = _error(path)
    assert "DTD" in reason and member in reason


def test_utf16_dtd_refused(tmp_path, good):
    xml = BILLION_LAUGHS.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16-le")
    path = tmp_path / "lol16.docx"
    path.write_bytes(_rewrite_zip(good[".docx"], replace={"word/document.xml": xml}))
    assert "DTD" in _error(path)


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_zip_bomb_ratio(tmp_path, good, suffix):
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(_rewrite_zip(good[suffix], add={"docProps/padding.bin": b"\0" * 8_000_000}))
    assert "压缩炸弹" in _error(path)


def test_zip_bomb_total_size(tmp_path, good, monkeypatch):
    monkeypatch.setattr(safezip, "MAX_TOTAL_BYTES", 1_000_000)
    blob = random.Random(3).randbytes(600_000)  # incompressible: only the total trips
    path = tmp_path / "big.docx"
    path.write_bytes(_rewrite_zip(good[".docx"], add={"word/media/a.bin": blob, "word/media/b.bin": blob}))
    assert "压缩炸弹" in _error(path)


def test_zip_member_lying_about_its_size(tmp_path, good):
    data = bytearray(_rewrite_zip(good[".docx"]))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("word/document.xml")
    # shrink the declared size in the central directory; the inflated data is larger
    cd = data.rfind(b"PK\x01\x02", 0, len(data))
    while cd != -1:
        name_len = int.from_bytes(data[cd + 28:cd + 30], "little")
        if bytes(data[cd + 46:cd + 46 + name_len]) == b"word/document.xml":
            data[cd + 24:cd + 28] = (info.file_size // 4).to_bytes(4, "little")
            break
        cd = data.rfind(b"PK\x01\x02", 0, cd)
    path = tmp_path / "liar.docx"
    path.write_bytes(bytes(data))
    reason = _error(path)
    assert "损坏" in reason or "不符" in reason


def test_wrong_office_package_inside(tmp_path, good):
    path = tmp_path / "sheet.docx"  # an xlsx under a Word name
    path.write_bytes(good[".xlsx"])
    assert "Word" in _error(path)
    path = tmp_path / "letter.xlsx"  # and the other way round
    path.write_bytes(good[".docx"])
    assert "Excel" in _error(path)


def test_huge_text_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no disk is used
    reason = _error(path)
    assert "文件过大" in reason and "200 MB" in reason


def test_html_entities_are_not_expanded(tmp_path):
    path = tmp_path / "lol.html"
    path.write_bytes(b'<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                     + "<html><body><p>预算数&b;</p></body></html>".encode())
    doc = read(path)
    assert "aaaaaaaaaa" not in doc.text
    assert doc.text.startswith("预算数")


def test_other_files_still_read(tmp_path, good):
    """A batch mixing hostile and good files: every bad one fails alone."""
    paths = []
    for suffix, data in good.items():
        bad = tmp_path / f"bad{suffix}"
        bad.write_bytes(os.urandom(3000) if suffix != ".txt" else b"\x00\x01" * 3000)
        ok = tmp_path / f"ok{suffix}"
        ok.write_bytes(data)
        paths += [bad, ok]
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_rewrite_zip(good[".xlsx"], add={"xl/pad.xml": b" " * 5_000_000}))
    paths.append(bomb)
    read_ok, failed = [], []
    for p in paths:
        try:
            read_ok.append(read(p))
        except IngestError as exc:
            failed.append(exc.path)
    assert sorted(Path(f).name for f in failed) == sorted(
        [f"bad{s}" for s in good] + ["bomb.xlsx"])
    assert len(read_ok) == len(good)
    for doc in read_ok:
        assert "推广新品种个数" in doc.text


def test_read_bytes_wraps_reader_bugs(monkeypatch):
    from jixiao.ingest import docx as docx_reader

    def boom(data, name, **opts):
        raise ZeroDivisionError("x")

    monkeypatch.setattr(docx_reader, "read_bytes", boom)
    with pytest.raises(IngestError, match="ZeroDivisionError"):
        read_bytes(b"PK\x03\x04", "a.docx")
