"""Word ``.docx``: paragraphs and tables in document order, merged cells resolved.

The zip is checked first (:mod:`jixiao.ingest.safezip`: size limits, no DTDs),
then python-docx opens the package and we walk the body XML ourselves: its
children give the true order of paragraphs and tables, and ``w:gridSpan`` /
``w:vMerge`` give the merges exactly (python-docx's cell objects hide where a
vertical merge starts). Headers and footers are left out: they repeat on every
page and carry no figures.
"""

from __future__ import annotations

import io

from jixiao.ingest.base import Document, IngestError, LimitError, TextBuilder
from jixiao.ingest.safezip import ZIP_ERRORS, diagnose, open_checked

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P = f"{{{_W}}}p"
_TBL = f"{{{_W}}}tbl"
_TR = f"{{{_W}}}tr"
_TC = f"{{{_W}}}tc"
_SDT = f"{{{_W}}}sdt"
_SDT_CONTENT = f"{{{_W}}}sdtContent"
_CUSTOM = f"{{{_W}}}customXml"
_T = f"{{{_W}}}t"
_TAB = f"{{{_W}}}tab"
_BR = f"{{{_W}}}br"
_CR = f"{{{_W}}}cr"
_NOBREAK_HYPHEN = f"{{{_W}}}noBreakHyphen"
_TABS = f"{{{_W}}}tabs"
_TCPR = f"{{{_W}}}tcPr"
_TRPR = f"{{{_W}}}trPr"
_GRID_SPAN = f"{{{_W}}}gridSpan"
_VMERGE = f"{{{_W}}}vMerge"
_GRID_BEFORE = f"{{{_W}}}gridBefore"
_VAL = f"{{{_W}}}val"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT_TAGS = {_T, _TAB, _BR, _CR, _NOBREAK_HYPHEN}
#: Grid positions of one Word table (Word itself stops at 63 columns; a 自评表 has a few hundred cells).
MAX_TABLE_CELLS = 200_000


def read_bytes(data: bytes, name: str, **_opts) -> Document:
    """Read a .docx; only :class:`IngestError` escapes."""
    open_checked(data, name, "Word").close()
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        root = docx.Document(io.BytesIO(data)).element
    except PackageNotFoundError as exc:
        raise IngestError(name, f"不是有效的 Word 文件 (not a valid .docx: {exc})") from None
    except ValueError as exc:
        if "content type" in str(exc):  # python-docx: the main part is not a Word body
            raise IngestError(name, f"不是有效的 Word 文件（主部件类型不符）(not a valid .docx: {exc})") from None
        raise diagnose(data, name, "Word", exc) from None
    except (*ZIP_ERRORS, SyntaxError, TypeError, AttributeError) as exc:  # lxml's XMLSyntaxError is a SyntaxError
        raise diagnose(data, name, "Word", exc) from None
    body = root.find(f"{{{_W}}}body") if root.tag == f"{{{_W}}}document" else None
    if body is None:
        raise IngestError(name, f"不是有效的 Word 文件：word/document.xml 没有正文 w:body（根元素 {_local(root.tag)}）"
                                f"(not a valid .docx: no w:body)")
    for fallback in list(body.iter(_MC_FALLBACK)):  # the same drawing again, for old readers
        fallback.getparent().remove(fallback)
    b = TextBuilder()
    _walk(body, b)
    return b.build(name, "docx")


def _local(tag) -> str:
    return str(tag).rsplit("}", 1)[-1][:40] if isinstance(tag, str) else "?"


def _walk(container, b: TextBuilder) -> None:
    for child in container:
        tag = child.tag
        if tag == _P:
            b.para(paragraph_text(child))
        elif tag == _TBL:
            grid, merges = table_grid(child)
            if grid:
                b.table(grid, merges=merges)
        elif tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _walk(content, b)
        elif tag == _CUSTOM:
            _walk(child, b)


def paragraph_text(p) -> str:
    """Visible text of a ``w:p``: runs, hyperlinks, insertions; tabs and breaks kept, deletions dropped."""
    parts = []
    for el in p.iter(_TEXT_TAGS):
        tag = el.tag
        if tag == _T:
            parts.append(el.text or "")
        elif tag == _TAB:
            if el.getparent().tag != _TABS:  # a tab stop definition, not a tab
                parts.append("\t")
        elif tag == _NOBREAK_HYPHEN:
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts)


def cell_text(tc) -> str:
    """All text in a cell, nested tables included, paragraphs separated by newlines."""
    return "\n".join(t for p in tc.iter(_P) if (t := paragraph_text(p).strip()))


def table_grid(tbl) -> tuple[list[list[str | None]], dict[tuple[int, int], tuple[int, int]]]:
    """A ``w:tbl`` as a grid (None where a merge covers a position) and its merges.

    Nested tables are not rows of this table: only direct ``w:tr`` children count
    (through any content controls wrapping them).
    """
    grid: list[list[str | None]] = []
    merges: dict[tuple[int, int], tuple[int, int]] = {}
    # column → (origin row, origin col) of the vertical merge running down that column
    open_vmerge: dict[int, tuple[int, int]] = {}
    positions = 0
    for r, tr in enumerate(_rows(tbl)):
        if positions > MAX_TABLE_CELLS:  # gridSpan bombs: a few KB of XML naming millions of positions
            raise LimitError(f"表格过大，超过 {MAX_TABLE_CELLS:,} 格 (table over the limit of {MAX_TABLE_CELLS:,} cells)")
        row: list[str | None] = []
        col = _int_val(tr.find(f"{_TRPR}/{_GRID_BEFORE}"), 0)
        row.extend([""] * col)
        for tc in _cells(tr):
            tcpr = tc.find(_TCPR)
            span = _int_val(tcpr.find(_GRID_SPAN) if tcpr is not None else None, 1)
            vm = tcpr.find(_VMERGE) if tcpr is not None else None
            vm_kind = None if vm is None else (vm.get(_VAL) or "continue")
            origin = open_vmerge.get(col)
            if vm_kind == "continue" and origin is not None:
                rs, cs = merges.get(origin, (1, span))
                merges[origin] = (r - origin[0] + 1, cs)
                row.extend([None] * span)
            else:
                row.append(cell_text(tc))
                row.extend([None] * (span - 1))
                if vm_kind == "restart":
                    for c in range(col, col + span):
                        open_vmerge[c] = (r, col)
                    merges[(r, col)] = (1, span)
                else:
                    for c in range(col, col + span):
                        open_vmerge.pop(c, None)
                    if span > 1:
                        merges[(r, col)] = (1, span)
            col += span
            if positions + col > MAX_TABLE_CELLS:
                break
        grid.append(row)
        positions += len(row)
    if positions > MAX_TABLE_CELLS:
        raise LimitError(f"表格过大，超过 {MAX_TABLE_CELLS:,} 格 (table over the limit of {MAX_TABLE_CELLS:,} cells)")
    return grid, merges


def _rows(tbl):
    for child in tbl:
        if child.tag == _TR:
            yield child
        elif child.tag in (_SDT, _CUSTOM):
            yield from (el for el in child.iter(_TR) if _owner_table(el) is tbl)


def _owner_table(tr):
    el = tr.getparent()
    while el is not None and el.tag != _TBL:
        el = el.getparent()
    return el


def _cells(tr):
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag in (_SDT, _CUSTOM):
            content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if content is not None:
                yield from (el for el in content if el.tag == _TC)


def _int_val(el, default: int) -> int:
    if el is None:
        return default
    try:
        return max(1 if default else 0, min(int(el.get(_VAL, default)), 1000))
    except ValueError:
        return default
