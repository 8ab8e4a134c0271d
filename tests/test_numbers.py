from decimal import Decimal

import pytest

from jixiao.numbers import (
    D,
    NumberError,
    decimals_of,
    half_unit,
    parse_amount,
    parse_number,
    parse_percent,
    parse_range,
    quantize,
)


@pytest.mark.parametrize(
    ("text", "value", "unit", "approx"),
    [
        ("2,470.14万元", "2470.14", "万元", False),
        ("99.9%", "99.9", "%", False),
        ("百分之百", "100", "%", False),
        ("百分之九十八点五", "98.5", "%", False),
        ("十余场", "10", "场", True),
        ("一千五百", "1500", "", False),
        ("1 500", "1500", "", False),
        ("-3", "-3", "", False),
        ("负12", "-12", "", False),
        ("１２３．５％", "123.5", "%", False),
        ("约 23 万人次", "23", "万人次", True),
        ("千余箱", "1000", "箱", True),
        ("二〇二二", "2022", "", False),
        ("三点五", "3.5", "", False),
        ("5,756人次", "5756", "人次", False),
    ],
)
def test_parse_number_examples(text, value, unit, approx):
    n = parse_number(text)
    assert n.value == Decimal(value)
    assert n.unit == unit
    assert n.approximate is approx


def test_amounts_normalise_to_wan():
    assert parse_amount("15,000元") == Decimal("1.5")
    assert parse_amount("1.2亿元") == Decimal("12000")
    assert parse_amount("675.58") == Decimal("675.58")
    assert parse_percent("百分之百") == Decimal(100)


def test_range_shares_unit():
    lo, hi = parse_range("10-20人")
    assert (lo.value, hi.value, lo.unit) == (Decimal(10), Decimal(20), "人")
    lo, hi = parse_range("85%～90%")
    assert (lo.value, hi.value) == (Decimal(85), Decimal(90))


def test_float_is_refused_and_garbage_raises():
    with pytest.raises(TypeError):
        D(0.1)
    with pytest.raises(NumberError):
        parse_number("不详")


def test_rounding_modes_at_the_half():
    assert quantize(Decimal("1.995"), 2, "half_up") == Decimal("2.00")
    assert quantize(Decimal("1.995"), 2, "down") == Decimal("1.99")
    assert quantize(Decimal("0.3852"), 2, "down") == Decimal("0.38")
    assert half_unit("99.96") == Decimal("0.005") and half_unit("100") == Decimal("0.5")
    assert decimals_of("2,500.65") == 2
