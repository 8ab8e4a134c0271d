"""Property tests of the number reader (hypothesis, from the ``[test]`` extra: skipped without it)."""

from decimal import Decimal

import pytest

pytest.importorskip("hypothesis")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from jixiao.numbers import normalize, parse_number  # noqa: E402


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False))
def test_written_amount_round_trips(d):
    """Any 2-decimal amount written with thousands separators reads back exactly."""
    text = f"{d:,.2f}万元"
    assert parse_number(text).value == d


@given(st.integers(min_value=0, max_value=10**12))
def test_fullwidth_digits_read_like_ascii(n):
    ascii_text = str(n)
    full = "".join(chr(ord(c) + 0xFEE0) for c in ascii_text)
    assert parse_number(full).value == parse_number(ascii_text).value == Decimal(n)
    assert len(normalize(full)) == len(full)  # offsets are preserved


@given(st.integers(min_value=1, max_value=99999))
def test_chinese_numerals_match_arabic(n):
    import cn2an

    words = cn2an.an2cn(n)
    assert parse_number(words).value == Decimal(n)
