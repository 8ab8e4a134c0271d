"""Scanned PDFs and page images into the OCR (:mod:`jixiao.ocr`): the file side of it.

This module decodes an image's frames (EXIF rotation applied, decompression bombs refused) or
renders a PDF's pages without a text layer (pypdfium2, ``ocr_dpi``, default 300), and hands the
pages to :func:`jixiao.ocr.read_pages`. Options: ``ocr`` (auto | always | never), ``ocr_engine``,
``ocr_dpi``, ``ocr_lang``; the rest of the settings come from :class:`jixiao.ocr.OcrSettings`.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from jixiao.ingest.base import Document, IngestError
from jixiao.ocr import NOT_INSTALLED, OcrSettings, SettingsError, read_pages
from jixiao.ocr import available as _engine_available
from jixiao.ocr import settings as _settings

__all__ = ["NOT_INSTALLED", "available", "ocr_image_bytes", "ocr_pdf_bytes"]


def available(engine: str | None = None) -> bool:
    """Whether OCR can run here with ``engine`` (default: the configured one)."""
    try:
        return _engine_available(engine, _settings())
    except SettingsError:
        return _engine_available(engine)


def _configured(name: str, opts: dict[str, Any], missing: str) -> OcrSettings:
    try:
        s = _settings(**opts)
    except SettingsError as exc:
        raise IngestError(name, f"OCR 设置有误 ({exc})") from None
    if not _engine_available(s.engine, s):
        raise IngestError(name, missing + NOT_INSTALLED)
    return s


def ocr_pdf_bytes(data: bytes, name: str, **opts: Any) -> Document:
    """Render each PDF page and OCR it.

    With ``opts["ocr"] == "auto"`` (the default) pages that carry a text layer keep it; with ``"always"``
    every page is OCR'd.
    """
    import pypdfium2 as pdfium

    mode = opts.get("ocr") or "auto"
    s = _configured(name, opts, "没有文字层（扫描件），")
    try:
        pdf = pdfium.PdfDocument(data, password=opts.get("password"))
    except pdfium.PdfiumError as exc:
        raise IngestError(name, f"PDF 文件已损坏或不完整 (corrupt or truncated PDF: {exc})") from None
    try:
        n = len(pdf)
        if n == 0:
            raise IngestError(name, "PDF 没有页面 (PDF has no pages)")
        if n > s.max_pages:
            raise IngestError(name, f"扫描件共 {n} 页，超过 OCR 上限 {s.max_pages} 页 (too many pages to OCR; "
                                    "set JIXIAO_OCR_MAX_PAGES)")
        text_pages: list[str | None] = []
        for i in range(n):
            kept = None
            if mode != "always":
                page = pdf[i]
                try:
                    tp = page.get_textpage()
                    try:
                        t = tp.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
                    finally:
                        tp.close()
                finally:
                    page.close()
                if t.strip():
                    kept = t
            text_pages.append(kept)

        def images():
            for i in range(n):
                if text_pages[i] is not None:
                    yield None
                    continue
                page = pdf[i]
                try:
                    yield _render(page, s.dpi)
                finally:
                    page.close()

        return read_pages(images(), name, "pdf", s, text_pages=text_pages)
    finally:
        pdf.close()


def _render(page: Any, dpi: int) -> Any:
    # cap the bitmap at ~60 Mpx whatever the page size claims
    w, h = page.get_size()
    scale = dpi / 72
    if w * h * scale * scale > 60e6:
        scale = (60e6 / max(1.0, w * h)) ** 0.5
    return page.render(scale=scale, grayscale=True).to_pil()


def ocr_image_bytes(data: bytes, name: str, **opts: Any) -> Document:
    """OCR a PNG/JPEG/TIFF (every frame of a multi-page TIFF is a page)."""
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    s = _configured(name, opts, "图片需要 OCR，但")
    pages = []
    dpis = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            for k, frame in enumerate(ImageSequence.Iterator(im)):
                if k >= s.max_pages:
                    raise IngestError(name, f"图片超过 {s.max_pages} 页 (too many frames)")
                f = ImageOps.exif_transpose(frame).convert("L")
                pages.append(f)
                info_dpi = frame.info.get("dpi") or im.info.get("dpi")
                try:
                    d = int(round(float(info_dpi[0]))) if info_dpi else s.dpi
                except (TypeError, ValueError):
                    d = s.dpi
                dpis.append(d if 70 <= d <= 1200 else s.dpi)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise IngestError(name, "图片像素过多，疑似解压炸弹 (image too large: decompression bomb)") from None
    except UnidentifiedImageError:
        raise IngestError(name, "无法识别的图片格式或文件已损坏 (not a readable image)") from None
    except OSError as exc:
        raise IngestError(name, f"图片已损坏或不完整 (broken image: {exc})") from None
    return read_pages(pages, name, "image", s, dpis=dpis)
