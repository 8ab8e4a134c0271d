"""PDF: WeasyPrint from the HTML page when importable, else LibreOffice headless from the docx."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


class PdfError(RuntimeError):
    """No PDF engine is available, or the conversion failed."""


def soffice() -> str | None:
    """Path of the LibreOffice binary, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # optional dependency (extra "pdf")

    return weasyprint.HTML(string=html).write_pdf()


def convert_with_soffice(data: bytes, suffix: str, timeout: int = 180) -> bytes:
    """Convert a docx / xlsx (given as bytes) to PDF with ``soffice --headless --convert-to pdf``."""
    exe = soffice()
    if exe is None:
        raise PdfError("无法生成 PDF：未安装 WeasyPrint（pip install weasyprint），也未找到 LibreOffice（soffice）")
    with tempfile.TemporaryDirectory(prefix="jixiao-pdf-") as tmp:
        src = Path(tmp) / f"form{suffix}"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", tmp, str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"LibreOffice 转换超时（{timeout} 秒）") from exc
        out = src.with_suffix(".pdf")
        if proc.returncode != 0 or not out.exists():
            msg = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()[:200]
            raise PdfError(f"LibreOffice 转换失败：{msg or proc.returncode}")
        return out.read_bytes()


def weasyprint_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True
