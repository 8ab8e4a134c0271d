"""Issue 17, the extractor's side (causes 1, 7 and 8): these pin what ``jixiao/extract`` must do.

Each case failed on the extractor before its linear-time rewrite (a traceback, a quadratic run of seconds to
minutes, or gigabytes). Time and memory are bounded by running each case in a child
(:func:`jixiao.workers.run_limited`) with a budget the linear extractor meets 25 times over or more (it needs
0.001–0.2 s of CPU for each) and the old one missed; no test measures a duration.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import pytest

from bench.formats import write
from jixiao.ingest import IngestError, read_bytes
from jixiao.workers import Limits, WorkerError, run_limited

HEAD = "青石县农业技术推广站2023年度部门整体支出绩效自评报告\n"


def _extract_json(data: bytes, name: str) -> str:
    """read → extract → JSON, as ``jixiao extract --format json`` does."""
    from jixiao.cli import dumps
    from jixiao.extract import evaluation_to_json, extract

    return dumps(evaluation_to_json(extract(read_bytes(data, name))))


def test_a_rate_with_39_decimals_is_no_exception():
    """Cause 1: ``decimal.InvalidOperation`` in ``narrative._matches`` (a traceback on the CLI)."""
    text = HEAD + "资金到位率4.606060600606060606060606060606060606060%，实际到位86.40万元，应到位85.12万元。\n"
    out = json.loads(_extract_json(text.encode(), "rate.txt"))
    assert out["doc"] == "rate"


def _dense_row(n: int) -> bytes:
    """A stated rate, then one table row of ``n`` figures (columns apart by spaces, as a PDF prints them)."""
    rng = random.Random(n)
    row = "  ".join(f"{rng.randrange(1, 99999)}.{rng.randrange(100):02d}" for _ in range(n))
    return (HEAD + "全年预算数86.40万元，执行数85.12万元，预算执行率98.52%。\n资金到位率98.52%\n" + row + "\n").encode()


@pytest.mark.parametrize("n", [2000, 4000])
def test_a_row_dense_with_figures_is_read_in_linear_time(n):
    """Cause 7: a rate whose inputs are searched for in the row after it; today ~6 s, ~20 s and over a minute
    of CPU for 1,000, 2,000, 4,000 figures. A linear pass takes a few hundredths of a second for 4,000; the
    budget is five seconds for each size."""
    out = run_limited(_extract_json, _dense_row(n), "dense.txt", limits=Limits(seconds=5, memory_mb=1024))
    assert json.loads(out)["budget"]["executed"] == 85.12


def test_one_paragraph_of_many_clauses_is_read_in_linear_time():
    """Cause 7 again: one paragraph of 3,000 clauses (100 KB) takes minutes today."""
    text = HEAD + "全年预算数86.40万元，执行数85.12万元，执行率98.52%，" * 3000 + "\n"
    out = run_limited(_extract_json, text.encode(), "para.txt", limits=Limits(seconds=10, memory_mb=1024))
    assert json.loads(out)["doc"] == "para"


def _paragraphs_of_25_mb() -> int:
    from jixiao.extract.text import paragraphs

    sentence = "全年预算数86.40万元，执行数85.12万元，执行率98.52%，"
    text = sentence * (25 * 1024 * 1024 // len(sentence.encode()))  # one paragraph, 25 MB as UTF-8
    return len(paragraphs(text))


def test_paragraphs_of_a_25_mb_text_within_a_memory_budget():
    """Cause 8: the paragraph regex keeps ~55 bytes per input byte (25 MB of text passes 2 GiB)."""
    assert run_limited(_paragraphs_of_25_mb, limits=Limits(seconds=120, memory_mb=1024)) == 1


def _gridspan_bomb(tmp: Path, rows: int, cells: int) -> bytes:
    seed = write(HEAD + "全年预算数86.40万元。\n", tmp / "seed.docx").read_bytes()
    cell = b'<w:tc><w:tcPr><w:gridSpan w:val="1000"/></w:tcPr><w:p><w:r><w:t>1.5</w:t></w:r></w:p></w:tc>'
    table = b"<w:tbl>" + (b"<w:tr>" + cell * cells + b"</w:tr>") * rows + b"</w:tbl>"
    zin = zipfile.ZipFile(io.BytesIO(seed))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            blob = zin.read(info.filename)
            if info.filename == "word/document.xml":
                blob = blob.replace(b"<w:body>", b"<w:body>" + table, 1)
            z.writestr(info.filename, blob)
    return out.getvalue()


def _read_and_extract(path: Path) -> str:
    try:
        return _extract_json(path.read_bytes(), path.name)
    except IngestError as exc:
        return f"refused: {exc.reason}"


def test_a_56_kb_docx_of_gridspan_bombs_within_budget(tmp_path):
    """Cause 8: 56 KB of ``w:gridSpan`` read in 11.6 s, then extraction ran out of memory. Now the
    reader refuses a table past its limit before building it (extraction never sees it)."""
    p = tmp_path / "bomb.docx"
    p.write_bytes(_gridspan_bomb(tmp_path, rows=60, cells=50))
    assert 30_000 < p.stat().st_size < 80_000
    out = run_limited(_read_and_extract, p, limits=Limits(seconds=60, memory_mb=1024))
    assert out.startswith("refused: 表格过大")


def test_a_docx_table_just_under_the_limit_reads_and_extracts_within_budget(tmp_path):
    """The largest Word table the reader lets through (200,000 positions, 200 figures per row)."""
    p = tmp_path / "wide.docx"
    p.write_bytes(_gridspan_bomb(tmp_path, rows=990, cells=200).replace(b'w:val="1000"', b'w:val="1"'))
    try:
        out = run_limited(_read_and_extract, p, limits=Limits(seconds=60, memory_mb=1024))
    except WorkerError as exc:  # pragma: no cover - the message says which budget
        pytest.fail(f"read + extract of a 200,000-cell table: {exc}")
    assert out.startswith("{") or out.startswith("refused: ")


def test_json_of_an_absurd_figure_in_a_report():
    """Cause 2 end to end: a 4,301-digit figure in a report prints as JSON."""
    text = HEAD + "全年预算数" + "9" * 4301 + "万元，执行数85.12万元。\n"
    out = run_limited(_extract_json, text.encode(), "huge.txt", limits=Limits(seconds=60, memory_mb=1024))
    assert json.loads(out)["doc"] == "huge"


FIXTURES = Path(__file__).parent / "fixtures" / "extract-limits"


@pytest.mark.parametrize("name", [p.name for p in sorted(FIXTURES.glob("*.txt"))])
def test_reproducers_from_the_fuzz_bench(name):
    """Reports the fuzz and scaling benches traced to extractor internals (tests/fixtures/extract-limits,
    README there): each reads in milliseconds; read + extract + JSON must finish within five seconds (they
    took 7–19 s of CPU before)."""
    data = (FIXTURES / name).read_bytes()
    assert read_bytes(data, name).text  # the reader's part is not what fails
    out = run_limited(_extract_json, data, name, limits=Limits(seconds=5, memory_mb=1024))
    assert json.loads(out)["doc"] == Path(name).stem
