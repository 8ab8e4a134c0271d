"""Guards for zip-based Office files (docx, xlsx) before any library parses them.

python-docx and openpyxl inflate members and parse XML without limits of their
own, so a crafted file (a zip bomb, or a billion-laughs DTD) could exhaust memory.
We check the central directory's declared sizes and ratios first, then stream
each XML part through a bounded decompressor and refuse any DTD: Office Open XML
never needs one, so ``<!DOCTYPE`` / ``<!ENTITY`` is a sign of a hostile file.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib

from jixiao.ingest.base import IngestError

#: Total uncompressed size a zip may declare (override with JIXIAO_MAX_UNZIP_MB).
MAX_TOTAL_BYTES = int(float(os.environ.get("JIXIAO_MAX_UNZIP_MB", "200")) * 1024 * 1024)
#: Largest compression ratio accepted for a member above MIN_RATIO_CHECK bytes.
MAX_RATIO = 200
#: Members smaller than this are not ratio-checked (tiny XML compresses very well).
MIN_RATIO_CHECK = 1024 * 1024
MAX_MEMBERS = 10_000
_SCAN_CHUNK = 1 << 16
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_DTD_MARKERS_16 = tuple(m.decode().encode("utf-16-le") for m in _DTD_MARKERS) + tuple(
    m.decode().encode("utf-16-be") for m in _DTD_MARKERS)


def open_checked(data: bytes, name: str, kind: str) -> zipfile.ZipFile:
    """Open ``data`` as a zip after checking it is safe to hand to an Office reader.

    ``kind`` ("Word"/"Excel") only shapes the error messages.
    """
    if not data.startswith(b"PK"):
        raise IngestError(name, f"不是有效的 {kind} 文件（不是 zip 包）"
                                f"(not a valid {kind} file: not a zip package)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise IngestError(name, f"{kind} 文件已损坏或不完整 "
                                f"(corrupt or truncated {kind} file: {exc})") from None
    check_infos(infos, name)
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            scan_xml_member(zf, info, name)
    return zf


def check_infos(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse zip bombs from the central directory alone, before inflating anything."""
    if len(infos) > MAX_MEMBERS:
        raise IngestError(name, f"压缩包成员过多 {len(infos)} 个 (too many zip members)")
    total = 0
    for info in infos:
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise IngestError(name, f"解压后过大，超过 {MAX_TOTAL_BYTES // 1048576} MB，疑似压缩炸弹 "
                                    f"(zip bomb: uncompressed size over limit)")
        if info.file_size > MIN_RATIO_CHECK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise IngestError(name, f"压缩比异常（{info.filename}），疑似压缩炸弹 "
                                    f"(zip bomb: compression ratio over {MAX_RATIO})")


def scan_xml_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Stream one XML part (bounded by its declared size) and refuse any DTD.

    The declared size is enforced while reading, so a lying header cannot make
    us inflate more than it claims.
    """
    limit = info.file_size
    seen = 0
    tail = b""
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_SCAN_CHUNK)
                if not chunk:
                    break
                seen += len(chunk)
                if seen > limit:
                    raise IngestError(name, f"压缩包成员大小与声明不符（{info.filename}）"
                                            f"(zip member larger than declared)")
                window = tail + chunk
                if b"<!" in window or b"\x00<\x00!" in window or b"<\x00!\x00" in window:
                    upper = window.upper()
                    if any(m in upper for m in _DTD_MARKERS) or any(m in window for m in _DTD_MARKERS_16):
                        raise IngestError(name, f"XML 含 DTD/实体声明（{info.filename}），拒绝读取 "
                                                f"(XML entity declarations refused)")
                tail = window[-32:]
    except IngestError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise IngestError(name, f"文件已损坏或不完整（{info.filename}）"
                                f"(corrupt or truncated file: {exc})") from None
