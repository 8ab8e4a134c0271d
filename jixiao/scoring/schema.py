"""The framework file as pydantic models (validated through :mod:`jixiao.yamlschema`, the one YAML path).

Rule parameters are not described here: each rule kind owns its model (:class:`~.registry.RuleParams`
subclasses in :mod:`.rules`), and a leaf's ``rule:`` is their union, told apart by ``kind``. The union is
built when the first framework is read, from the kinds registered by then.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Annotated, Any, Union

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from jixiao.numbers import ROUNDING_MODES
from jixiao.scoring.params import non_empty
from jixiao.scoring.registry import RULES
from jixiao.yamlschema import Bool, Num, Strict, Style, Text, Words, choice, hint

TAGS = ("V", "S", "M", "I")
BUDGET_ATTRS = ("initial", "adjusted", "executed", "execution_rate", "basic", "project", "personnel", "public",
                "carryover_start", "carryover_end", "adjustment", "adjustment_rate", "initial_basic",
                "initial_project", "public_initial", "public_adjusted", "staffing.actual", "staffing.authorized")
Tag = choice(*TAGS)
Slot = choice(*BUDGET_ATTRS)


def _weight(v: Any) -> Any:
    if isinstance(v, int | Decimal) and not isinstance(v, bool) and v < 0:
        raise PydanticCustomError("jx", "权重不能为负")
    return v


Weight = Annotated[Num, BeforeValidator(_weight)]


class BudgetSlots(Strict):
    numerator: Slot | None = None
    denominator: Slot | None = None
    stated: Slot | None = None

    @model_validator(mode="after")
    def _pair(self) -> BudgetSlots:
        if (self.numerator is None) != (self.denominator is None):
            raise PydanticCustomError("jx", "numerator 与 denominator 须同时给出")
        return self


class RatioSpec(Strict):
    label: Text | None = None
    synonyms: Words = ()
    base: Text | None = None
    budget: BudgetSlots | None = None
    tag: Tag | None = None
    note: Text | None = None


class Grades(Strict):
    优: Num | None = None
    良: Num | None = None
    中: Num | None = None
    差: Num | None = None
    合格: Num | None = None
    不合格: Num | None = None
    较好: Num | None = None
    一般: Num | None = None
    较差: Num | None = None
    好: Num | None = None


def _shorthand(v: Any) -> Any:
    """``rule: stated`` is ``rule: {kind: stated}``; anything but a name or a mapping is not a rule."""
    if isinstance(v, str):
        return {"kind": v}
    if not isinstance(v, dict):
        raise PydanticCustomError("jx", "应为计分规则（kind 加参数）")
    return v


@functools.cache
def file_model() -> type[Strict]:
    """The model of a framework file, with the rule kinds registered so far (built once)."""
    kinds = tuple(k.model for k in RULES.values())
    RuleField = Annotated[Union[kinds], Field(discriminator="kind"), BeforeValidator(_shorthand)]  # noqa: UP007

    class NodeSpec(Strict):
        name: Text
        weight: Weight
        aliases: Words = ()
        rule: RuleField | None = None  # type: ignore[valid-type]
        user_defined: RuleField | None = None  # type: ignore[valid-type]
        children: Annotated[tuple[NodeSpec, ...], non_empty("应为非空的指标列表")] | None = None
        tag: Tag | None = None
        source: Text | None = None
        note: Text | None = None

        @model_validator(mode="after")
        def _shape(self) -> NodeSpec:
            shapes = [k for k in ("rule", "children", "user_defined") if getattr(self, k) is not None]
            if len(shapes) != 1:
                raise PydanticCustomError("jx", "须有且只有 rule、children、user_defined 之一"
                                          + (f"（现有 {', '.join(shapes)}）" if shapes else ""))
            if self.children:
                s = sum((c.weight for c in self.children), Decimal(0))
                if s != self.weight:
                    raise PydanticCustomError("jx", f"子指标权重合计 {s} ≠ 分值 {self.weight}（{self.name}）",
                                              {"at": "weight"})
            return self

    NodeSpec.model_rebuild(_types_namespace={"NodeSpec": NodeSpec, "RuleField": RuleField})

    class FrameworkFile(Strict):
        id: Text | None = None
        name: Text | None = None
        description: Text | None = None
        scope: choice("department", "project") | None = None  # type: ignore[valid-type]
        source: Text | None = None
        tag: Tag | None = None
        weights_source: Text | None = None
        rounding: choice(*sorted(ROUNDING_MODES)) = "half_up"  # type: ignore[valid-type]
        places: Num | None = None
        total: Num | None = None
        grades: Grades | None = None
        ratios: dict[str, RatioSpec] = {}
        tree: Annotated[tuple[NodeSpec, ...], non_empty("应为非空的指标列表")] | None = None
        not_applicable: Words = ()
        rescale_not_applicable: Bool = False
        scored: Bool = True
        reason: Text | None = None
        forms: Words = ()

    FrameworkFile.model_rebuild(_types_namespace={"NodeSpec": NodeSpec})
    return FrameworkFile


def _unknown_param(kind: str, key: str, allowed: tuple[str, ...]) -> str:
    spec = [a for a in allowed if a not in ("kind", "tag", "note", "source")]
    return f"规则 {kind} 没有参数 '{key}'" + (hint(key, spec) or (f"；可用: {', '.join(spec)}" if spec else ""))


STYLE = Style(tagged=frozenset({"rule", "user_defined"}), unknown_param=_unknown_param,
              missing_param=lambda kind, key: f"规则 {kind} 缺少必填参数 {key}",
              not_list="应为非空的指标列表", tags=lambda: RULES.keys())
