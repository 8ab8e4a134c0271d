"""File → :class:`~jixiao.ingest.base.Document`. One reader per format, chosen by suffix.

``read(path)`` is the only entry point; it enforces the size limit and turns
any failure into an :class:`IngestError` whose message is ``FILE: reason``.
"""

from __future__ import annotations

import importlib
import os
import warnings
from pathlib import Path

from jixiao.ingest.base import Cell, Document, IngestError, LimitError, Table, TextBuilder, one_line

__all__ = ["Cell", "Document", "IngestError", "LimitError", "Table", "TextBuilder", "read", "read_bytes", "READERS",
           "SUPPORTED_SUFFIXES", "MAX_FILE_BYTES"]

#: Files larger than this are refused before reading (override with JIXIAO_MAX_FILE_MB).
MAX_FILE_BYTES = int(float(os.environ.get("JIXIAO_MAX_FILE_MB", "50")) * 1024 * 1024)

#: suffix → module under jixiao.ingest exposing ``read_bytes(data: bytes, name: str, **opts) -> Document``
READERS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".docx": "docx",
    ".pdf": "pdf",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".doc": "legacy",
    ".wps": "legacy",
    ".et": "legacy",
    ".xls": "legacy",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
}
SUPPORTED_SUFFIXES = tuple(READERS)


def read(path: str | Path, **opts) -> Document:
    """Read a file into a Document, or raise IngestError with a one-line reason."""
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise IngestError(name, "文件不存在 (file not found)") from None
    except OSError as exc:
        raise IngestError(name, f"无法读取 ({exc.strerror or exc})") from None
    if p.is_dir():
        raise IngestError(name, "是目录而不是文件 (is a directory)")
    if size > MAX_FILE_BYTES:
        raise IngestError(name, f"文件过大 {size / 1048576:.0f} MB，上限 {MAX_FILE_BYTES // 1048576} MB (file too large)")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(name, f"无法读取 ({exc.strerror or exc})") from None
    return read_bytes(data, name, **opts)


def read_bytes(data: bytes, name: str, **opts) -> Document:
    """Read already-loaded bytes; the suffix of ``name`` picks the reader."""
    suffix = Path(name).suffix.lower()
    module_name = READERS.get(suffix)
    if module_name is None:
        raise IngestError(name, f"不支持的文件类型 {suffix or '(无后缀)'} (unsupported type; supported: "
                                f"{', '.join(sorted(set(READERS)))})")
    if len(data) > MAX_FILE_BYTES:
        raise IngestError(name, f"文件过大 {len(data) / 1048576:.0f} MB (file too large)")
    if not data:
        raise IngestError(name, "空文件 (empty file)")
    module = importlib.import_module(f"jixiao.ingest.{module_name}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            doc = module.read_bytes(data, name, **opts)
    except LimitError as exc:
        raise IngestError(exc.path or name, exc.reason) from None
    except IngestError:
        raise
    except MemoryError:
        raise IngestError(name, "内存不足，文件可能是压缩炸弹 (out of memory)") from None
    except RecursionError:
        raise IngestError(name, "结构嵌套过深 (nesting too deep)") from None
    except Exception as exc:  # a reader bug or a library's error on a broken file
        raise IngestError(name, f"文件损坏或格式不符 ({type(exc).__name__}: {str(exc)[:160]})") from None
    if not doc.text.strip():
        raise IngestError(name, "没有可读的文字 (no text)")
    if caught:  # libraries' warnings (openpyxl on odd styles, …) are kept with the document, never printed
        doc.meta.setdefault("warnings", [one_line(str(w.message), 200) for w in caught[:20]])
    return doc
