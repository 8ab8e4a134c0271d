"""Limits of a workbook, checked on its XML before openpyxl builds anything.

openpyxl turns every position of a merged range into a ``MergedCell`` (a sheet merging
``A1:XFD1048576`` takes gigabytes), keeps every cell as an object and fails with an
``IndexError`` on a style index its style table lacks. So the worksheets and the style
table are streamed once (lxml ``iterparse``, no DTD, no network) and a workbook past a
limit is refused with a one-line reason that names the limit. The generic reader and the
填报模板 reader both call :func:`check_workbook`.
"""

from __future__ import annotations

import os
import re
import zipfile

from jixiao.ingest.base import IngestError, one_line
from jixiao.ingest.safezip import ZIP_ERRORS, corrupt_member

#: Cells in one workbook, all sheets together (JIXIAO_MAX_XLSX_CELLS). A real 自评表 has a few
#: thousand; openpyxl needs about 20 µs and 1 KB for each, so this bound keeps a read within seconds.
MAX_CELLS = int(float(os.environ.get("JIXIAO_MAX_XLSX_CELLS", "100000")))
#: Positions covered by the merged ranges of one sheet: openpyxl makes an object for each and restyles
#: the edge cells of each range (a styled one-row merge across a sheet took seconds for 16,000).
MAX_MERGED_CELLS = 20_000
#: Edge positions of the merged ranges of one sheet: openpyxl restyles each (~0.2 ms apiece).
MAX_MERGED_EDGES = 5_000
#: Merged ranges in one sheet.
MAX_MERGED_RANGES = 10_000
#: Cell formats in the style table (Excel itself stops at 64,000).
MAX_STYLES = 65_000
_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_CELL = {f"{{{ns}}}c" for ns in _NS}
_MERGE = {f"{{{ns}}}mergeCell" for ns in _NS}
_ROW = {f"{{{ns}}}row" for ns in _NS}
_DIMENSION = {f"{{{ns}}}dimension" for ns in _NS}
_XFS = {f"{{{ns}}}cellXfs" for ns in _NS}
_XF = {f"{{{ns}}}xf" for ns in _NS}
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
MAX_ROW, MAX_COL = 1_048_576, 16_384


def check_workbook(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse a workbook whose sheets or style table pass a limit; IngestError names the limit."""
    styles = _count_styles(zf, name)
    cells = 0
    for info in zf.infolist():
        if info.filename.lower().endswith(".xml") and info.filename.lower() != "xl/styles.xml":
            cells = _check_sheet(zf, info, name, styles, cells)


def _iterparse(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, tags: set[str], events=("end",)):
    from lxml import etree

    try:
        with zf.open(info) as fh:
            yield from etree.iterparse(fh, events=events, tag=tuple(tags), resolve_entities=False, no_network=True,
                                       huge_tree=False, load_dtd=False)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        raise IngestError(name, f"XML 格式错误（{info.filename} 第 {line} 行）"
                                f"(XML syntax error in {info.filename}, line {line}: {one_line(exc.msg or '', 100)})") from None
    except ZIP_ERRORS as exc:
        raise corrupt_member(name, info.filename, exc) from None


def _count_styles(zf: zipfile.ZipFile, name: str) -> int | None:
    """Cell formats in ``xl/styles.xml`` (None when there is no style table)."""
    try:
        info = zf.getinfo("xl/styles.xml")
    except KeyError:
        return None
    count = 0
    inside = False
    for event, el in _iterparse(zf, info, name, _XFS | _XF, events=("start", "end")):
        if el.tag in _XFS:
            inside = event == "start"
        elif inside and event == "start":
            count += 1
            if count > MAX_STYLES:
                raise IngestError(name, f"样式表过大，超过 {MAX_STYLES:,} 种单元格格式 "
                                        f"(style table over the limit of {MAX_STYLES:,} cell formats)")
        if event == "end":
            el.clear()
    return count


def _check_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, styles: int | None, cells: int) -> int:
    """Check one part's cells and merges; returns the workbook's cell count so far."""
    part = info.filename
    merged = edges = ranges = 0
    for _event, el in _iterparse(zf, info, name, _CELL | _MERGE | _ROW | _DIMENSION):
        if el.tag in _DIMENSION:  # declared, never trusted for sizes; but it must name a place on a sheet
            _in_grid(el.get("ref") or "", name, part, "工作表尺寸")
            continue
        if el.tag in _ROW:  # done with a row: drop it and the rows before it, so memory stays flat
            el.clear()
            parent = el.getparent()
            while el.getprevious() is not None and parent is not None:
                del parent[0]
            continue
        if el.tag in _CELL:
            cells += 1
            if el.get("r"):
                _in_grid(el.get("r"), name, part, "单元格位置")
            if cells > MAX_CELLS:
                raise IngestError(name, f"工作簿单元格过多（至 {part}），超过 {MAX_CELLS:,} 个 "
                                        f"(workbook over the limit of {MAX_CELLS:,} cells, JIXIAO_MAX_XLSX_CELLS)")
            s = el.get("s")
            if s is not None and styles is not None and not _style_ok(s, styles):
                raise IngestError(name, f"单元格样式编号 {one_line(s, 20)} 超出样式表（{part} {el.get('r') or ''}，"
                                        f"共 {styles} 种格式）(cell style index out of range)")
        else:
            ranges += 1
            if ranges > MAX_MERGED_RANGES:
                raise IngestError(name, f"合并区域过多（{part}），超过 {MAX_MERGED_RANGES:,} 个 "
                                        f"(merged ranges over the limit of {MAX_MERGED_RANGES:,})")
            rows, cols = _extent(el.get("ref") or "")
            merged += rows * cols
            edges += rows * cols if rows <= 2 or cols <= 2 else 2 * (rows + cols) - 4
            if edges > MAX_MERGED_EDGES and merged <= MAX_MERGED_CELLS:
                raise IngestError(name, f"合并单元格过多（{part} {one_line(el.get('ref') or '', 40)}），边缘格合计超过 "
                                        f"{MAX_MERGED_EDGES:,} 个 (merged range edges over the limit of {MAX_MERGED_EDGES:,})")
            if merged > MAX_MERGED_CELLS:
                raise IngestError(name, f"合并单元格过多（{part} {one_line(el.get('ref') or '', 40)}），合计超过 "
                                        f"{MAX_MERGED_CELLS:,} 格 (merged cells over the limit of {MAX_MERGED_CELLS:,})")
        el.clear()
    return cells


def _in_grid(ref: str, name: str, part: str, what: str) -> None:
    """A cell reference or range must lie within Excel's grid (1,048,576 rows × 16,384 columns)."""
    for col, row in _REF.findall(ref):
        if not (1 <= int(row) <= MAX_ROW and 1 <= _col(col) <= MAX_COL):
            raise IngestError(name, f"{what} {one_line(ref, 40)} 超出 Excel 工作表范围（{part}）"
                                    f"(sheet reference outside 1,048,576 rows × 16,384 columns)")


def _style_ok(s: str, styles: int) -> bool:
    try:
        return 0 <= int(s) < max(styles, 1)
    except ValueError:
        return False


def _extent(ref: str) -> tuple[int, int]:
    """Rows and columns a range such as ``A1:ZZ5000`` spans (clipped to the sheet's bounds)."""
    ends = _REF.findall(ref)
    if not ends:
        return 0, 0
    (c0, r0), (c1, r1) = ends[0], ends[-1]
    rows = abs(min(int(r1), MAX_ROW) - min(int(r0), MAX_ROW)) + 1
    cols = abs(min(_col(c1), MAX_COL) - min(_col(c0), MAX_COL)) + 1
    return rows, cols


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n
