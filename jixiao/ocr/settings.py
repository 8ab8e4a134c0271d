"""The OCR settings in one object; the environment is read here and nowhere else.

=========================  ==========================  ============================================
setting                    environment                 meaning
=========================  ==========================  ============================================
``engine``                 ``JIXIAO_OCR_ENGINE``       rapidocr | tesseract (default: rapidocr when installed)
``threads``                ``JIXIAO_OCR_THREADS``      threads per OCR call (ONNX Runtime, tesseract); 1
``max_pages``              ``JIXIAO_OCR_MAX_PAGES``    a scan with more pages is refused; 200
``page_timeout``           ``JIXIAO_OCR_PAGE_TIMEOUT`` seconds a page may take in tesseract; 180
``calibrate``              ``JIXIAO_OCR_CALIBRATE``    0: the engines' raw confidences
``simplify``               ``JIXIAO_OCR_SIMPLIFY``     0: rapidocr's networks as shipped, not simplified
``psm``                    ``JIXIAO_OCR_PSM``          tesseract page segmentation mode; 4
``lang``                   ``JIXIAO_OCR_LANG``         tesseract language; chi_sim
``dpi``                    (option ``ocr_dpi``)        PDF render resolution; 300
``prepare``                (option ``ocr_prepare``)    remove specks and ruling lines first; on
=========================  ==========================  ============================================

A reader's options (``read(path, ocr_engine=…, ocr_dpi=…, ocr_lang=…)``) override the environment
for one call (:meth:`OcrSettings.with_options`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

ENGINES = ("tesseract", "rapidocr")

#: setting → environment variable
ENV = {
    "engine": "JIXIAO_OCR_ENGINE", "threads": "JIXIAO_OCR_THREADS", "max_pages": "JIXIAO_OCR_MAX_PAGES",
    "page_timeout": "JIXIAO_OCR_PAGE_TIMEOUT", "calibrate": "JIXIAO_OCR_CALIBRATE",
    "simplify": "JIXIAO_OCR_SIMPLIFY", "psm": "JIXIAO_OCR_PSM", "lang": "JIXIAO_OCR_LANG",
}
#: reader option → setting
OPTIONS = {"ocr_engine": "engine", "ocr_dpi": "dpi", "ocr_lang": "lang", "ocr_prepare": "prepare"}


class SettingsError(ValueError):
    """A setting that cannot be used; ``str()`` is one line naming where it came from."""


@dataclass(frozen=True, slots=True)
class OcrSettings:
    engine: str | None = None  # None: rapidocr when installed, else tesseract
    threads: int = 1
    max_pages: int = 200
    page_timeout: float = 180.0
    calibrate: bool = True
    simplify: bool = True
    psm: str = "4"
    lang: str = "chi_sim"
    dpi: int = 300
    prepare: bool = True

    def __post_init__(self) -> None:
        if self.engine is not None and self.engine not in ENGINES:
            raise SettingsError(f"未知的 OCR 引擎 {self.engine!r}（可选：{', '.join(ENGINES)}）")
        for name in ("threads", "max_pages", "dpi"):
            if getattr(self, name) < 1:
                raise SettingsError(f"OCR 设置 {name} 须为正整数（现为 {getattr(self, name)}）")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OcrSettings:
        """Defaults overridden by whatever ``JIXIAO_OCR_*`` variables are set (empty ones are ignored)."""
        env = os.environ if environ is None else environ
        values = {}
        for name, var in ENV.items():
            raw = env.get(var, "").strip()
            if raw:
                values[name] = _convert(name, raw, var)
        return cls(**values)

    def with_options(self, opts: Mapping[str, Any]) -> OcrSettings:
        """These settings with a reader's ``ocr_*`` options applied (None and empty values ignored)."""
        values = {OPTIONS[k]: _convert(OPTIONS[k], v, k) for k, v in opts.items()
                  if k in OPTIONS and v is not None and v != ""}
        return replace(self, **values) if values else self


_TYPES = {f.name: f.type for f in fields(OcrSettings)}


def _convert(name: str, raw: Any, source: str) -> Any:
    kind = _TYPES[name]
    try:
        if kind == "bool":
            return raw if isinstance(raw, bool) else str(raw).strip().lower() not in ("0", "false", "no", "off")
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{source}: 无法理解的取值 {raw!r}（{name} 须为{'整数' if kind == 'int' else '数字'}）") from None
    value = str(raw).strip()
    return value.lower() if name == "engine" else value
