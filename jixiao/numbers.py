"""Reading and rounding the numbers of Chinese budget reports, ``Decimal`` only.

One constructor (:func:`D`), one reader (:func:`parse_number`), one rounding
helper (:func:`quantize`). Floats never enter: cn2an (which returns floats) is
only used for runs of Chinese numerals, and its result goes through ``repr`` →
``Decimal`` so no binary noise survives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "D",
    "FigureError",
    "MAX_DECIMALS",
    "MAX_INTEGER_DIGITS",
    "Number",
    "NumberError",
    "figure",
    "ROUNDING_MODES",
    "decimals_of",
    "half_unit",
    "normalize",
    "parse_number",
    "parse_amount",
    "parse_percent",
    "parse_range",
    "quantize",
    "to_wan",
    "NUM_RE",
    "CN_NUM_RE",
]


class NumberError(ValueError):
    """A string that is not a number we can read."""


class FigureError(NumberError, ArithmeticError):
    """A figure beyond reason: too many digits or decimals, an exponent, NaN or Infinity.

    Also an ``ArithmeticError``, so code that skips a figure ``Decimal`` cannot represent
    (``except ArithmeticError``) skips these too.
    """


#: Digits before the point of the largest figure a report can mean: 10^16 元 is a thousand times
#: a national budget. With MAX_DECIMALS the whole figure stays within Decimal's default 28 digits,
#: so quantizing it at its own precision can never signal.
MAX_INTEGER_DIGITS = 16
#: Decimals of the finest figure a report writes (a rate such as 99.9999999%).
MAX_DECIMALS = 10
_FIGURE = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?|[-+]?\.(\d+)")


ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "down": ROUND_DOWN,  # truncation toward zero: what 'rounding DOWN' means in the field
    "floor": ROUND_FLOOR,
    "half_even": ROUND_HALF_EVEN,
}

# Full-width → half-width, one character for one so evidence spans keep their offsets.
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９．％－＋"}
_FULLWIDTH.update({ord("，"): ord("，"), ord("−"): ord("-"), ord("－"): ord("-"), ord("﹪"): ord("%")})

#: A written Arabic number: thousands groups or plain digits, optional decimals.
NUM_RE = re.compile(r"(?=[-−\d])(?<![\d.])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])")
_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_UNITS = "十拾百佰千仟万亿"
#: A run of Chinese numerals, optionally with 点 decimals.
CN_NUM_RE = re.compile(rf"[{_CN_DIGITS}{_CN_UNITS}]+(?:点[{_CN_DIGITS}]+)?")

_UNIT_TO_WAN = {
    "万元": Decimal(1),
    "万": Decimal(1),
    "元": Decimal("0.0001"),
    "亿元": Decimal(10000),
    "亿": Decimal(10000),
    "千元": Decimal("0.1"),
}

_APPROX_PREFIX = ("约", "近", "逾", "超", "超过", "上", "大约", "将近", "达", "共约")
_APPROX_SUFFIX = ("余", "多", "左右", "以上", "余个", "来")


def D(value: object) -> Decimal:
    """The one Decimal constructor: strings with commas/full-width digits, ints, Decimals.

    Floats are refused, as beancount's ``D`` does: a float in an accounting system is a bug.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError(f"float {value!r} refused: pass a string or Decimal")
    if isinstance(value, str):
        s = normalize(value).strip().replace(",", "").replace(" ", "")
        if s.startswith("+"):
            s = s[1:]
        try:
            d = Decimal(s)
        except InvalidOperation as exc:
            raise NumberError(f"not a number: {value[:40]!r}") from exc
        if not d.is_finite():
            raise FigureError(f"不是有限数 {value[:20]!r} (NaN/Infinity is not a number)")
        if "e" in s.lower():  # exponent notation: bounded like a figure, so no later quantize can signal
            return _bounded(d, value[:40])
        return d
    raise TypeError(f"cannot make a Decimal of {type(value).__name__}")


def figure(value: str | int | Decimal, *, max_decimals: int | None = MAX_DECIMALS) -> Decimal:
    """The guarded constructor for a figure read from a report: a ``Decimal`` or a :class:`FigureError`.

    Takes a figure as written (sign, digits, thousands commas, a decimal part; full-width
    digits are accepted) or an int/Decimal. Refuses NaN and Infinity, exponent notation,
    more than :data:`MAX_INTEGER_DIGITS` digits before the point and more than
    ``max_decimals`` after it (None: a computed value, such as a spreadsheet formula's result,
    whose decimals are not written by anyone), each with a message saying which. The checks run
    on the text before any ``Decimal`` exists, so no decimal signal can escape.
    """
    if isinstance(value, bool):
        raise FigureError("不是数字：布尔值 (bool is not a figure)")
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        return _bounded(value, value, max_decimals)
    if not isinstance(value, str):
        raise FigureError(f"不是数字：{type(value).__name__} (not a figure)")
    s = normalize(value).strip().replace("−", "-").replace(" ", "")
    m = _FIGURE.fullmatch(s)
    if m is None:
        low = s.lower().lstrip("+-")
        if low in ("nan", "snan", "inf", "infinity"):
            raise FigureError(f"不是有限数 {value[:20]!r} (NaN/Infinity is not a figure)")
        if "e" in low and _FIGURE.fullmatch(low.split("e", 1)[0] or "x"):
            raise FigureError(f"不接受指数写法 {value[:40]!r} (exponent notation refused)")
        raise FigureError(f"不是数字 {value[:40]!r} (not a figure)")
    decimals = len(m.group(1) or m.group(2) or "")
    integer = len(s.split(".")[0].lstrip("+-").replace(",", "").lstrip("0"))
    if integer > MAX_INTEGER_DIGITS:
        raise FigureError(f"数字位数过多（整数部分 {integer} 位，上限 {MAX_INTEGER_DIGITS} 位）"
                          f"(figure too large: {integer} digits)")
    if max_decimals is not None and decimals > max_decimals:
        raise FigureError(f"小数位数过多（{decimals} 位，上限 {max_decimals} 位）(figure too precise: {decimals} decimals)")
    return Decimal(s.replace(",", "").removeprefix("+"))


def _bounded(d: Decimal, shown: object, max_decimals: int | None = MAX_DECIMALS) -> Decimal:
    """``d`` when it is a finite figure within the digit bounds, else :class:`FigureError`."""
    if not d.is_finite():
        raise FigureError(f"不是有限数 {str(shown)[:20]} (NaN/Infinity is not a figure)")
    exponent = d.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if not d.is_zero() and d.adjusted() >= MAX_INTEGER_DIGITS:
        raise FigureError(f"数字位数过多（整数部分 {d.adjusted() + 1} 位，上限 {MAX_INTEGER_DIGITS} 位）"
                          f"(figure too large: {d.adjusted() + 1} digits)")
    if max_decimals is not None and decimals > max_decimals:
        raise FigureError(f"小数位数过多（{decimals} 位，上限 {max_decimals} 位）(figure too precise: {decimals} decimals)")
    if max_decimals is None and decimals > 2 * MAX_DECIMALS + MAX_INTEGER_DIGITS:  # 1e-400: no value a form holds
        raise FigureError(f"数值过小（{str(shown)[:20]}）(figure too small)")
    return d


def normalize(text: str) -> str:
    """Full-width digits, point, percent and minus to ASCII; length is preserved."""
    return text.translate(_FULLWIDTH)


@dataclass(frozen=True, slots=True)
class Number:
    """A number as read from text: value, unit, and whether it was approximate (十余场)."""

    value: Decimal
    unit: str = ""
    approximate: bool = False
    raw: str = ""

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


def decimals_of(raw: str) -> int:
    """Digits written after the decimal point ("99.90" → 2, "100" → 0)."""
    s = normalize(raw)
    m = re.search(r"\.(\d+)", s)
    return len(m.group(1)) if m else 0


def half_unit(raw: str) -> Decimal:
    """Half a unit of the last written digit: the tolerance a written figure carries."""
    return Decimal(5).scaleb(-(decimals_of(raw) + 1))


def quantize(value: Decimal, places: int = 2, mode: str = "half_up") -> Decimal:
    """Round ``value`` to ``places`` decimals under a named mode (``half_up``, ``down`` …)."""
    try:
        rounding = ROUNDING_MODES[mode]
    except KeyError as exc:
        raise ValueError(f"unknown rounding mode {mode!r}; use one of {sorted(ROUNDING_MODES)}") from exc
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def _cn_to_decimal(s: str) -> Decimal:
    """A run of Chinese numerals → Decimal (一千五百 → 1500, 三点五 → 3.5, 二〇二二 → 2022)."""
    import cn2an  # imported lazily: it is only needed for Chinese numerals

    s = s.replace("两", "二")
    if s in ("十", "拾"):
        return Decimal(10)
    if s in ("百", "佰"):
        return Decimal(100)
    if s in ("千", "仟"):
        return Decimal(1000)
    if s in ("万",):
        return Decimal(10000)
    mode = "normal"
    if all(c in "零〇一二三四五六七八九" for c in s) and len(s) > 1:
        # digit-by-digit (二〇二二): cn2an's "low" mode would misread; map directly
        return Decimal("".join(str("零一二三四五六七八九".index(c)) if c != "〇" else "0" for c in s))
    try:
        value = cn2an.cn2an(s, mode)
    except (ValueError, KeyError) as exc:
        raise NumberError(f"not a Chinese numeral: {s!r}") from exc
    return Decimal(repr(value)).normalize() if isinstance(value, float) else Decimal(value)


_NUMBER_FULL = re.compile(
    r"^(?P<prefix>约|近|逾|超过|超|上|大约|将近|共约)?\s*"
    r"(?P<sign>[-−]|负)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?:\.\d+)?(?![\d])|\d+(?:\.\d+)?|[" + _CN_DIGITS + _CN_UNITS + r"]+(?:点[" + _CN_DIGITS + r"]+)?)"
    r"(?P<suffix>余|多|左右|以上|来)?"
    r"\s*(?P<unit>%|万元|亿元|千元|元|万|亿|.*)?$"
)


def parse_number(text: str) -> Number:
    """Read one written quantity: ``2,470.14万元``, ``99.9%``, ``百分之百``, ``十余场``, ``1 500``, ``-3``.

    The unit is whatever follows the number (``%``, ``万元``, ``人次`` …). A leading
    约/近/超 or a trailing 余/多/左右 sets ``approximate``. A ``万`` inside a Chinese
    numeral (一万二千) is part of the number; a trailing 万 after Arabic digits
    (12.5万) is a unit, converted by :func:`to_wan`.
    """
    raw = text
    s = normalize(text).strip()
    if not s:
        raise NumberError("empty")
    # 百分之… (percent in words)
    m = re.match(r"^(约|近)?百分之(.+?)$", s)
    if m:
        inner = m.group(2)
        value = Decimal(100) if inner in ("百", "佰", "一百") else _read_plain(inner)
        return Number(value=value, unit="%", approximate=bool(m.group(1)), raw=raw)
    m = _NUMBER_FULL.match(s)
    if not m:
        raise NumberError(f"not a number: {text!r}")
    num = m.group("num")
    unit = (m.group("unit") or "").strip()
    approx = bool(m.group("prefix")) or bool(m.group("suffix"))
    if re.match(r"^[\d, .]+$", num):
        value = D(num.replace(" ", ""))
    else:
        # Chinese numeral; a trailing 万/亿 with nothing after may be a unit (三万元 handled by cn2an)
        value = _cn_to_decimal(num)
    if m.group("sign"):
        value = -value
    return Number(value=value, unit=unit, approximate=approx, raw=raw)


def _read_plain(s: str) -> Decimal:
    s = s.strip()
    if re.match(r"^[-−]?[\d,]+(?:\.\d+)?$", s):
        return D(s)
    return _cn_to_decimal(s)


def to_wan(value: Decimal, unit: str) -> Decimal:
    """Convert an amount in ``unit`` (元, 万元, 亿元 …) to 万元."""
    try:
        factor = _UNIT_TO_WAN[unit]
    except KeyError as exc:
        raise NumberError(f"not a money unit: {unit!r}") from exc
    return value * factor if factor != 1 else value


def parse_amount(text: str, default_unit: str = "万元") -> Decimal:
    """A money amount normalised to 万元 (``15,000元`` → 1.5; ``1.2亿元`` → 12000)."""
    n = parse_number(text)
    unit = n.unit or default_unit
    return to_wan(n.value, unit)


def parse_percent(text: str) -> Decimal:
    """A percent figure as a percent number (``99.9%`` → 99.9, ``百分之百`` → 100)."""
    n = parse_number(text)
    if n.unit not in ("%", ""):
        raise NumberError(f"not a percent: {text!r}")
    return n.value


_RANGE_RE = re.compile(r"^\s*(?P<a>[^~～至到—\-]+?)\s*(?:~|～|至|到|—|-)\s*(?P<b>.+?)\s*$")


def parse_range(text: str) -> tuple[Number, Number]:
    """A range such as ``10-20人``, ``85%～90%``, ``三至五次`` → (low, high), sharing the unit."""
    s = normalize(text)
    m = _RANGE_RE.match(s)
    if not m:
        raise NumberError(f"not a range: {text!r}")
    hi = parse_number(m.group("b"))
    lo = parse_number(m.group("a"))
    if not lo.unit:
        lo = Number(lo.value, hi.unit, lo.approximate, lo.raw)
    return lo, hi
