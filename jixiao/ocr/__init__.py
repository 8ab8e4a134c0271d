"""OCR for scanned pages, offline: page images in, a :class:`~jixiao.ingest.base.Document` out.

One room per job:

* :mod:`.settings` — :class:`OcrSettings`, the one settings object (the ``JIXIAO_OCR_*`` environment is
  read there and nowhere else);
* :mod:`.engines` — engines behind one protocol, ``engine.words(image) -> list[Word]``
  (:mod:`.engines.rapid` PP-OCRv4 in our own ONNX Runtime sessions, :mod:`.engines.tesseract`);
* :mod:`.layout` — pure geometry: ruling lines, words into lines, paragraphs and tables;
* :mod:`.repair` — text repairs the context makes certain;
* :mod:`.document` — :func:`read_pages`: prepare, read, lay out, repair, and build the Document.

Files are not read here: ``jixiao.ingest`` decodes images and renders scanned PDF pages, then calls
:func:`read_pages`.
"""

from __future__ import annotations

from jixiao.ocr.document import calibrate, read_pages
from jixiao.ocr.engines import NOT_INSTALLED, Engine, available, default_engine
from jixiao.ocr.layout import Rule, Word, layout_page, prepare
from jixiao.ocr.repair import clean_words, repair, repair_map
from jixiao.ocr.settings import ENGINES, OcrSettings, SettingsError

__all__ = ["ENGINES", "NOT_INSTALLED", "Engine", "OcrSettings", "Rule", "SettingsError", "Word", "available",
           "calibrate", "clean_words", "default_engine", "layout_page", "prepare", "read_pages", "repair",
           "repair_map", "settings"]


def settings(**opts: object) -> OcrSettings:
    """The settings in force: the environment, then a reader's ``ocr_*`` options."""
    return OcrSettings.from_env().with_options(opts)
