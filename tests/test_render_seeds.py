"""Seeds 001 (项目支出绩效自评表) and 004 (部门整体 three-level table) through extract → score → render,
the CLI, and a LibreOffice PDF conversion (skipped without soffice)."""

from __future__ import annotations

import io
import json

import docx
import openpyxl
import pytest

from jixiao.render import render

pytestmark = pytest.mark.corpus


def _seed(corpus_dir, prefix: str):
    from jixiao.pipeline import load

    path = next(corpus_dir.glob(f"{prefix}_*.txt"))
    ev, _ = load(path)
    return path, ev


def _xlsx_values(data: bytes) -> list[object]:
    return [c.value for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]


def _docx_strings(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_seed_001_project_form(corpus_dir):
    _, ev = _seed(corpus_dir, "001")
    values = _xlsx_values(render(ev, "xlsx"))
    assert "项目支出绩效自评表" in values
    for figure in (130.76, 130.44, 9.98, 99.98):
        assert figure in values
    assert 99.76 in values  # the recomputed execution rate
    text = _docx_strings(render(ev, "docx"))
    for figure in ("130.76", "130.44", "9.98", "99.98"):
        assert figure in text
    assert "年度预算数 130.76 万元，执行数 130.44 万元，预算执行率 99.76%" in text


def test_seed_004_department_form(corpus_dir):
    _, ev = _seed(corpus_dir, "004")
    values = _xlsx_values(render(ev, "xlsx"))
    assert "部门整体支出绩效自评表" in values
    for figure in (97.61, 20, 18.99, 58.62):
        assert figure in values
    text = _docx_strings(render(ev, "docx"))
    for figure in ("97.61", "18.99", "58.62"):
        assert figure in text
    assert "三、存在的问题" in text


def test_cli_report_json_and_unreadable(corpus_dir, tmp_path):
    from typer.testing import CliRunner

    from jixiao.cli import app

    path = next(corpus_dir.glob("004_*.txt"))
    out = tmp_path / "dept.docx"
    runner = CliRunner()
    res = runner.invoke(app, ["report", str(path), "--to", "docx", "-o", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info == [{"file": str(path), "output": str(out), "bytes": out.stat().st_size, "to": "docx"}]
    missing = runner.invoke(app, ["report", str(tmp_path / "nope.txt"), "--to", "xlsx"])
    assert missing.exit_code == 2


def test_libreoffice_converts_forms(corpus_dir, tmp_path):
    from jixiao.render.pdf import convert_with_soffice, soffice

    if soffice() is None:
        pytest.skip("needs LibreOffice (soffice)")
    _, project = _seed(corpus_dir, "001")
    _, dept = _seed(corpus_dir, "004")
    assert convert_with_soffice(render(project, "docx", draft=False), ".docx").startswith(b"%PDF")
    assert convert_with_soffice(render(dept, "xlsx"), ".xlsx").startswith(b"%PDF")


def test_pdf_from_weasyprint(corpus_dir, tmp_path):
    from jixiao.render.pdf import weasyprint_available

    if not weasyprint_available():
        pytest.skip("WeasyPrint not installed")
    _, dept = _seed(corpus_dir, "004")
    pdf = render(dept, "pdf", tmp_path / "d.pdf")
    assert pdf.startswith(b"%PDF") and (tmp_path / "d.pdf").stat().st_size == len(pdf)
