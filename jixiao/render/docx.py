"""The form as a Word table (python-docx), optionally followed by the 自评报告 draft."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

from jixiao.render.context import fmt_value
from jixiao.render.grid import Grid
from jixiao.render.xlsx import UNBORDERED

_ALIGN = {
    "title": WD_ALIGN_PARAGRAPH.CENTER,
    "subtitle": WD_ALIGN_PARAGRAPH.CENTER,
    "note": WD_ALIGN_PARAGRAPH.RIGHT,
    "note_left": WD_ALIGN_PARAGRAPH.LEFT,
    "text": WD_ALIGN_PARAGRAPH.LEFT,
}
PAGE_W_CM, PAGE_H_CM = 21.0, 29.7
MIN_ROW_PT = 20.0  # rows never shrink below this (the paper forms' row pitch)


def _set_font(style: Any, name: str, size: float) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


@lru_cache(maxsize=1)
def _default_template() -> bytes:
    """python-docx's default template, read from disk once."""
    import docx

    return (Path(docx.__file__).parent / "templates" / "default.docx").read_bytes()


def new_doc(layout: dict[str, Any]) -> Any:
    """An A4 document with the layout's font and margins."""
    doc = new_document(io.BytesIO(_default_template()))
    font = layout.get("font") or {}
    _set_font(doc.styles["Normal"], font.get("name", "宋体"), float(font.get("size", 10.5)))
    sec = doc.sections[0]
    page = layout.get("page") or {}
    landscape = page.get("orientation") == "landscape"
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    w, h = (PAGE_H_CM, PAGE_W_CM) if landscape else (PAGE_W_CM, PAGE_H_CM)
    sec.page_width, sec.page_height = Cm(w), Cm(h)
    top, right, bottom, left = (float(x) for x in page.get("margins_cm", [1.5, 1.5, 1.5, 1.5]))
    sec.top_margin, sec.right_margin, sec.bottom_margin, sec.left_margin = Cm(top), Cm(right), Cm(bottom), Cm(left)
    return doc


def _paragraph(doc: Any, text: str, style: str, size: float) -> None:
    p = doc.add_paragraph()
    p.alignment = _ALIGN.get(style, WD_ALIGN_PARAGRAPH.LEFT)
    p.paragraph_format.space_after = Pt(4)
    run = p.add_run()
    run._r.add_t(text)
    if style == "title":
        run.bold = True
        run.font.size = Pt(size + 8)
    elif style == "subtitle":
        run.font.size = Pt(size + 1)


def draw_form(doc: Any, grid: Grid) -> None:
    """Title rows as paragraphs, the bordered rows as one table with merged cells."""
    size = float((grid.layout.get("font") or {}).get("size", 10))
    rows: dict[int, list[Any]] = {}
    for gc in grid.cells:
        rows.setdefault(gc.row, []).append(gc)
    plain = {r for r, cells in rows.items() if all(c.style in UNBORDERED for c in cells)}
    table_rows = [r for r in range(grid.nrows) if r not in plain]
    first, last = (table_rows[0], table_rows[-1]) if table_rows else (0, -1)
    for r in sorted(x for x in plain if x < first):
        for gc in rows[r]:
            _paragraph(doc, fmt_value(gc.value, gc.fmt), gc.style, size)
    if table_rows:
        sec = doc.sections[-1]
        usable = (sec.page_width - sec.left_margin - sec.right_margin) / 635  # EMU → twips
        table = parse_xml(table_xml(grid, first, last, usable))
        doc.element.body.insert(len(doc.element.body) - 1, table)  # before the final sectPr
    for r in sorted(x for x in plain if x > last):
        for gc in rows[r]:
            _paragraph(doc, fmt_value(gc.value, gc.fmt), gc.style, size)


_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def _runs(text: str, bold: bool) -> str:
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    parts = [f'<w:r>{rpr}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>' for line in text.split("\n")]
    return f"<w:r>{rpr}<w:br/></w:r>".join(parts)


def table_xml(grid: Grid, first: int, last: int, usable_twips: float) -> str:
    """The bordered rows as WordprocessingML: gridSpan for column merges, vMerge for row merges.

    Built as one string (python-docx's cell-by-cell merge API is quadratic in the table size).
    """
    total = sum(grid.widths)
    widths = [int(usable_twips * w / total) for w in grid.widths]
    origin: dict[tuple[int, int], Any] = {}
    covered: dict[tuple[int, int], Any] = {}
    for gc in grid.cells:
        if first <= gc.row <= last:
            origin[(gc.row, gc.col)] = gc
            for dr in range(gc.rowspan):
                for dc in range(gc.colspan):
                    covered[(gc.row + dr, gc.col + dc)] = gc
    out = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
           f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
           '<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="57" w:type="dxa"/>'
           '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
           "</w:tblPr><w:tblGrid>"]
    out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
    out.append("</w:tblGrid>")
    for r in range(first, last + 1):
        out.append("<w:tr><w:trPr><w:cantSplit/>")
        height = max(grid.heights.get(r, 0.0), MIN_ROW_PT)
        out.append(f'<w:trHeight w:val="{int(height * 20)}" w:hRule="atLeast"/>')
        out.append("</w:trPr>")
        c = 0
        while c < grid.ncols:
            gc = covered.get((r, c))
            if gc is None:
                out.append(f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/></w:tcPr><w:p/></w:tc>')
                c += 1
                continue
            span = gc.colspan
            width = sum(widths[gc.col:gc.col + span])
            pr = [f'<w:tcW w:w="{width}" w:type="dxa"/>']
            if span > 1:
                pr.append(f'<w:gridSpan w:val="{span}"/>')
            start = origin.get((r, c)) is gc
            if gc.rowspan > 1:
                pr.append('<w:vMerge w:val="restart"/>' if start else "<w:vMerge/>")
            pr.append(f'<w:vAlign w:val="{"top" if gc.style == "text" else "center"}"/>')
            body = "<w:p/>"
            if start:
                jc = {"text": "left"}.get(gc.style, "center")
                text = fmt_value(gc.value, gc.fmt)
                runs = _runs(text, gc.style in ("label", "head")) if text else ""
                body = f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/><w:jc w:val="{jc}"/></w:pPr>{runs}</w:p>'
            out.append(f"<w:tc><w:tcPr>{''.join(pr)}</w:tcPr>{body}</w:tc>")
            c = gc.col + span
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def page_break(doc: Any) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def to_bytes(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
