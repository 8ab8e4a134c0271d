"""Parameter types shared by the rule kinds' models (ratio names, bands, checklist items, quarter targets)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from jixiao.scoring.registry import param
from jixiao.yamlschema import Num, Strict, Text, Words, choice, hint


def _known_ratio(v: str, info: ValidationInfo) -> str:
    ratios = (info.context or {}).get("ratios")
    if ratios is not None and v not in ratios:
        raise PydanticCustomError("jx", "比率 '{s}' 未在 ratios 中定义" + hint(v, ratios), {"s": v})
    return v


#: A ratio named in the framework's ``ratios:`` (checked against them while loading).
RatioName = Annotated[Text, AfterValidator(_known_ratio)]


class Band(Strict):
    """One band of a ``bands`` rule: bounds in percent, and the score or the deduction it gives."""

    from_: Num | None = param(None, alias="from")
    above: Num | None = None
    upto: Num | None = None
    below: Num | None = None
    score: Num | None = None
    deduct: Num | None = None
    tag: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_outcome(self) -> Band:
        if (self.score is None) == (self.deduct is None):
            raise PydanticCustomError("jx", "须有且只有 score 或 deduct 之一")
        return self


class CheckItem(Strict):
    name: Text
    points: Num
    keywords: Words


class QuarterTargets(Strict):
    """``{1: 25, 2: 50, …}``: each quarter's own 序时 target (percent)."""

    q1: Num | None = param(None, alias="1")
    q2: Num | None = param(None, alias="2")
    q3: Num | None = param(None, alias="3")
    q4: Num | None = param(None, alias="4")

    def by_quarter(self) -> dict[int, Decimal]:
        return {q: v for q, v in enumerate((self.q1, self.q2, self.q3, self.q4), 1) if v is not None}


def non_empty(message: str):
    def check(v: Any) -> Any:
        if not isinstance(v, list) or not v:
            raise PydanticCustomError("jx", message)
        return v

    return BeforeValidator(check)


Direction = choice("above", "below")
Variant = choice("ratio", "linear")

