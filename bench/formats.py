"""Fixture writers: one report text → a .txt, .docx, .pdf, .html or .xlsx file.

Used by the ingest tests and by the benches, so every reader can be exercised
on files we make ourselves. The text convention is the one ``Document.text``
uses: one paragraph per line, and runs of consecutive lines containing a tab are
a table (one row per line). In the first two columns an empty cell below a
non-empty one continues it (a vertical merge), as printed 自评表 show 一级/二级指标.

    write(text, Path("x.docx"))   # suffix picks the format
"""

from __future__ import annotations

import html as _html
from decimal import Decimal, InvalidOperation
from pathlib import Path

__all__ = ["write", "blocks", "vertical_merges", "SUFFIXES"]

SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".xlsx")
_MERGE_COLS = 2


def write(text: str, path: Path, **opts) -> Path:
    """Write ``text`` to ``path`` in the format its suffix names; returns ``path``.

    Options: ``encoding`` for .txt/.html (default UTF-8; e.g. "gbk", "utf-8-sig", "utf-16").
    """
    path = Path(path)
    suffix = path.suffix.lower()
    writer = {".txt": _write_txt, ".docx": _write_docx, ".pdf": _write_pdf, ".html": _write_html,
              ".htm": _write_html, ".xlsx": _write_xlsx}.get(suffix)
    if writer is None:
        raise ValueError(f"no fixture writer for {suffix!r}; use one of {SUFFIXES}")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer(text, path, **opts)
    return path


def blocks(text: str) -> list[tuple[str, object]]:
    """Split text into ("para", line) and ("table", rows) blocks; blank lines dropped."""
    out: list[tuple[str, object]] = []
    rows: list[list[str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if "\t" in line:
            rows.append([c.strip() for c in line.split("\t")])
            continue
        if rows:
            out.append(("table", _pad(rows)))
            rows = []
        if line.strip():
            out.append(("para", line.strip()))
    if rows:
        out.append(("table", _pad(rows)))
    return out


def _pad(rows: list[list[str]]) -> list[list[str]]:
    n = max(len(r) for r in rows)
    return [r + [""] * (n - len(r)) for r in rows]


def vertical_merges(rows: list[list[str]]) -> dict[tuple[int, int], int]:
    """(row, col) of each merge origin in the first two columns → rowspan.

    A merge in column 1 stops where column 0 starts a new group.
    """
    merges: dict[tuple[int, int], int] = {}
    for c in range(min(_MERGE_COLS, len(rows[0]) if rows else 0)):
        r = 1  # the header row starts no merge
        while r < len(rows):
            if rows[r][c]:
                end = r + 1
                while (end < len(rows) and not rows[end][c] and any(rows[end])
                       and all(rows[end][k] == "" for k in range(c))):
                    end += 1
                if end - r > 1:
                    merges[(r, c)] = end - r
                r = end
            else:
                r += 1
    return merges


# ---------------------------------------------------------------- txt


def _write_txt(text: str, path: Path, encoding: str = "utf-8", newline: str = "\n") -> None:
    data = text.replace("\n", newline)
    path.write_bytes(data.encode(encoding))


# ---------------------------------------------------------------- docx


def _write_docx(text: str, path: Path) -> None:
    import docx

    d = docx.Document()
    for kind, value in blocks(text):
        if kind == "para":
            d.add_paragraph(value)
            continue
        rows = value
        table = d.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        row_cells = [tr.cells for tr in table.rows]
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v:
                    row_cells[r][c].text = v
        for (r, c), span in vertical_merges(rows).items():
            row_cells[r][c].merge(row_cells[r + span - 1][c])
    d.save(str(path))


# ---------------------------------------------------------------- pdf

_FONT = "STSong-Light"
_SIZE = 10.5
_LEAD = 15


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    try:
        pdfmetrics.getFont(_FONT)
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    return _FONT


def _wrap(s: str, width: float, size: float = _SIZE) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, cur, w = [], "", 0.0
    for ch in s:
        cw = stringWidth(ch, _FONT, size)
        if cur and w + cw > width:
            lines.append(cur)
            cur, w = "", 0.0
        cur += ch
        w += cw
    if cur or not lines:
        lines.append(cur)
    return lines


def _write_pdf(text: str, path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    font = _font()
    page_w, page_h = A4
    margin = 56
    usable = page_w - 2 * margin
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont(font, _SIZE)
    y = page_h - margin

    def need(h: float) -> None:
        nonlocal y
        if y - h < margin:
            c.showPage()
            c.setFont(font, _SIZE)
            y = page_h - margin

    for kind, value in blocks(text):
        if kind == "para":
            for ln in _wrap(value, usable):
                need(_LEAD)
                c.drawString(margin, y - _SIZE, ln)
                y -= _LEAD
            y -= 4
            continue
        rows = value
        ncols = len(rows[0])
        natural = [max(stringWidth(r[k], font, _SIZE) for r in rows) + 8 for k in range(ncols)]
        natural = [max(w, 28) for w in natural]
        total = sum(natural)
        widths = natural if total <= usable else [usable * w / total for w in natural]
        xs = [margin]
        for w in widths:
            xs.append(xs[-1] + w)
        merges = vertical_merges(rows)
        covered = {(r + k, col) for (r, col), span in merges.items() for k in range(1, span)}
        y -= 4
        for r, row in enumerate(rows):
            wrapped = [_wrap(v, widths[k] - 6) if v else [""] for k, v in enumerate(row)]
            h = max(len(w) for w in wrapped) * _LEAD + 6
            if y - h < margin:
                if r:
                    c.line(xs[0], y, xs[-1], y)  # close the last row on this page
                need(h + page_h)  # force a page break
                # a new page draws a fresh top line
                covered.difference_update({(r, col) for col in range(ncols)})
            top, bottom = y, y - h
            for k in range(ncols):
                if (r, k) not in covered:
                    c.line(xs[k], top, xs[k + 1], top)
                for i, ln in enumerate(wrapped[k]):
                    c.drawString(xs[k] + 3, top - 3 - _SIZE - i * _LEAD, ln)
            for x in xs:
                c.line(x, top, x, bottom)
            y = bottom
        c.line(xs[0], y, xs[-1], y)
        y -= 10
    c.showPage()
    c.save()


# ---------------------------------------------------------------- html

_HTML_HEAD = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="{charset}"><title>{title}</title>
<style>body{{font-family:SimSun}} .nav li{{display:inline}}</style>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
</head><body>
<div id="header" class="header"><img alt="政府门户网站"> 首页 | 政务公开 | 办事服务 | 互动交流</div>
<ul class="nav main-menu"><li><a href="/">网站首页</a></li><li><a href="/zwgk">信息公开</a></li>
<li><a href="/bszn">办事指南</a></li></ul>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 财政预决算</div>
<div class="article"><h1>{title}</h1><div class="info">发布时间：2024-05-20 来源：本站</div>
<div class="TRS_Editor">
"""
_HTML_TAIL = """</div></div>
<div class="sidebar"><h3>相关链接</h3><ul><li>政策解读</li><li>通知公告</li></ul></div>
<div id="footer">主办单位：某某区人民政府办公室 版权所有 ICP备案号 网站标识码</div>
<script>console.log("访问统计")</script>
</body></html>
"""


def _write_html(text: str, path: Path, encoding: str = "utf-8") -> None:
    bl = blocks(text)
    title = next((v for k, v in bl if k == "para"), "报告")
    charset = {"gbk": "gbk", "gb18030": "gb18030", "gb2312": "gb2312"}.get(encoding.lower(), "utf-8")
    out = [_HTML_HEAD.format(charset=charset, title=_html.escape(title))]
    if bl and bl[0][0] == "para":
        bl = bl[1:]  # the first line is the page's <h1>
    for kind, value in bl:
        if kind == "para":
            tag = "h2" if value[:2] in ("一、", "二、", "三、", "四、", "五、", "六、") else "p"
            out.append(f"<{tag}>{_html.escape(value)}</{tag}>\n")
            continue
        rows = value
        merges = vertical_merges(rows)
        covered = {(r + k, col) for (r, col), span in merges.items() for k in range(1, span)}
        out.append('<table border="1" cellspacing="0">\n')
        for r, row in enumerate(rows):
            tag = "th" if r == 0 else "td"
            cells = []
            for k, v in enumerate(row):
                if (r, k) in covered:
                    continue
                span = merges.get((r, k))
                attr = f' rowspan="{span}"' if span else ""
                cells.append(f"<{tag}{attr}>{_html.escape(v)}</{tag}>")
            out.append("<tr>" + "".join(cells) + "</tr>\n")
        out.append("</table>\n")
    out.append(_HTML_TAIL)
    path.write_bytes("".join(out).encode(encoding))


# ---------------------------------------------------------------- xlsx


def _write_xlsx(text: str, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    r = 1
    for kind, value in blocks(text):
        if kind == "para":
            ws.cell(row=r, column=1, value=value)
            r += 1
            continue
        rows = value
        for i, row in enumerate(rows):
            for k, v in enumerate(row):
                if v:
                    cell = ws.cell(row=r + i, column=k + 1, value=_xlsx_value(v))
                    if not isinstance(cell.value, str) and "." in v:
                        cell.number_format = "0." + "0" * len(v.split(".")[1])
        for (i, k), span in vertical_merges(rows).items():
            ws.merge_cells(start_row=r + i, start_column=k + 1, end_row=r + i + span - 1, end_column=k + 1)
        r += len(rows)
    wb.save(str(path))


def _xlsx_value(v: str) -> object:
    """Plain numbers become numeric cells (as a spreadsheet would hold them), the rest stay text."""
    s = v.replace(",", "")
    if s and (s.isdigit() or (s.count(".") == 1 and s.replace(".", "").isdigit())):
        try:
            d = Decimal(s)
        except InvalidOperation:
            return v
        return int(d) if "." not in s else d
    return v
