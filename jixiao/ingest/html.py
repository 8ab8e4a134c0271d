"""HTML pages as government sites publish them: navigation stripped, tables kept.

Bytes are decoded by the page's ``<meta charset>`` when it decodes cleanly,
otherwise by the text decoder (GBK pages are common). lxml's HTML parser runs
with ``no_network=True`` and ``huge_tree=False``; it has no entity expansion to
switch off (libxml2's HTML mode ignores DTDs). Scripts, styles, ``nav``/``header``
/``footer``/``aside`` and elements whose class or id names navigation are dropped
unless they hold a table or a long text (a mislabelled content wrapper). Block
elements become paragraphs; a ``<table>`` becomes a table with rowspan/colspan
resolved, except layout tables (those that nest other tables), which are walked
as containers.
"""

from __future__ import annotations

import re

from jixiao.ingest.base import Document, IngestError, TextBuilder
from jixiao.ingest.text import decode

_DROP_TAGS = {"script", "style", "noscript", "template", "iframe", "object", "embed", "select", "button",
              "input", "textarea", "svg", "canvas", "map", "head", "title", "meta", "link"}
_NAV_TAGS = {"nav", "header", "footer", "aside", "menu"}
_NAV_WORDS = {"nav", "navbar", "navigation", "menu", "menus", "breadcrumb", "breadcrumbs", "crumb", "crumbs",
              "footer", "foot", "header", "head", "sidebar", "side", "topbar", "toolbar", "share",
              "copyright", "dh", "daohang", "weizhi", "position", "location", "skip", "banner"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
               "dl", "dt", "dd", "blockquote", "pre", "address", "figure", "figcaption", "center", "form",
               "fieldset", "hr", "body", "html", "caption", "tr", "td", "th", "tbody", "thead", "tfoot"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# a DOCTYPE, with any internal subset: never expanded, and dropped so its text cannot leak into the page
_DOCTYPE = re.compile(r"^\s*<!DOCTYPE[^\[>]{0,500}(?:\[[^\]]{0,100000}\])?\s*>", re.I)
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u3000]+")
_BR = "\u2028"  # a <br> or block break while collecting text; source newlines are only whitespace
_SPLIT_WORDS = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")
#: Keep a navigation-looking element that holds this much text: it is content, mislabelled.
_CONTENT_CHARS = 800
MAX_TABLE_CELLS = 200_000


def read_bytes(data: bytes, name: str, **_opts) -> Document:
    """Read an HTML page; only :class:`IngestError` escapes."""
    import lxml.html
    from lxml import etree

    text, enc = _decode(data, name)
    text = _DOCTYPE.sub("", _XML_DECL.sub("", text, count=1), count=1)
    if not text.strip():
        raise IngestError(name, "没有可读的文字 (no text)")
    parser = lxml.html.HTMLParser(no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(name, f"无法解析 HTML (cannot parse HTML: {exc})") from None
    _strip(root)
    b = TextBuilder()
    body = root.find("body")
    _Walker(b, name).walk(body if body is not None else root)
    return b.build(name, "html", meta={"encoding": enc})


def _decode(data: bytes, name: str) -> tuple[str, str]:
    m = _META_CHARSET.search(data[:4096])
    if m and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        enc = m.group(1).decode("ascii").lower()
        if enc in ("gbk", "gb2312", "gb_2312-80", "cp936", "x-gbk"):
            enc = "gb18030"
        try:
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, name)


def _strip(root) -> None:
    """Remove scripts, styles and navigation chrome in place."""
    doomed = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _DROP_TAGS or ((tag in _NAV_TAGS or _navlike(el)) and not _looks_like_content(el)):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the element's tail text in place


def _navlike(el) -> bool:
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    if not names.strip():
        return False
    words = {w.lower() for w in _SPLIT_WORDS.split(names) if w}
    return bool(words & _NAV_WORDS)


def _looks_like_content(el) -> bool:
    if el.tag == "table" or el.find(".//table") is not None:
        return True
    return len(el.text_content()) > _CONTENT_CHARS


class _Walker:
    """Depth-first walk emitting paragraphs at block boundaries and tables in place."""

    def __init__(self, b: TextBuilder, name: str):
        self.b = b
        self.name = name
        self.buf: list[str] = []

    def flush(self) -> None:
        if self.buf:
            text = _squash("".join(self.buf))
            self.buf = []
            for line in text.split(_BR):
                self.b.para(line)

    def walk(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table" and el.find(".//table") is None:
            self.flush()
            grid, merges = table_grid(el, self.name)
            if grid:
                self.b.table(grid, merges=merges)
            self._tail(el)
            return
        block = tag in _BLOCK_TAGS or tag == "table"
        if block:
            self.flush()
        if tag == "br":
            self.buf.append(_BR)
        if el.text and tag:
            self.buf.append(el.text)
        for child in el:
            self.walk(child)
        if block:
            self.flush()
        self._tail(el)

    def _tail(self, el) -> None:
        if el.tail:
            self.buf.append(el.tail)


def _squash(s: str) -> str:
    """Collapse HTML whitespace; a source line break between Chinese characters is no space."""
    return _WS.sub(lambda m: "" if _cjk_edges(m, s) else " ", s).strip()


def _cjk_edges(m: re.Match, s: str) -> bool:
    if "\n" not in m.group(0) and "\r" not in m.group(0):
        return False
    before = s[m.start() - 1] if m.start() else ""
    after = s[m.end()] if m.end() < len(s) else ""
    return not (before.isascii() and after.isascii())


def cell_text(el) -> str:
    """Text of a table cell, with line breaks at blocks and <br>."""
    parts: list[str] = []

    def rec(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _DROP_TAGS:
            return
        if tag in _BLOCK_TAGS or tag == "br":
            parts.append(_BR)
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            rec(child)
            if child.tail:
                parts.append(child.tail)

    rec(el)
    return "\n".join(_squash(p) for p in "".join(parts).split(_BR))


def _span(el, attr: str, cap: int) -> int:
    try:
        v = int(str(el.get(attr, "1")).strip() or 1)
    except ValueError:
        return 1
    return max(1, min(v, cap))


def table_grid(table, name: str) -> tuple[list[list[str | None]], dict[tuple[int, int], tuple[int, int]]]:
    """An HTML table → grid (None where a span covers) and merges, rowspan/colspan resolved."""
    rows = [tr for tr in table.iter("tr") if _owner(tr) is table]
    grid: list[list[str | None]] = []
    merges: dict[tuple[int, int], tuple[int, int]] = {}
    pending: dict[tuple[int, int], bool] = {}  # positions covered by an earlier rowspan
    ncells = 0
    for r, tr in enumerate(rows):
        row: list[str | None] = []
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while pending.pop((r, c), False):
                _set(row, c, None)
                c += 1
            rs = _span(td, "rowspan", max(1, len(rows) - r))
            cs = _span(td, "colspan", 200)
            _set(row, c, cell_text(td))
            for k in range(1, cs):
                _set(row, c + k, None)
            for rr in range(r + 1, r + rs):
                for k in range(cs):
                    pending[(rr, c + k)] = True
            if rs > 1 or cs > 1:
                merges[(r, c)] = (rs, cs)
            c += cs
            ncells += rs * cs
            if ncells > MAX_TABLE_CELLS:
                raise IngestError(name, "表格过大 (table too large)")
        for cc in sorted(k[1] for k in pending if k[0] == r):  # spans reaching past the row's last cell
            pending.pop((r, cc))
            _set(row, cc, None)
        grid.append(row)
    if not any(v for row in grid for v in row):
        return [], {}
    return grid, merges


def _set(row: list, c: int, v) -> None:
    while len(row) <= c:
        row.append("")
    row[c] = v


def _owner(tr):
    el = tr.getparent()
    while el is not None and el.tag != "table":
        el = el.getparent()
    return el
