"""Plain text: UTF-8 (with or without BOM), UTF-16, GB18030/GBK; CRLF or LF.

Strict UTF-8 is tried first (most files are); UTF-16 is recognised by its BOM;
otherwise charset-normalizer guesses, and any GBK/GB2312 guess is decoded as
GB18030, its superset. Bytes that decode to mostly control characters are
refused as binary.
"""

from __future__ import annotations

from jixiao.ingest.base import Document, IngestError, TextBuilder


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Bytes → (text, encoding name)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        _even_utf16(data[2:], name)
        return data.decode("utf-16", errors="replace"), "utf-16"
    if b"\x00" in data[:4096]:
        # UTF-16 without BOM has a NUL in every other byte of ASCII; anything else with NULs is binary
        sample = data[:4096]
        if sample[1::2].count(0) > len(sample) // 4:
            _even_utf16(data, name)
            return data.decode("utf-16-le", errors="replace"), "utf-16-le"
        if sample[0::2].count(0) > len(sample) // 4:
            _even_utf16(data, name)
            return data.decode("utf-16-be", errors="replace"), "utf-16-be"
        raise IngestError(name, "不是文本文件（含二进制数据）(binary data, not text)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # most non-UTF-8 Chinese files are GBK; GB18030 is its superset
        text = data.decode("gb18030")
        if _cjk_share(text) > 0.3:
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    enc = (best.encoding if best else "gb18030").lower()
    if enc in ("gbk", "gb2312", "gb18030", "hz", "big5", "cp936") or enc.startswith("gb"):
        enc = "gb18030" if enc != "big5" else "big5"
    try:
        return data.decode(enc), enc
    except (UnicodeDecodeError, LookupError):
        return data.decode("gb18030", errors="replace"), "gb18030"


def _even_utf16(payload: bytes, name: str) -> None:
    """UTF-16 comes in byte pairs: an odd count means a cut or mis-encoded file (said so, not guessed at)."""
    if len(payload) % 2:
        raise IngestError(name, f"UTF-16 文本字节数为奇数（{len(payload)} 字节），文件不完整或编码有误 "
                                f"(odd-length UTF-16: truncated or mis-encoded)")


def _cjk_share(text: str) -> float:
    sample = [ch for ch in text[:20000] if not ch.isspace() and not ch.isascii()]
    if not sample:
        return 0.0
    common = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")
    return common / len(sample)


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t\f") or ch == "\ufffd")
    return bad / len(sample) > 0.05


def read_bytes(data: bytes, name: str, **_opts) -> Document:
    text, enc = decode(data, name)
    if _looks_binary(text):
        raise IngestError(name, "不是文本文件（含二进制数据）(binary data, not text)")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    b = TextBuilder()
    b._add(text)  # keep the text as-is: offsets must match the file's lines
    return b.build(name, "txt", meta={"encoding": enc})
