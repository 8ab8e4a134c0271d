"""An expansion budget for Office uploads, checked before any reader parses them.

A docx or xlsx is a zip of XML: 1.5 MB on the wire can be 190 MB of XML, or millions of cells,
that python-docx or openpyxl would build in memory. The readers' own guards (``jixiao.ingest.safezip``)
allow what a large batch job may need; a shared server allows less. We count what the central
directory declares for the XML parts (the zip reader never inflates past a member's declared size)
and, for workbooks, the cells in the sheets by streaming them, and refuse with one line before work.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

ZIP_SUFFIXES = (".docx", ".docm", ".xlsx", ".xlsm")
_XML = (".xml", ".rels", ".vml")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?c[\s/>]")  # a cell tag, at most 34 bytes long
_OVERLAP = 40
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class OfficeBudget:
    """Uncompressed XML (MiB) and worksheet cells one upload may hold."""

    xml_mb: float = 40.0
    cells: int = 500_000


def _open(name: str, data: bytes) -> zipfile.ZipFile | None:
    if PurePath(name).suffix.lower() not in ZIP_SUFFIXES or not data.startswith(b"PK"):
        return None
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        return None  # the reader says what is wrong with it


def _declared(zf: zipfile.ZipFile, budget: OfficeBudget) -> str | None:
    xml = sum(i.file_size for i in zf.infolist() if i.filename.lower().endswith(_XML))
    if xml > budget.xml_mb * 1024 * 1024:
        return (f"文件展开后 XML 共 {xml / 1048576:.0f} MB，超过上限 {budget.xml_mb:g} MB，疑似压缩炸弹，未处理 "
                f"(expanded XML over budget)")
    return None


def check_declared(name: str, data: bytes, budget: OfficeBudget = OfficeBudget()) -> str | None:
    """The XML budget from the zip directory alone (nothing inflated): cheap enough for the request itself."""
    zf = _open(name, data)
    return _declared(zf, budget) if zf is not None else None


def check_expansion(name: str, data: bytes, budget: OfficeBudget = OfficeBudget()) -> str | None:
    """A one-line reason when ``data`` (an Office zip) is over ``budget``, its cells counted too (this
    inflates the sheets, within the XML budget: run it in a worker); None otherwise (or not a zip)."""
    zf = _open(name, data)
    if zf is None:
        return None
    reason = _declared(zf, budget)
    if reason is not None:
        return reason
    infos = zf.infolist()
    sheets = [i for i in infos if i.filename.lower().startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    cells = 0
    for info in sheets:
        try:
            cells += _count_cells(zf, info, budget.cells - cells)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError):
            return None
        if cells > budget.cells:
            return (f"单元格过多：超过 {budget.cells:,} 个，未处理 (too many cells)")
    return None


def _count_cells(zf: zipfile.ZipFile, info: zipfile.ZipInfo, room: int) -> int:
    """Cells in one sheet, counted while streaming it; stops as soon as ``room`` is exceeded."""
    count = 0
    tail = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return count + len(_CELL.findall(tail))
            buf = tail + chunk
            # tags starting in the last few bytes may be cut: they are counted with the next chunk
            cut = max(0, len(buf) - _OVERLAP)
            count += sum(1 for m in _CELL.finditer(buf) if m.start() < cut)
            tail = buf[cut:]
            if count > room:
                return count
