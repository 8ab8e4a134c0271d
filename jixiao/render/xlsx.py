"""Draw a :class:`~jixiao.render.grid.Grid` into an xlsx worksheet (openpyxl).

Numbers are written as numbers (``Decimal`` cells, which openpyxl stores exactly)
with a number format; rates are percent numbers shown with ``0.00"%"``.
"""

from __future__ import annotations

import io
import math
from copy import copy
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.render.grid import Grid

NUMBER_FORMATS = {"amount": "0.00", "percent": '0.00"%"', "score": "0.00", "num": "General"}
UNBORDERED = {"title", "subtitle", "note", "note_left"}
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_ALIGN = {
    "title": Alignment(horizontal="center", vertical="center"),
    "subtitle": Alignment(horizontal="center", vertical="center"),
    "note": Alignment(horizontal="right", vertical="center"),
    "note_left": Alignment(horizontal="left", vertical="center"),
    "label": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "head": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "cell": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "text": Alignment(horizontal="left", vertical="top", wrap_text=True),
    "num": Alignment(horizontal="center", vertical="center"),
}
LINE_PT = 14.0
CM_PER_INCH = 2.54


def _fonts(layout: dict[str, Any]) -> dict[str, Font]:
    spec = layout.get("font") or {}
    name, size = spec.get("name", "宋体"), float(spec.get("size", 10))
    return {
        "title": Font(name=name, size=size + 8, bold=True),
        "subtitle": Font(name=name, size=size + 1),
        "label": Font(name=name, size=size, bold=True),
        "head": Font(name=name, size=size, bold=True),
        "_": Font(name=name, size=size),
    }


def text_units(text: str) -> float:
    """Width of a string in Excel character units (a CJK character counts about two)."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    if not text:
        return 1
    usable = max(width - 1.0, 1.0)
    return sum(max(1, math.ceil(text_units(part) / usable)) for part in text.split("\n"))


def _merge(ws: Worksheet, row: int, col: int, rowspan: int, colspan: int, style: Any) -> None:
    """``ws.merge_cells`` without its per-cell edge formatting (the slowest part of a render):
    the covered cells get the border style directly."""
    end = f"{get_column_letter(col + colspan - 1)}{row + rowspan - 1}"
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(col)}{row}:{end}"))
    for r in range(row, row + rowspan):
        for c in range(col, col + colspan):
            if (r, c) != (row, col):
                mc = MergedCell(ws, row=r, column=c)
                if style is not None:
                    mc._style = copy(style)
                ws._cells[(r, c)] = mc


def draw(ws: Worksheet, grid: Grid) -> None:
    """Write the grid's cells, merges, borders, widths, heights and page setup into ``ws``."""
    layout = grid.layout
    fonts = _fonts(layout)
    for i, w in enumerate(grid.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    need: dict[int, float] = {}
    styles: dict[tuple[str, str | None], Any] = {}
    border_style = None
    for gc in grid.cells:
        r, c = gc.row + 1, gc.col + 1
        cell = ws.cell(row=r, column=c)
        value = gc.value
        number = isinstance(value, Decimal)
        if number:
            cell.value = value
        elif value not in (None, ""):
            cell.value = str(value)
        # Styles are set once per (style, format) and then copied: openpyxl re-hashes style objects
        # on every assignment, which dominated the render time.
        key = (gc.style, gc.fmt if number else None)
        style = styles.get(key)
        if style is None:
            cell.font = fonts.get(gc.style, fonts["_"])
            cell.alignment = _ALIGN.get(gc.style, _ALIGN["cell"])
            if number:
                cell.number_format = NUMBER_FORMATS.get(gc.fmt or "num", "General")
            if gc.style not in UNBORDERED:
                cell.border = BORDER
            styles[key] = style = copy(cell._style)
        else:
            cell._style = copy(style)
        bordered = gc.style not in UNBORDERED
        if gc.rowspan > 1 or gc.colspan > 1:
            if bordered and border_style is None:
                border_style = copy(cell._style)
                border_style.fontId = border_style.alignmentId = border_style.numFmtId = 0
            _merge(ws, r, c, gc.rowspan, gc.colspan, border_style if bordered else None)
        if isinstance(value, str) and value and gc.style not in ("title",):
            width = sum(grid.widths[gc.col:gc.col + gc.colspan])
            per_row = lines_needed(value, width) * LINE_PT / gc.rowspan
            for dr in range(gc.rowspan):
                need[gc.row + dr] = max(need.get(gc.row + dr, 0.0), per_row)
    for row in range(grid.nrows):
        height = max(grid.heights.get(row, 0.0), need.get(row, 0.0), 18.0)
        ws.row_dimensions[row + 1].height = min(height, 409.0)
    last = get_column_letter(grid.ncols)
    ws.print_area = f"A1:{last}{grid.nrows}"
    page = layout.get("page") or {}
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = page.get("orientation", "portrait")
    if page.get("fit_width", True):
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    top, right, bottom, left = (float(x) / CM_PER_INCH for x in page.get("margins_cm", [1.5, 1.5, 1.5, 1.5]))
    ws.page_margins.top, ws.page_margins.right, ws.page_margins.bottom, ws.page_margins.left = top, right, bottom, left
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = None
    ws.sheet_view.showGridLines = False


def grid_to_xlsx(grid: Grid, sheet_title: str = "自评表") -> bytes:
    """One-sheet workbook holding the form."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    draw(ws, grid)
    wb.properties.title = grid.layout.get("title")
    wb.properties.creator = "jixiao"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
