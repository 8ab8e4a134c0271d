"""Indicator values as quantities: ``≥95%`` → ('>=', 95, '95%'); ``合规`` / ``12月底前`` → not a quantity.

The comparator of a target (≥ ≤ =, 不低于, 以内 …) or the row's stated nature picks the rule of a
user-defined indicator (正向 / 反向 / 等于).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from jixiao.numbers import NumberError, parse_number

NATURES = {">=": ">=", "≥": ">=", "≧": ">=", ">": ">=", "正向": ">=", "正向指标": ">=",
           "<=": "<=", "≤": "<=", "≦": "<=", "<": "<=", "反向": "<=", "反向指标": "<=",
           "=": "=", "＝": "=", "═": "=", "﹦": "=", "等于": "="}

_COMP_RE = re.compile(
    r"^\s*(≥|≧|>=|＞=|>|＞|大于或等于|大于等于|不低于|不少于|大于|高于|至少|≤|≦|<=|＜=|<|＜|小于或等于|小于等于|不高于|不超过|低于|"
    r"小于|少于|控制在|=|＝|═|﹦|等于)?\s*(.*?)\s*"
    r"(及以上|以上|及以下|以下|以内)?\s*$")
_COMP_MAP = {"≥": ">=", "≧": ">=", "大于或等于": ">=", "≦": "<=", "小于或等于": "<=", "═": "=", "﹦": "=",
             ">=": ">=", "＞=": ">=", ">": ">=", "＞": ">=", "大于等于": ">=", "不低于": ">=",
             "不少于": ">=", "大于": ">=", "高于": ">=", "至少": ">=",
             "≤": "<=", "<=": "<=", "＜=": "<=", "<": "<=", "＜": "<=", "小于等于": "<=", "不高于": "<=",
             "不超过": "<=", "低于": "<=", "小于": "<=", "少于": "<=", "控制在": "<=",
             "=": "=", "＝": "=", "等于": "=",
             "及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<=", "以内": "<="}
_DEADLINE = ("前", "后", "底", "初", "之内")


@lru_cache(maxsize=8192)
def parse_quantity(text: str) -> tuple[str | None, Decimal, str] | None:
    """``≥95%`` → ('>=', 95, '95%'); ``合规`` / ``12月底前`` → None (not a quantity to compare)."""
    m = _COMP_RE.match(text)
    if not m:
        return None
    body = m.group(2)
    if not body:
        return None
    try:
        n = parse_number(body)
    except (NumberError, ValueError, KeyError):
        return None
    if len(n.unit) > 6 or any(w in n.unit for w in _DEADLINE):
        return None
    comp = _COMP_MAP.get(m.group(1) or "") or _COMP_MAP.get(m.group(3) or "")
    return comp, n.value, body
