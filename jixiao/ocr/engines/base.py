"""What every OCR engine is: the protocol, and the two ways a page can fail."""

from __future__ import annotations

from typing import Any, Protocol

from jixiao.ocr.layout import Word


class Engine(Protocol):
    """An engine reads one upright page image (PIL, grey; its resolution in ``image.info["dpi"]``)."""

    name: str

    def words(self, image: Any) -> list[Word]: ...


class EngineError(RuntimeError):
    """The engine failed on a page (the message says how)."""


class PageTimeout(Exception):
    """The engine ran out of time on a page (or on one of the pages it was given together)."""
