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

from jixiao.ingest.base import MAX_TABLE_POSITIONS, Document, IngestError, LimitError, TextBuilder
from jixiao.ingest.safezip import diagnose, open_checked
from jixiao.ingest.xlsx_limits import MAX_CELLS, check_workbook

__all__ = ["MAX_CELLS", "read_bytes", "load", "cell_text", "format_number", "number_format"]

_DECIMALS = re.compile(r"0\.(0+)")


def load(data: bytes, name: str, **kwargs):
    """openpyxl's workbook for ``data`` once the package and its sheets passed every limit.

    openpyxl's own complaints (a missing part, a broken XML part, an odd value) become one-line
    reasons through :func:`jixiao.ingest.safezip.diagnose`.
    """
    zf = open_checked(data, name, "Excel")
    try:
        check_workbook(zf, name)
    finally:
        zf.close()
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(io.BytesIO(data), **kwargs)
    except InvalidFileException as exc:
        raise IngestError(name, f"不是有效的 Excel 文件 (not a valid .xlsx: {exc})") from None
    except Exception as exc:  # openpyxl raises KeyError, TypeError, ValueError … on a damaged package
        raise diagnose(data, name, "Excel", exc) from None


def read_bytes(data: bytes, name: str, **_opts) -> Document:
    """Read an .xlsx; only :class:`IngestError` escapes."""
    wb = load(data, name, read_only=False, data_only=True)
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
            raise IngestError(name, f"工作表 {ws.title} 单元格过多，超过 {MAX_CELLS:,} 个 (sheet too large)")
    if not values:
        return
    rows_used, cols_used = len({r for r, _ in values}), len({c for _, c in values})
    if rows_used * cols_used > MAX_TABLE_POSITIONS:  # scattered cells would make a grid far larger than the sheet
        raise LimitError(f"工作表 {ws.title} 的表格过大（{rows_used:,} 行 × {cols_used:,} 列，上限 "
                         f"{MAX_TABLE_POSITIONS:,} 格）(table over the limit of {MAX_TABLE_POSITIONS:,} cells)")
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
    inside = {(r, c) for (r0, c0), (rs, cs) in spans.items() for r in range(r0, r0 + rs) for c in range(c0, c0 + cs)}
    for r_i, row in enumerate(grid):
        for c_i, v in enumerate(row):
            if v is None and (r_i, c_i) not in inside:
                row[c_i] = ""
    b.table(grid, name=title, merges=spans)


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
        return format_number(v, number_format(cell))
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" ")
    if isinstance(v, _dt.date | _dt.time):
        return v.isoformat()
    return str(v).strip()


def number_format(cell) -> str:
    """A cell's number format, "General" when its style points past the workbook's tables."""
    try:
        return str(cell.number_format or "General")
    except (IndexError, KeyError, TypeError, AttributeError):
        return "General"


def format_number(v: int | float | Decimal, number_format: str) -> str:
    """Render a numeric cell by its number format's decimals (and %), never via float formatting."""
    try:
        return _format_number(v, number_format)
    except ArithmeticError:  # a figure no format can quantize (1e308 as "0.00"): shown as stored
        return str(v)


def _format_number(v: int | float | Decimal, number_format: str) -> str:
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
