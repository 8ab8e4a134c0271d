"""Page images (.png, .jpg, .jpeg, .tif, .tiff): read by OCR (:mod:`jixiao.ingest.ocr`).

Pixel counts are bounded (Pillow's ``MAX_IMAGE_PIXELS``; a decompression bomb is an
:class:`IngestError`), EXIF rotation is applied, and each frame of a TIFF is a page.
"""

from __future__ import annotations

from jixiao.ingest.base import Document, IngestError

NO_OCR = ("图片需要 OCR，但未安装 OCR 组件 (OCR is not installed: pip install jixiao[ocr], or Debian "
          "tesseract-ocr-chi-sim)")


def read_bytes(data: bytes, name: str, **opts) -> Document:
    if opts.get("ocr") == "never":
        raise IngestError(name, "图片只能用 OCR 读取，但指定了 --ocr never (an image needs OCR; --ocr never given)")
    try:
        from jixiao.ingest import ocr
    except ImportError:  # pragma: no cover - the module ships with the package
        raise IngestError(name, NO_OCR) from None
    if not ocr.available(opts.get("ocr_engine")):
        raise IngestError(name, NO_OCR)
    return ocr.ocr_image_bytes(data, name, **opts)
