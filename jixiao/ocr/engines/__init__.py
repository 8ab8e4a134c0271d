"""OCR engines behind one small protocol: ``engine.words(image) -> list[Word]``.

An engine reads one upright page image (PIL, grey; its resolution in ``image.info["dpi"]``) into
word or character boxes with 0-1 confidences. An engine may also read several pages at once
(``chunk`` pages through ``pages(images)``: tesseract loads its model once for them).

* ``rapidocr`` (:mod:`.rapid`): PP-OCRv4's ONNX networks, shipped inside the rapidocr-onnxruntime
  wheel, run by our own ONNX Runtime sessions on simplified graphs (:mod:`.graph`);
* ``tesseract`` (:mod:`.tesseract`): the Debian ``tesseract-ocr`` binary with ``chi_sim``.

The protocol and the errors live in :mod:`.base`, which the engines import (never this package).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from typing import Any

from jixiao.ocr.engines.base import Engine, EngineError, PageTimeout
from jixiao.ocr.layout import Word
from jixiao.ocr.settings import ENGINES, OcrSettings

__all__ = ["Engine", "EngineError", "NOT_INSTALLED", "PageTimeout", "available", "default_engine", "get",
           "read_many"]

NOT_INSTALLED = ("未安装 OCR 组件 (OCR is not installed: pip install jixiao[ocr], or Debian "
                 "tesseract-ocr-chi-sim)")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def available(engine: str | None = None, settings: OcrSettings | None = None) -> bool:
    """Whether OCR can run here: the engine (default: the configured one), Pillow and NumPy are installed."""
    if not (_installed("PIL") and _installed("numpy")):  # pages are prepared with NumPy whatever the engine
        return False
    engine = engine or default_engine(settings)
    if engine == "tesseract":
        from jixiao.ocr.engines.tesseract import languages

        return "chi_sim" in languages()
    if engine == "rapidocr":
        return all(_installed(m) for m in ("rapidocr_onnxruntime", "onnxruntime", "cv2", "pyclipper"))
    return False


def default_engine(settings: OcrSettings | None = None) -> str:
    """The configured engine, else rapidocr when installed (the more accurate), else tesseract."""
    if settings is not None and settings.engine:
        return settings.engine
    return "rapidocr" if _installed("rapidocr_onnxruntime") else "tesseract"


def get(settings: OcrSettings) -> Engine:
    """The engine the settings name (started once per process and configuration)."""
    name = default_engine(settings)
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; choose from {', '.join(ENGINES)}")
    if name == "tesseract":
        from jixiao.ocr.engines.tesseract import TesseractEngine

        return TesseractEngine(lang=settings.lang, psm=settings.psm, threads=settings.threads,
                               page_timeout=settings.page_timeout)
    return _rapid(settings.threads, settings.simplify)


@functools.cache
def _rapid(threads: int, simplify: bool) -> Engine:
    from jixiao.ocr.engines.rapid import RapidEngine

    return RapidEngine(threads=threads, simplify=simplify)


def read_many(engine: Engine, images: Sequence[Any]) -> list[list[Word]]:
    """The words of each image, through the engine's several-pages path when it has one."""
    pages = getattr(engine, "pages", None)
    if pages is not None and len(images) > 1:
        return pages(images)
    return [engine.words(im) for im in images]
