"""The genre's vocabulary (``lexicon.yaml`` plus the report forms' overlays) and the caches built from it.

Kept apart from :mod:`jixiao.extract.collect` so that every module, :mod:`jixiao.extract.text` included, can
build its patterns from the lexicon. The convention of ``lexicon.yaml``: a list holds plain words (joined
with :func:`alt`), a string is a pattern (inserted as a group).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from jixiao.forms import lexicon_overlays, on_reset

#: cache_clear of every cache built from the vocabulary (see :func:`vocabulary_cache`).
_DERIVED: list = []


def vocabulary_cache(fn=None, *, maxsize: int | None = None):
    """``functools.cache`` for a function whose result is built from :func:`lexicon` (compiled patterns, word
    sets): forgotten with the vocabulary when the report forms change (:func:`forget_vocabulary`). Give
    ``maxsize`` when the arguments come from documents (a pattern per level name), so the cache stays bounded."""
    def wrap(f):
        cached = lru_cache(maxsize=maxsize)(f)
        _DERIVED.append(cached.cache_clear)
        return cached

    return wrap(fn) if fn is not None else wrap


def forget_vocabulary() -> None:
    lexicon.cache_clear()
    for clear in _DERIVED:
        clear()


on_reset(forget_vocabulary)  # the forms' words are part of the vocabulary


@cache
def lexicon() -> dict[str, Any]:
    """The genre's vocabulary (extract/lexicon.yaml) with the report forms' own words added, loaded once.

    A form folder's ``lexicon`` (``jixiao.forms``) adds to it: lists grow, mappings merge, a pattern becomes
    an alternative of the pattern it extends. :func:`jixiao.forms.reset` forgets this when forms change.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: 10x faster start
    base = yaml.load(resources.files("jixiao.extract").joinpath("lexicon.yaml").read_text("utf-8"), Loader=loader)
    for overlay in lexicon_overlays():
        base = merge_words(base, overlay)
    return base


def merge_words(base: Any, extra: Any) -> Any:
    """``extra`` vocabulary added to ``base``: lists extended (no repeats), mappings merged key by key,
    two patterns joined as alternatives; anything else from ``extra`` wins."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for k, v in extra.items():
            out[k] = merge_words(base[k], v) if k in base else v
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return base + [x for x in extra if x not in base]
    if isinstance(base, str) and isinstance(extra, str) and base != extra:
        return f"(?:{base})|(?:{extra})"
    return extra


def alt(words: list[str]) -> str:
    """A list of plain words from the lexicon as a regular-expression alternation, escaped, in the list's order
    (at one position the first word that matches wins, so a longer word is listed before its prefix)."""
    return "|".join(re.escape(w) for w in words)
