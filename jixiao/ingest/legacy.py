"""Old binary Office formats (.doc, .wps, .et, .xls) through LibreOffice headless.

Many such files are really something else under an old name (a .doc that is a
docx zip, an .xls that is an HTML export from a budget system), so the bytes are
sniffed first and read directly when they can be. The rest are converted with
``soffice --headless --convert-to docx|xlsx`` into a private temporary directory,
with a throw-away user profile (concurrent conversions otherwise fight over the
default one) and a timeout that kills the whole process group.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from jixiao.ingest.base import Document, IngestError

_TARGET = {".doc": "docx", ".wps": "docx", ".et": "xlsx", ".xls": "xlsx"}
#: Seconds one conversion may take (override with JIXIAO_SOFFICE_TIMEOUT).
TIMEOUT = float(os.environ.get("JIXIAO_SOFFICE_TIMEOUT", "120"))
NEEDS_LIBREOFFICE = ("需要 LibreOffice 才能读取旧版 Office/WPS 格式，请安装后重试，或另存为 .docx/.xlsx "
                     "(LibreOffice (soffice) is needed to read old binary formats; not found on PATH)")


def soffice_path() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_bytes(data: bytes, name: str, **opts) -> Document:
    """Read a .doc/.wps/.et/.xls; only :class:`IngestError` escapes."""
    suffix = Path(name).suffix.lower()
    target = _TARGET.get(suffix, "docx")
    direct = _sniff(data, target)
    if direct is not None:
        return _relabel(direct.read_bytes(data, name, **opts), suffix)
    exe = soffice_path()
    if exe is None:
        raise IngestError(name, NEEDS_LIBREOFFICE)
    converted = convert(data, suffix, target, exe, name, float(opts.get("timeout", TIMEOUT)))
    if target == "docx":
        from jixiao.ingest import docx as reader
    else:
        from jixiao.ingest import xlsx as reader
    return _relabel(reader.read_bytes(converted, name, **opts), suffix)


def _sniff(data: bytes, target: str):
    """The reader module for bytes that are not really an old binary file, else None."""
    head = data[:512].lstrip().lower()
    if data.startswith(b"PK"):
        from jixiao.ingest import docx, xlsx

        return docx if target == "docx" else xlsx
    is_html = b"<html" in data[:4096].lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")) and is_html:
        from jixiao.ingest import html

        return html
    return None


def _relabel(doc: Document, suffix: str) -> Document:
    return dataclasses.replace(doc, format=suffix.lstrip("."), meta={**doc.meta, "converted_from": suffix})


def convert(data: bytes, suffix: str, target: str, exe: str, name: str, timeout: float = TIMEOUT) -> bytes:
    """Convert with LibreOffice and return the new file's bytes."""
    with tempfile.TemporaryDirectory(prefix="jixiao-lo-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / f"input{suffix}"
        src.write_bytes(data)
        outdir = tmpdir / "out"
        outdir.mkdir()
        profile = (tmpdir / "profile").as_uri()
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
               "--nodefault", "--nologo", "--convert-to", target, "--outdir", str(outdir), str(src)]
        env = {**os.environ, "HOME": tmp}
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                    start_new_session=True)
        except OSError as exc:
            raise IngestError(name, f"无法启动 LibreOffice (cannot start soffice: {exc})") from None
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise IngestError(name, f"LibreOffice 转换超时（{timeout:.0f} 秒）(conversion timed out)") \
                from None
        result = outdir / f"input.{target}"
        if proc.returncode != 0 or not result.exists():
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            raise IngestError(name, f"LibreOffice 无法转换此文件，文件可能已损坏 "
                                    f"(conversion failed: {detail[0][:120]})")
        return result.read_bytes()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()
