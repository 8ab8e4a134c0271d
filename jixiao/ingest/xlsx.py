"""Generic Excel ``.xlsx``: every visible sheet as a table, merged cells resolved.

openpyxl is opened with ``read_only=False`` (merged ranges are only visible
then) and ``data_only=True`` (cached formula results, not formulas). Numbers are
printed as the sheet shows them: the cell's number format gives the decimals
(``99.90`` stays ``99.90``), and a float goes through ``repr`` → ``Decimal`` so no
binary noise (``0.30000000000000004``) reaches the text. Wholly empty rows and
columns are dropped; rows holding a single value (titles, notes, 单位名称 lines)
become paragraphs, so one sheet may give several tables, all named after it.
jixiao's own 填报模板 workbook has its own reader; this one is for any workbook.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from decimal import Decimal, InvalidOperation

from jixiao.ingest.base import Document, IngestError, TextBuilder
from jixiao.ingest.safezip import open_checked

#: Cells per sheet beyond which a sheet is refused (a real 自评表 has a few thousand).
MAX_CELLS = 2_000_000
_DECIMALS = re.compile(r"0\.(0+)")


def read_bytes(data: bytes, name: str, **_opts) -> Document:
    """Read an .xlsx; only :class:`IngestError` escapes."""
    open_checked(data, name, "Excel").close()
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, InvalidFileException … on a wrong package
        raise IngestError(name, f"不是有效的 Excel 文件 (not a valid .xlsx: {type(exc).__name__})") from None
    b = TextBuilder()
    try:
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            _sheet(ws, b, name)
    finally:
        wb.close()
    return b.build(name, "xlsx", meta={"sheets": [ws.title for ws in wb.worksheets]})


def _sheet(ws, b: TextBuilder, name: str) -> None:
    # openpyxl keeps the cells that exist in ws._cells; walking it avoids touching
    # every position of a sheet whose dimension claims a million rows.
    values: dict[tuple[int, int], str] = {}
    for (r, c), cell in ws._cells.items():
        v = cell_text(cell)
        if v:
            values[(r, c)] = v
        if len(values) > MAX_CELLS:
            raise IngestError(name, f"工作表 {ws.title} 单元格过多 (sheet too large)")
    if not values:
        return
    rmax = max(r for r, _ in values)
    cmax = max(c for _, c in values)
    merges: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in ws.merged_cells.ranges:
        r0, c0 = rng.min_row, rng.min_col
        if (r0, c0) not in values:
            continue
        r1, c1 = min(rng.max_row, rmax), min(rng.max_col, cmax)
        if r1 > r0 or c1 > c0:
            merges[(r0, c0)] = (r1, c1)
    merged_rows = {r for (r0, _), (r1, _) in merges.items() for r in range(r0, r1 + 1)}
    used_rows = sorted({r for r, _ in values} | merged_rows)
    used_cols = sorted({c for _, c in values})
    col_index = {c: i for i, c in enumerate(used_cols)}
    covered: dict[int, set[int]] = {}
    for (r0, c0), (r1, c1) in merges.items():
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0) and c in col_index:
                    covered.setdefault(r, set()).add(c)

    b.para(ws.title)
    block: list[int] = []
    for r in used_rows:
        row_vals = [c for c in used_cols if (r, c) in values]
        if len(row_vals) == 1 and not (covered.get(r, set()) - _own_span(merges, r, row_vals[0])):
            _flush(block, values, merges, covered, col_index, used_cols, b, ws.title)
            block = []
            b.para(values[(r, row_vals[0])])
        else:
            block.append(r)
    _flush(block, values, merges, covered, col_index, used_cols, b, ws.title)


def _own_span(merges: dict, r: int, c: int) -> set[int]:
    """Columns covered by the row's own horizontal merge starting at (r, c)."""
    end = merges.get((r, c))
    return set(range(c + 1, end[1] + 1)) if end and end[0] == r else set()


def _flush(rows: list[int], values, merges, covered, col_index, used_cols, b: TextBuilder,
           title: str) -> None:
    if not rows:
        return
    row_index = {r: i for i, r in enumerate(rows)}
    grid: list[list[str | None]] = []
    for r in rows:
        cov = covered.get(r, set())
        grid.append([None if c in cov else values.get((r, c), "") for c in used_cols])
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for (r0, c0), (r1, c1) in merges.items():
        if r0 not in row_index or c0 not in col_index:
            continue
        rs = sum(1 for r in range(r0, r1 + 1) if r in row_index)
        cs = sum(1 for c in range(c0, c1 + 1) if c in col_index)
        spans[(row_index[r0], col_index[c0])] = (rs, cs)
    # a merge reaching into a row outside this block leaves that row's positions uncovered
    for r_i, row in enumerate(grid):
        for c_i, v in enumerate(row):
            if v is None and not _is_covered(spans, r_i, c_i):
                row[c_i] = ""
    b.table(grid, name=title, merges=spans)


def _is_covered(spans: dict, r: int, c: int) -> bool:
    return any(r0 <= r < r0 + rs and c0 <= c < c0 + cs for (r0, c0), (rs, cs) in spans.items())


def cell_text(cell) -> str:
    """A cell's value as the sheet displays it (numbers without float noise)."""
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int | float | Decimal):
        return format_number(v, cell.number_format or "General")
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" ")
    if isinstance(v, _dt.date | _dt.time):
        return v.isoformat()
    return str(v).strip()


def format_number(v: int | float | Decimal, number_format: str) -> str:
    """Render a numeric cell by its number format's decimals (and %), never via float formatting."""
    try:
        # 15 significant digits is what Excel shows: it drops float noise such as 0.30000000000000004
        if isinstance(v, float):
            d = Decimal(format(v, ".15g"))
        else:
            d = v if isinstance(v, Decimal) else Decimal(v)
    except InvalidOperation:  # inf / nan
        return str(v)
    if not d.is_finite():
        return str(v)
    fmt = number_format.split(";")[0]
    percent = "%" in fmt
    if percent:
        d = d * 100
    m = _DECIMALS.search(fmt)
    if m:
        d = d.quantize(Decimal(1).scaleb(-len(m.group(1))))
    elif fmt.strip("#,") in ("0", "0%") or (fmt and fmt != "General" and "0" in fmt and "." not in fmt):
        d = d.quantize(Decimal(1))
    else:
        d = d.normalize()
    s = format(d, "f")
    if "," in fmt:
        s = format(d, ",f")
    return s + ("%" if percent else "")
