"""Text repair: OCR confusions that the context makes certain, and specks read as punctuation.

:func:`repair_map` rewrites a segment's text and keeps, for every character, the index of the
source character it came from, so word confidences and offsets follow the characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from jixiao.ocr.layout import Word

_UNIT = r"(?:万元|亿元|千元|元|万|%)"
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９．％"}
_REPAIRS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    # O/o read for 0 between digits, or between a digit and a decimal point / unit
    (re.compile(r"(?<=\d)[Oo〇](?=[\dOo.]|" + _UNIT + ")"), lambda m: "0"),
    (re.compile(r"(?<=\d\.)[Oo](?=\d|" + _UNIT + ")"), lambda m: "0"),
    # l / I / | read for 1 between digits (or before a unit)
    (re.compile(r"(?<=\d)[lI|](?=[\d.]|" + _UNIT + ")"), lambda m: "1"),
    (re.compile(r"(?<=\d\.)[lI|](?=\d|" + _UNIT + ")"), lambda m: "1"),
    # a decimal comma: 12，5万元 / 99,76% (1-2 digits before the unit; a 3-digit group is thousands), or a
    # point the engine lost but left a gap for: 39 4万元
    (re.compile(r"(?<=\d)(?:[，,]| (?=\d{1,2}" + _UNIT + r"))(?=\d{1,2}\s?" + _UNIT + ")"), lambda m: "."),
    # a full-width comma before a 3-digit group that goes on into decimals or a unit: thousands
    (re.compile(r"(?<=\d)，(?=\d{3}(?:\.\d|[,，]\d{3}|" + _UNIT + "))"), lambda m: ","),
    # two decimal points in one number: the first, before a 3-digit group, was a thousands comma
    (re.compile(r"(?<=\d)\.(?=\d{3}\.\d)"), lambda m: ","),
    # 万 read as a look-alike between a figure and 元 (亡元, 方元, 力元 never follow a number)
    (re.compile(r"(?<=\d)[亡方力](?=元)"), lambda m: "万"),
    # spaces the engine put inside a number or between it and its unit
    (re.compile(r"(?<=\d)\s+(?=\.\d)|(?<=\d\.)\s+(?=\d)"), lambda m: ""),
    (re.compile(r"(?<=\d)\s+(?=" + _UNIT + ")"), lambda m: ""),
    (re.compile(r"(?<=万)\s+(?=元)|(?<=亿)\s+(?=元)"), lambda m: ""),
]


_CJK = "\u3400-\u9fff"
_PAREN = re.compile(r"\(([^()]{0,80})\)")
_CJK_PUNCT = [
    (re.compile(rf"(?<=[{_CJK}]):"), "："),
    (re.compile(rf"(?<=[{_CJK}]);"), "；"),
    (re.compile(rf"(?<=[{_CJK}]),(?!\d{{3}})"), "，"),
    (re.compile(rf"(?<=[{_CJK}])\?"), "？"),
    (re.compile(rf"(?<=[{_CJK}])!"), "！"),
]


def _cjk_punctuation(s: str) -> str:
    """ASCII punctuation the engine put in Chinese text → full-width, one character for one.

    Chinese reports set ``（）：；，`` full-width; tesseract often returns the ASCII forms. A pair of
    parentheses is converted when it holds or touches Chinese text (``(2021-2030年)``, ``(1)妇联``).
    """
    for pattern, rep in _CJK_PUNCT:
        s = pattern.sub(rep, s)

    def paren(m: re.Match) -> str:
        a, b = m.start(), m.end()
        near = s[max(0, a - 1):a] + m.group(1) + s[b:b + 1]
        return f"（{m.group(1)}）" if re.search(f"[{_CJK}]", near) else m.group(0)

    return _PAREN.sub(paren, s)


def repair(text: str) -> str:
    """The repaired string (see :func:`repair_map` for the offsets)."""
    return repair_map(text)[0]


def repair_map(text: str) -> tuple[str, list[int]]:
    """Repair OCR confusions that the context makes certain, keeping a map to the source characters.

    Returns the new string and, for each of its characters, the index of the source character it came
    from (so word confidences follow the characters). Repairs: full-width digits/point/percent; ``O``/``o``
    → ``0`` and ``l``/``I``/``|`` → ``1`` inside numbers; a comma before exactly 1-2 digits and a unit
    (万元, %) → decimal point; a point before a 3-digit group followed by another point → comma; spaces
    inside a number, before its unit and in ``万 元``; ASCII ``():;,`` in Chinese text → full-width.
    """
    s = _cjk_punctuation(text.translate(_FULLWIDTH))
    idx = list(range(len(s)))
    for _ in range(3):  # a repair can enable another ("1OO0")
        before = s
        for pattern, fn in _REPAIRS:
            s, idx = _sub_map(pattern, fn, s, idx)
        if s == before:
            break
    return s, idx


def _sub_map(pattern: re.Pattern, fn, s: str, idx: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    out_idx: list[int] = []
    pos = 0
    for m in pattern.finditer(s):
        out.append(s[pos:m.start()])
        out_idx.extend(idx[pos:m.start()])
        rep = fn(m)
        out.append(rep)
        src = idx[m.start():m.end()] or [idx[m.start() - 1] if m.start() else 0]
        out_idx.extend(src[min(k, len(src) - 1)] for k in range(len(rep)))
        pos = m.end()
    if not out:
        return s, idx
    out.append(s[pos:])
    out_idx.extend(idx[pos:])
    return "".join(out), out_idx



_NOISE_CHARS = "“”‘’\"'`|.,，。、·:：;；_—-~"
_LEAD_NOISE = re.compile(r"^[“”‘’\"'`|,，。、·_~]+(?=[0-9０-９])")
_TRAIL_NOISE = re.compile(r"(?<=[0-9%])[“”‘’\"'`|_~]+$")


def clean_words(words: Iterable[Word]) -> list[Word]:
    """Drop specks read as punctuation and strip quote marks glued to a number by a speck or a rule."""
    out = []
    for w in words:
        lead = _LEAD_NOISE.match(w.text)
        k = lead.end() if lead else 0
        t = _TRAIL_NOISE.sub("", w.text[k:])
        if not t:
            continue
        if all(c in _NOISE_CHARS for c in t) and (w.conf < 0.6 or t in {"|", "||", "_", "~"}):
            continue
        if t != w.text:  # move the box edges in with the characters dropped
            per = (w.x1 - w.x0) / max(1, len(w.text))
            trail = len(w.text) - k - len(t)
            w = replace(w, text=t, x0=w.x0 + per * k, x1=w.x1 - per * trail)
        out.append(w)
    return out

