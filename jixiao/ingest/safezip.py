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
import struct
import zipfile
import zlib

from jixiao.ingest.base import IngestError, one_line

#: Total uncompressed size a zip may declare (override with JIXIAO_MAX_UNZIP_MB).
MAX_TOTAL_BYTES = int(float(os.environ.get("JIXIAO_MAX_UNZIP_MB", "200")) * 1024 * 1024)
#: Largest compression ratio accepted for a member above MIN_RATIO_CHECK bytes.
MAX_RATIO = 200
#: Members smaller than this are not ratio-checked (tiny XML compresses very well).
MIN_RATIO_CHECK = 1024 * 1024
MAX_MEMBERS = 10_000
#: Uncompressed size of one XML part holding content (a worksheet, shared strings, the Word body) and of
#: any other XML part (workbook, styles, relationships), from the central directory, checked before a
#: parser sees it (override the first with JIXIAO_MAX_XML_PART_MB). The parsers build trees many times
#: the size of the XML.
MAX_XML_PART_BYTES = int(float(os.environ.get("JIXIAO_MAX_XML_PART_MB", "50")) * 1024 * 1024)
MAX_XML_OTHER_BYTES = 10 * 1024 * 1024
_CONTENT_PARTS = ("xl/worksheets/", "xl/sharedStrings.xml", "word/document.xml", "word/footnotes.xml",
                  "word/endnotes.xml", "word/comments.xml")
#: Compression methods zipfile reads: stored, deflated, bzip2, lzma (Office writes the first two).
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated", zipfile.ZIP_BZIP2: "bzip2",
            zipfile.ZIP_LZMA: "lzma"}
_XML_SUFFIXES = (".xml", ".rels", ".vml")
#: An OLE compound file: what Office writes for a password-protected docx/xlsx (or a legacy .doc/.xls).
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: What zipfile, zlib and the Office libraries raise on a damaged package.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
              NotImplementedError, RuntimeError, struct.error, UnicodeDecodeError, KeyError, IndexError)
_SCAN_CHUNK = 1 << 16
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_DTD_MARKERS_16 = tuple(m.decode().encode("utf-16-le") for m in _DTD_MARKERS) + tuple(
    m.decode().encode("utf-16-be") for m in _DTD_MARKERS)


def open_checked(data: bytes, name: str, kind: str) -> zipfile.ZipFile:
    """Open ``data`` as a zip after checking it is safe to hand to an Office reader.

    ``kind`` ("Word"/"Excel") only shapes the error messages.
    """
    if data.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise IngestError(name, f"{kind} 文件已加密，需要密码 (encrypted {kind} file: password required)")
        raise IngestError(name, f"不是有效的 {kind} 文件（旧版 Office 复合文档，请以 .doc/.xls 后缀读取）"
                                f"(not a valid {kind} file: a legacy OLE compound file)")
    if not data.startswith(b"PK"):
        raise IngestError(name, f"不是有效的 {kind} 文件（不是 zip 包）"
                                f"(not a valid {kind} file: not a zip package)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except ZIP_ERRORS as exc:
        raise IngestError(name, f"{kind} 文件已损坏或不完整 "
                                f"(corrupt or truncated {kind} file: {exc})") from None
    check_infos(infos, name)
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES):
            scan_xml_member(zf, info, name)
    return zf


def check_infos(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse zip bombs from the central directory alone, before inflating anything."""
    if len(infos) > MAX_MEMBERS:
        raise IngestError(name, f"压缩包成员过多 {len(infos)} 个 (too many zip members)")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise IngestError(name, f"文件已加密（{info.filename}），需要密码 (encrypted zip member)")
        if info.compress_type not in _METHODS:
            raise IngestError(name, f"压缩包成员使用不支持的压缩方式 {info.compress_type}（{info.filename}）"
                                    f"(unsupported zip compression method {info.compress_type})")
        if info.filename.lower().endswith(_XML_SUFFIXES):
            limit = part_limit(info.filename)
            if info.file_size > limit:
                raise IngestError(name, f"XML 部件过大（{info.filename} 解压后 {info.file_size / 1048576:.1f} MB，"
                                        f"上限 {limit // 1048576} MB）(XML part over the size limit)")
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
    except ZIP_ERRORS as exc:
        raise corrupt_member(name, info.filename, exc) from None


def part_limit(member: str) -> int:
    """The uncompressed size allowed for one XML part (content parts get the larger limit)."""
    return MAX_XML_PART_BYTES if member.startswith(_CONTENT_PARTS) else MAX_XML_OTHER_BYTES


def corrupt_member(name: str, member: str, exc: BaseException) -> IngestError:
    return IngestError(name, f"压缩包成员已损坏（{member}）(corrupt zip member: {one_line(str(exc), 120)})")


def read_member(zf: zipfile.ZipFile, member: str, name: str) -> bytes:
    """One member's bytes, no more than its declared size and the XML part limit; IngestError otherwise."""
    try:
        info = zf.getinfo(member)
    except KeyError:
        raise IngestError(name, f"缺少部件 {member} (missing part)") from None
    limit = min(info.file_size, part_limit(member))
    try:
        with zf.open(info) as fh:
            blob = fh.read(limit + 1)
    except ZIP_ERRORS as exc:
        raise corrupt_member(name, member, exc) from None
    if len(blob) > limit:
        raise IngestError(name, f"XML 部件过大或与声明不符（{member}）(XML part over the size limit)")
    return blob


def diagnose(data: bytes, name: str, kind: str, exc: BaseException) -> IngestError:
    """Why an Office library failed on a package that passed :func:`open_checked`, as one line.

    Run only after a failure: a member that does not inflate, else the first XML part that is
    not well-formed (with its line), else the library's complaint under the kind's own words.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except ZIP_ERRORS as err:
        return IngestError(name, f"{kind} 文件已损坏或不完整 (corrupt or truncated {kind} file: {err})")
    for info in infos:
        try:
            with zf.open(info) as fh:
                while fh.read(1 << 20):
                    pass
        except ZIP_ERRORS as err:
            return corrupt_member(name, info.filename, err)
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    for info in infos:
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        try:
            etree.fromstring(zf.read(info), parser=parser)
        except etree.XMLSyntaxError as err:
            line = err.lineno or getattr(err, "position", (0,))[0]
            return IngestError(name, f"XML 格式错误（{info.filename} 第 {line} 行）"
                                     f"(XML syntax error in {info.filename}, line {line}: {one_line(err.msg or '', 100)})")
        except Exception:  # noqa: BLE001 - only looking for the first broken part
            continue
    return IngestError(name, f"不是有效的 {kind} 文件，结构不符 (not a valid {kind} file: "
                             f"{type(exc).__name__}: {one_line(str(exc), 120)})")
