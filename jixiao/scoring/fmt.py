"""Small formatting helpers shared by the rule kinds: Decimals written the way the forms write them."""

from __future__ import annotations

from decimal import Decimal

ROUNDING_LABELS = {"half_up": "四舍五入", "down": "去尾", "floor": "向下取整", "half_even": "银行家舍入"}
_HUNDRED = Decimal(100)


_NUM: dict[Decimal, str] = {}


def num(d: Decimal | None) -> str:
    """A Decimal without exponent and without trailing zeros (``5.00`` → ``5``, ``1.50`` → ``1.5``).

    Memoised: equal Decimals (5 and 5.00) print the same, and scores repeat a lot.
    """
    if d is None:
        return "—"
    try:
        return _NUM[d]
    except KeyError:
        pass
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s == "-0":
        s = "0"
    if len(_NUM) > 50_000:
        _NUM.clear()
    _NUM[d] = s
    return s


def pct(d: Decimal | None) -> str:
    return "—" if d is None else num(d) + "%"


def frac(d: Decimal, places: int = 6) -> str:
    """A ratio shown to ``places`` decimals for the working (``0.997553``)."""
    return num(d.quantize(Decimal(1).scaleb(-places)))


_SIX = Decimal("0.000001")


def raw_text(raw: Decimal) -> str:
    """An unrounded working figure, cut (not rounded) to 6 decimals so the arrow never lies."""
    if raw == raw.quantize(_SIX):
        return num(raw)
    return num(raw.quantize(_SIX, rounding="ROUND_DOWN")) + "…"
