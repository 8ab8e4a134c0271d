"""PDF with a text layer: PDFium (pypdfium2) for text and rulings, pdfplumber's table finder for grids.

PDFium reads a page in a few milliseconds; pdfminer, under pdfplumber, takes ~30×
longer. So a page is searched for tables only when it draws enough paths, and
then the edges come from PDFium's path objects, pdfplumber's ``TableFinder``
groups them into cells, and each cell's text is one PDFium bounded-text call.
pdfplumber proper runs only when that fast path cannot (paths inside form
XObjects) or finds nothing on a ruled page that names 指标/得分/预算数.

A table goes into the text as tab-separated rows *in place of* the lines inside
it, so nothing is printed twice. Lines that were only wrapped by the layout are
joined back into paragraphs, also across a page break; page numbers in the
margins are dropped; ``page_starts`` keeps every page's first character. A PDF
whose pages carry no text at all is a scan: :func:`_ocr_fallback` hands it to OCR.
"""

from __future__ import annotations

import bisect
import collections
import io
import os
import re
from types import SimpleNamespace
from typing import NamedTuple

from jixiao.ingest.base import Document, IngestError, TextBuilder
from jixiao.ingest.pdflines import MIN_WRAPPED, Line, inside, is_page_number
from jixiao.ingest.pdflines import join as join_lines
from jixiao.ingest.pdflines import metrics as line_metrics

#: A page needs at least this many path objects (lines, rects) to be searched for tables.
MIN_RULING_PATHS = 4
#: Pages drawing more paths than this are charts or art: skip table search there.
MAX_RULING_PATHS = 5000
_THIN = 3.0  # points: a path this thin is a line
_ALIGN = 6.0  # points: a table continued on the next page starts and ends within this of the last
_INSET = 0.5  # points: shrink a cell before asking for its text, so borders' neighbours stay out
#: Header words of the tables worth a slow second look when the fast path finds none.
_TABLE_WORDS = re.compile(r"指标|得分|分值|预算数|执行数|执行率")
_LATIN = re.compile(r"[A-Za-z]")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NO_TEXT_LAYER = "没有文字层（扫描件），未安装 OCR (no text layer (scanned PDF); OCR is not supported)"
#: Pages one PDF may have (JIXIAO_MAX_PDF_PAGES), checked before any page is loaded.
MAX_PAGES = int(float(os.environ.get("JIXIAO_MAX_PDF_PAGES", "1000")))
#: A /Kids array of the page tree, and the object references in it.
_KIDS = re.compile(rb"/Kids\s*\[([^\]]{0,4000000})\]")
_REF = re.compile(rb"(\d{1,10})\s+(\d{1,5})\s+R")


def read_bytes(data: bytes, name: str, **opts) -> Document:
    """Read a PDF; only :class:`IngestError` escapes."""
    import pypdfium2 as pdfium

    if b"%PDF" not in data[:1024]:
        raise IngestError(name, "不是有效的 PDF 文件 (not a PDF file)")
    _check_page_tree(data, name)
    try:
        pdf = pdfium.PdfDocument(data, password=opts.get("password"))
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise IngestError(name, "PDF 已加密，需要密码 (encrypted PDF: password required)") from None
        raise IngestError(name, f"PDF 文件已损坏或不完整 (corrupt or truncated PDF: {msg})") from None
    try:
        if len(pdf) > MAX_PAGES:
            raise IngestError(name, f"PDF 页数过多（{len(pdf):,} 页，上限 {MAX_PAGES:,} 页）"
                                    f"(PDF over the limit of {MAX_PAGES:,} pages, JIXIAO_MAX_PDF_PAGES)")
        return _read(pdf, data, name, opts)
    finally:
        pdf.close()


def _check_page_tree(data: bytes, name: str) -> None:
    """Refuse a page tree that names one page more than once in a /Kids array (a page has one parent).

    PDFium would load such a page once per mention: a 124 KB file naming one page 20,000 times
    reads for minutes. Page trees inside compressed object streams are not visible here; the
    page limit bounds those.
    """
    for m in _KIDS.finditer(data):
        refs = collections.Counter(_REF.findall(m.group(1)))
        if refs:
            (num, _gen), times = refs.most_common(1)[0]
            if times > 1:
                raise IngestError(name, f"PDF 页面树重复引用同一页面（对象 {int(num)}，{times:,} 次）"
                                        f"(PDF page tree names one page more than once)")


def _read(pdf, data: bytes, name: str, opts: dict) -> Document:
    import pypdfium2 as pdfium

    n = len(pdf)
    if n == 0:
        raise IngestError(name, "PDF 没有页面 (PDF has no pages)")
    join = opts.get("join_lines", True)
    b = TextBuilder()
    plumber = None
    any_text = False
    empty_pages: list[int] = []
    carry: _Carry | None = None  # the previous page's last paragraph or table, when it may run on
    metrics = None  # the last page's margins, for pages with too few lines to measure
    try:
        for i in range(n):
            try:
                page = pdf[i]
            except pdfium.PdfiumError as exc:
                raise _damaged(name, i + 1, exc) from None
            try:
                textpage = page.get_textpage()
                try:
                    raw_text = textpage.get_text_range()
                    text = _clean(raw_text)
                    any_text = any_text or bool(text.strip())
                    if not text.strip():
                        empty_pages.append(i + 1)
                    tables: list | None = []
                    if text.strip() and opts.get("tables", True):
                        edges = _ruling_edges(page)
                        if edges is None:
                            tables = None
                        elif edges:
                            tables = _fast_tables(page, textpage, edges)
                        if tables is None or (edges and not tables and _TABLE_WORDS.search(text)):
                            # nested drawings, or a table page the fast path missed: ask pdfplumber
                            if plumber is None:
                                plumber = _open_plumber(data, opts)
                            tables = _find_tables(plumber, i) if plumber is not False else []
                    if join or tables:
                        height = page.get_mediabox()[3]
                        lines = _page_lines(textpage, raw_text, height)
                        blocks, metrics = _page_blocks(lines, tables or [], join, height, metrics, i + 1)
                    else:
                        blocks = [_Block("para", text)]
                    carry = _emit(b, blocks, carry, i + 1)
                finally:
                    textpage.close()
            except pdfium.PdfiumError as exc:
                raise _damaged(name, i + 1, exc) from None
            finally:
                page.close()
    finally:
        if plumber:
            plumber.close()
    _flush(b, carry)
    mode = opts.get("ocr") or "auto"
    if not any_text or mode == "always":
        return _ocr_fallback(data, name, opts)
    if empty_pages and mode == "auto" and _ocr_ready(opts):
        # a scan bound into a digital report: OCR reads the pages without text, the rest keep theirs
        return _ocr_fallback(data, name, opts)
    meta = {"pages": n}
    if empty_pages:
        meta["pages_without_text"] = empty_pages
    return b.build(name, "pdf", meta=meta)


def _damaged(name: str, page_no: int, exc: Exception) -> IngestError:
    return IngestError(name, f"PDF 第 {page_no} 页已损坏 (damaged PDF page {page_no}: {exc})")


def _clean(text: str) -> str:
    return _CTRL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _ruling_edges(page) -> list[dict] | None:
    """Line and rectangle edges drawn on a page, in pdfplumber's coordinates (top down).

    [] when the page draws too few or too many paths to hold a ruled table; None
    when paths sit inside form XObjects, whose bounds are not in page space.
    """
    import pypdfium2.raw as raw

    height = page.get_mediabox()[3]
    edges: list[dict] = []
    count = 0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=3):
        count += 1
        if count > MAX_RULING_PATHS:
            return []
        if obj.level:
            return None
        x0, y0, x1, y1 = obj.get_bounds()
        top, bottom = height - y1, height - y0
        w, h = x1 - x0, bottom - top
        if h <= _THIN and w > _THIN:
            edges.append(_edge("h", x0, x1, (top + bottom) / 2, (top + bottom) / 2))
        elif w <= _THIN and h > _THIN:
            edges.append(_edge("v", (x0 + x1) / 2, (x0 + x1) / 2, top, bottom))
        elif w > _THIN and h > _THIN:  # a rectangle: its four sides
            edges += [_edge("h", x0, x1, top, top), _edge("h", x0, x1, bottom, bottom),
                      _edge("v", x0, x0, top, bottom), _edge("v", x1, x1, top, bottom)]
    return edges if count >= MIN_RULING_PATHS else []


def _edge(orientation: str, x0: float, x1: float, top: float, bottom: float) -> dict:
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top, "width": x1 - x0,
            "height": bottom - top, "orientation": orientation, "object_type": "line"}


def _fast_tables(page, textpage, edges: list[dict]) -> list | None:
    """Ruled tables from PDFium's paths, grouped by pdfplumber's TableFinder without a pdfminer parse.

    Cell text comes from PDFium's bounded-text call, one per cell. None on any
    failure, so the caller can fall back to pdfplumber proper.
    """
    try:
        from pdfplumber.table import TableFinder

        left, bottom, right, top = page.get_mediabox()
        fake_page = SimpleNamespace(edges=edges, bbox=(0, 0, right - left, top - bottom), chars=[])
        out = []
        for t in TableFinder(fake_page, {}).tables:
            def text_of(cell, _top=top):
                x0, c_top, x1, c_bottom = cell
                return textpage.get_text_bounded(x0 + _INSET, _top - c_bottom + _INSET, x1 - _INSET,
                                                 _top - c_top - _INSET)

            grid, merges = _grid(t, text_of)
            if len(grid) >= 2 and max(len(r) for r in grid) >= 2:
                out.append((t.bbox, grid, merges))
    except Exception:  # an odd drawing: let pdfplumber try
        return None
    out.sort(key=lambda x: x[0][1])
    return out


def _open_plumber(data: bytes, opts: dict):
    try:
        import pdfplumber

        return pdfplumber.open(io.BytesIO(data), password=opts.get("password") or "")
    except Exception:  # table search is an enhancement: fall back to plain page text
        return False


def _find_tables(plumber, index: int) -> list[tuple[tuple[float, float, float, float], list, dict]]:
    """Ruled tables on one page as (bbox, grid, merges), top to bottom; [] on any failure."""
    try:
        page = plumber.pages[index]
    except Exception:
        return []
    out = []
    try:
        for t in page.find_tables():
            grid, merges = _grid(t)
            if len(grid) >= 2 and max(len(r) for r in grid) >= 2:
                out.append((t.bbox, grid, merges))
    except Exception:  # pdfminer raises many kinds on odd files: keep the page text instead
        return []
    finally:
        page.close()
    out.sort(key=lambda x: x[0][1])
    return out


def _grid(table, text_of=None) -> tuple[list[list[str | None]], dict[tuple[int, int], tuple[int, int]]]:
    """pdfplumber table → grid with merges, from the cell boxes (a merged cell spans several edges)."""
    cells = table.cells
    xs = sorted({round(c[0], 1) for c in cells} | {round(c[2], 1) for c in cells})
    ys = sorted({round(c[1], 1) for c in cells} | {round(c[3], 1) for c in cells})
    xs, ys = _dedupe(xs), _dedupe(ys)
    nrows, ncols = len(ys) - 1, len(xs) - 1
    if nrows < 1 or ncols < 1:
        return [], {}
    grid: list[list[str | None]] = [[None] * ncols for _ in range(nrows)]
    merges: dict[tuple[int, int], tuple[int, int]] = {}
    texts = _cell_texts(table) if text_of is None else None
    for bbox in cells:
        c0, c1 = _index(xs, bbox[0]), _index(xs, bbox[2])
        r0, r1 = _index(ys, bbox[1]), _index(ys, bbox[3])
        if c1 <= c0 or r1 <= r0:
            continue
        grid[r0][c0] = (texts.get(bbox, "") if texts is not None else _clean(text_of(bbox))) or ""
        if r1 - r0 > 1 or c1 - c0 > 1:
            merges[(r0, c0)] = (r1 - r0, c1 - c0)
    covered = {(r, c) for (r0, c0), (rs, cs) in merges.items()
               for r in range(r0, r0 + rs) for c in range(c0, c0 + cs) if (r, c) != (r0, c0)}
    for r in range(nrows):
        for c in range(ncols):
            if grid[r][c] is None and (r, c) not in covered:
                grid[r][c] = ""
    return grid, merges


def _cell_texts(table) -> dict:
    """bbox → extracted text, using pdfplumber's own row/cell walk."""
    out = {}
    extracted = table.extract()
    for row, values in zip(table.rows, extracted, strict=False):
        for bbox, value in zip(row.cells, values, strict=False):
            if bbox is not None:
                out[bbox] = value or ""
    return out


def _dedupe(vals: list[float], tol: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in vals:
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    """Index of the edge nearest to ``v`` (edges sorted)."""
    i = bisect.bisect_left(edges, v)
    if i == len(edges) or (i and v - edges[i - 1] < edges[i] - v):
        return i - 1
    return i


def _page_lines(textpage, raw: str, height: float) -> list[Line]:
    """Split PDFium's page text at its generated CRLFs, with the box of each line's ends."""
    lines: list[Line] = []
    start = 0
    n = len(raw)
    while start <= n:
        end = raw.find("\r\n", start)
        if end == -1:
            end = n
        seg = raw[start:end]
        stripped = seg.strip()
        if stripped:
            first = start + (len(seg) - len(seg.lstrip()))
            last = start + len(seg.rstrip()) - 1
            # loose boxes span the advance and line height: a closing 。 still reaches the margin
            l0, b0, _r0, t0 = textpage.get_charbox(first, loose=True)
            _l1, b1, r1, t1 = textpage.get_charbox(last, loose=True)
            lines.append(Line(_clean(seg), l0, r1, height - max(t0, t1), height - min(b0, b1)))
        start = end + 2
    return lines


class _Block(NamedTuple):
    """A paragraph or a table of one page; ``opens``/``runs_on`` say whether a paragraph may
    continue the previous page's last one / run on into the next page."""

    kind: str
    text: str = ""
    table: tuple | None = None
    opens: bool = False
    runs_on: bool = False


def _page_blocks(lines: list[Line], tables: list, join: bool, height: float,
                 fallback: tuple | None = None, page_no: int = 0) -> tuple[list[_Block], tuple | None]:
    """The page's paragraphs and tables in reading order; a table replaces the lines inside it.

    With ``join``, page numbers in the margins are dropped, wrapped lines are joined,
    and each resulting line is a paragraph (as the docx and html readers give them).
    """
    if join:
        lines = [ln for ln in lines if not is_page_number(ln, height, page_no)]
    sizes = (line_metrics(lines) or fallback) if join else None
    blocks: list[_Block] = []

    def add(group: list[Line]) -> None:
        if not group:
            return
        if not join:
            blocks.append(_Block("para", "\n".join(ln.text for ln in group)))
            return
        for text, first, last in join_lines(group, sizes):
            opens = sizes is not None and first.left <= sizes[0] + 0.8 * sizes[2]
            runs_on = (sizes is not None and last.right >= sizes[1] - 1.5 * sizes[2]
                       and len(last.text.strip()) >= MIN_WRAPPED)
            blocks.append(_Block("para", text, opens=opens, runs_on=runs_on))

    rest = [ln for ln in lines if not any(inside(ln, t[0]) for t in tables)]
    for table in tables:
        top = table[0][1]
        add([ln for ln in rest if (ln.top + ln.bottom) / 2 < top])
        rest = [ln for ln in rest if (ln.top + ln.bottom) / 2 >= top]
        blocks.append(_Block("table", table=table))
    add(rest)
    return blocks, sizes


class _Carry(NamedTuple):
    """What a page ended with that the next page may continue: a paragraph, or a table."""

    kind: str
    text: str = ""
    table: tuple | None = None  # (bbox, grid, merges) of a table, rows of every page so far
    page: int = 0  # the page the table starts on
    breaks: tuple[int, ...] = ()  # rows of the table where a later page starts


def _emit(b: TextBuilder, blocks: list[_Block], carry: _Carry | None, page_no: int) -> _Carry | None:
    """Add one page's blocks; returns its last paragraph or table when that may run on.

    A paragraph broken by the page break is joined back, and a table continued on
    the next page (same columns) becomes one table. The page then starts inside
    it: ``page_starts`` takes the offset of the first character printed on it.
    """
    if carry is not None and carry.kind == "para" and blocks and blocks[0].kind == "para" and blocks[0].opens:
        first = blocks[0].text
        sep = " " if _LATIN.match(carry.text[-1:]) and _LATIN.match(first[:1]) else ""
        # this page starts inside the carried paragraph, once that is added
        b.page_starts.append(b.length + len(carry.text) + len(sep))
        if len(blocks) == 1 and blocks[0].runs_on:  # the whole page is one paragraph running on
            return carry._replace(text=carry.text + sep + first)
        b.para(carry.text + sep + first)
        blocks = blocks[1:]
    elif (carry is not None and carry.kind == "table" and blocks and blocks[0].kind == "table"
          and _continues(carry.table, blocks[0].table)):
        table, first_row = _append_rows(carry.table, blocks[0].table)
        carry = carry._replace(table=table, breaks=(*carry.breaks, first_row))
        blocks = blocks[1:]
        if not blocks:
            return carry
        _flush(b, carry)
    else:
        _flush(b, carry)
        b.new_page()
    for k, blk in enumerate(blocks):
        last = k == len(blocks) - 1
        if blk.kind == "table":
            if last:
                return _Carry("table", table=blk.table, page=page_no)
            _bbox, grid, merges = blk.table
            b.table(grid, page=page_no, merges=merges)
        elif last and blk.runs_on:
            return _Carry("para", text=blk.text)
        else:
            b.para(blk.text)
    return None


def _flush(b: TextBuilder, carry: _Carry | None) -> None:
    """Add a carried paragraph or table, recording the page starts inside a table."""
    if carry is None:
        return
    if carry.kind == "para":
        b.para(carry.text)
        return
    _bbox, grid, merges = carry.table
    row_starts = b.table(grid, page=carry.page, merges=merges)
    for r in carry.breaks:  # the page starts at the first row printed on it
        b.page_starts.append(row_starts[r])


def _continues(prev: tuple, nxt: tuple) -> bool:
    """Whether a table at the top of a page continues the one that ended the previous page."""
    (px0, _pt, px1, _pb), pgrid, _pm = prev
    (nx0, _nt, nx1, _nb), ngrid, _nm = nxt
    return (len(pgrid[0]) == len(ngrid[0]) and abs(px0 - nx0) <= _ALIGN and abs(px1 - nx1) <= _ALIGN)


def _append_rows(prev: tuple, nxt: tuple) -> tuple[tuple, int]:
    """The rows of ``nxt`` below those of ``prev``: a repeated header is dropped, and the empty
    leading cells at the top continue the cells above the page break (a merge split by the break)."""
    bbox, pgrid, pmerges = prev
    _nb, ngrid, nmerges = nxt
    ngrid = [list(r) for r in ngrid]
    drop = 0
    while drop < min(3, len(ngrid) - 1, len(pgrid) - 1) and _texts(ngrid[drop]) == _texts(pgrid[drop]):
        drop += 1
    if drop and any(r < drop for r, _c in nmerges):
        drop = 0  # a header merged into the body: keep it whole
    ngrid = ngrid[drop:]
    offset = len(pgrid)
    merges = dict(pmerges)
    merges.update({(r - drop + offset, c): span for (r, c), span in nmerges.items()})
    grid = [list(r) for r in pgrid] + ngrid
    last = offset - 1
    # only the leading empty columns of the first new row continue a cell: 一级/二级指标 above a 三级 row
    leading = 0
    while offset < len(grid) and leading < len(grid[0]) - 1 and grid[offset][leading] == "":
        leading += 1
    for c in range(leading):
        origin = _origin(merges, grid, last, c)
        if origin is None or merges.get(origin, (1, 1))[1] != 1:
            continue
        k = offset
        while (k < len(grid) and grid[k][c] == "" and any(grid[k])
               and not any(isinstance(v, str) and v for v in grid[k][:c])):
            span = merges.get((k, c), (1, 1))  # an empty merged cell below the break: absorb it
            if span[1] != 1:
                break
            merges.pop((k, c), None)
            for rr in range(k, min(len(grid), k + span[0])):
                grid[rr][c] = None
            k += span[0]
        if k > offset:
            rs, cs = merges.get(origin, (1, 1))
            merges[origin] = (rs + k - offset, cs)
    return (bbox, grid, merges), offset


def _texts(row: list) -> list[str]:
    return [v or "" for v in row]


def _origin(merges: dict, grid: list, r: int, c: int) -> tuple[int, int] | None:
    """The cell holding the text shown at (r, c): itself, or the merge covering it."""
    if grid[r][c]:
        return (r, c)
    for (r0, c0), (rs, cs) in merges.items():
        if r0 <= r < r0 + rs and c0 <= c < c0 + cs and grid[r0][c0]:
            return (r0, c0)
    return None


def _ocr_fallback(data: bytes, name: str, opts: dict) -> Document:
    """A PDF with pages but no text layer: OCR it (jixiao.ingest.ocr) unless ``ocr="never"``.

    Options read by the OCR reader: ``ocr`` (auto|always|never), ``ocr_engine`` (tesseract|rapidocr),
    ``ocr_dpi`` (default 300), ``ocr_lang`` (default chi_sim). See docs/ocr.md.
    """
    if opts.get("ocr") == "never":
        raise IngestError(name, NO_TEXT_LAYER)
    try:
        from jixiao.ingest import ocr
    except ImportError:  # pragma: no cover - the module ships with the package
        raise IngestError(name, NO_TEXT_LAYER) from None
    if not ocr.available(opts.get("ocr_engine")):
        raise IngestError(name, "没有文字层（扫描件），" + ocr.NOT_INSTALLED)
    return ocr.ocr_pdf_bytes(data, name, **opts)
def _ocr_ready(opts: dict) -> bool:
    try:
        from jixiao.ingest import ocr
    except ImportError:  # pragma: no cover
        return False
    return ocr.available(opts.get("ocr_engine"))
# ---- end of OCR hook ------------------------------------------------------------------------------
