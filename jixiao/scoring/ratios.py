"""The evaluation's ratios as the rules use them, always on the framework's base.

A framework defines each ratio (``ratios:`` in its YAML): the names it goes by, the budget slots it is
computed from and so its base (年初 / 调整后). :class:`RatioIndex` finds a ratio once per evaluation:
from the budget figures on the framework's base when the evaluation has them, else from a ratio the report
states with its inputs — on the framework's base when the report gives that denominator, never on another
— else the stated figure alone. A report that states the ratio on another base gets a ``definition``
problem naming both; a zero or negative input gets an ``input`` error and no rate (nothing is scored from
it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.model import input_problem
from jixiao.scoring.fmt import num, pct
from jixiao.scoring.quantity import parse_quantity
from jixiao.scoring.registry import HUNDRED, SLOT_BASE, Scale, norm_name

QUARTERS = ("一", "二", "三", "四")
_SIX = Decimal("0.000001")
_QUARTER_RE = re.compile(r"(?:第)?([一二三四1234])季度|[Qq]([1-4])")
_QUARTER_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

#: Budget slots of one base and their counterpart on the other (年初 ↔ 调整后), to recognise a stated
#: ratio's denominator.
_OTHER_SLOT = {"initial": "adjusted", "adjusted": "initial", "public_initial": "public_adjusted",
               "public_adjusted": "public_initial"}
SLOT_LABEL = {"initial": "年初预算数", "adjusted": "调整后预算数", "executed": "执行数", "public": "公用经费支出",
              "public_initial": "公用经费年初预算", "public_adjusted": "公用经费调整后预算",
              "carryover_end": "年末结转结余", "adjustment": "预算调整数", "basic": "基本支出",
              "project": "项目支出", "personnel": "人员经费", "staffing.actual": "实有人数",
              "staffing.authorized": "编制数", "execution_rate": "预算执行率", "adjustment_rate": "预算调整率"}


def ratio_base(d: Any) -> str | None:
    """The framework's base of a ratio definition: its ``base``, else the one its denominator slot implies."""
    return d.base or SLOT_BASE.get(d.budget_denominator or "")


@dataclass(slots=True)
class RateValue:
    """A ratio as the rules use it: the exact percent value and how it was obtained (not frozen: hot path)."""

    label: str
    value: Decimal  # percent, unrounded
    stated: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    base: str | None = None  # which denominator (年初 / 调整后 …) when chosen by the framework

    @property
    def computed(self) -> bool:
        return self.numerator is not None

    def show(self, fw: Scale) -> str:
        """``政府采购执行率 99.99%（155.586/155.591）`` with the framework's rounding."""
        shown = pct(fw.round(self.value))
        if self.numerator is None:
            return f"{self.label} {shown}（自评所述）"
        base = f"，{self.base}" if self.base else ""
        return f"{self.label} {shown}（{num(self.numerator)}/{num(self.denominator)}{base}）"

    def working(self) -> str:
        """The ratio as it enters a formula: ``155.586 / 155.591`` or ``93.58%``."""
        if self.numerator is None:
            return pct(self.value)
        return f"{num(self.numerator)} / {num(self.denominator)}"

    def inputs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ratio": self.label, "rate": self.value.quantize(_SIX).normalize()}
        if self.numerator is not None:
            out["numerator"] = self.numerator
            out["denominator"] = self.denominator
        if self.base:
            out["base"] = self.base
        if self.stated is not None:
            out["stated_rate"] = self.stated
        return out


@dataclass(frozen=True, slots=True)
class RatioProblem:
    """Something the scoring found about a ratio's inputs (surfaced on the first item that used it)."""

    severity: str
    kind: str  # definition / input
    message: str
    stated: str | None = None
    recomputed: str | None = None
    arithmetic: str | None = None
    where: str | None = None  # the evaluation field it is about (for its evidence)


class RatioIndex:
    """The evaluation's ratios, found by the framework's synonym lists; built once per evaluation."""

    __slots__ = ("ev", "fw", "ctx", "_names", "_exact", "_cache", "_qcache", "pending", "invalid")

    def __init__(self, ev: Any, fw: Scale):
        self.ev = ev
        self.fw = fw
        self.ctx: Any = None
        self._names: list[tuple[str, Any, int]] | None = None  # (normalised name, Ratio, quarter or 0)
        self._exact: dict[str, Any] = {}
        self._cache: dict[str, RateValue | None] = {}
        self._qcache: dict[str, dict[int, RateValue]] = {}
        #: problems found by lookups since the engine last collected them
        self.pending: list[RatioProblem] = []
        #: ratio key → why it cannot be computed (zero or negative input)
        self.invalid: dict[str, str] = {}

    def _all(self) -> list[tuple[str, Any, int]]:
        if self._names is None:
            names = []
            for r in self.ev.other_rates:
                n = norm_name(r.name)
                m = _QUARTER_RE.search(n)
                names.append((n, r, _QUARTER_NUM[m.group(1) or m.group(2)] if m else 0))
                self._exact.setdefault(n, r)
            self._names = names
        return self._names

    def _find(self, synonyms: tuple[str, ...]) -> Any:
        entries = self._all()
        if not entries:
            return None
        exact = self._exact
        for syn in synonyms:
            r = exact.get(syn)
            if r is not None:
                return r
        for syn in synonyms:
            for n, r, q in entries:
                if not q and n.endswith(syn):
                    return r
        return None

    def rate(self, key: str) -> RateValue | None:
        try:
            return self._cache[key]
        except KeyError:
            pass
        d = self.fw.ratios[key]
        if d.from_row:
            return self._row(d)  # one per row: not cached
        out = self._cache[key] = self._rate(key)
        return out

    def _row(self, d: Any) -> RateValue | None:
        """The scored row's actual value as a percent rate (``满意度 96%``)."""
        row = self.ctx.row if self.ctx is not None else None
        text = (row.actual or "").replace("％", "%") if row is not None else ""
        if "%" not in text:
            return None
        q = parse_quantity(text)
        if q is None or q[1] < 0:
            return None
        return RateValue(f"{row.name}", q[1], q[1])

    def _rate(self, key: str) -> RateValue | None:
        d = self.fw.ratios[key]
        r = self._find(d.synonyms)
        base = d.base or ratio_base(d)
        if d.budget_numerator:
            n, den = self._budget(d.budget_numerator), self._budget(d.budget_denominator)
            if n is not None and den is not None:
                bad = self._check_inputs(key, d, n, den, "budget")
                if bad:
                    return None
                stated_rate = r.stated if r is not None else self._budget(d.budget_stated)
                out = RateValue(d.label, n * HUNDRED / den, stated_rate, n, den, base)
                if r is not None:
                    self._compare_stated(d, r, out)
                return out
        if r is not None:
            return self._from_ratio(key, d, r, base)
        if d.budget_stated:
            v = self._budget(d.budget_stated)
            if v is not None and not self._stated_on_other_base(d, v, base):
                return RateValue(d.label, v, v)
        return None

    def _from_ratio(self, key: str, d: Any, r: Any, base: str | None) -> RateValue | None:
        """A stated ratio: on the framework's base if the report gives that denominator, never on another."""
        if base and base in r.bases and r.numerator is not None:
            den = r.bases[base]
            if self._check_inputs(key, d, r.numerator, den, r):
                return None
            return RateValue(d.label, r.numerator * HUNDRED / den, r.stated, r.numerator, den, base)
        if r.numerator is not None and r.denominator is not None:
            other = self._other_base_of(d, r.denominator, base)
            if other is not None:
                self.pending.append(RatioProblem(
                    "info", "missing",
                    f"{r.name} 写为 {pct(r.stated)}（{num(r.numerator)}/{num(r.denominator)}，{other}口径），"
                    f"框架按{base}口径计算，文中缺少{base}的分母，未按该比率计分",
                    stated=pct(r.stated), arithmetic=f"{num(r.numerator)} / {num(r.denominator)}（{other}）",
                    where=self._where(r)))
                self.invalid[key] = f"{d.label}只给出{other}口径，框架按{base}口径计分"
                return None
            if self._check_inputs(key, d, r.numerator, r.denominator, r):
                return None
            return RateValue(d.label, r.numerator * HUNDRED / r.denominator, r.stated, r.numerator, r.denominator)
        return RateValue(d.label, r.stated, r.stated)

    def _check_inputs(self, key: str, d: Any, n: Decimal, den: Decimal, source: Any) -> bool:
        """A negative input or a zero denominator: an ``input`` error and no rate. ``source`` is ``"budget"``
        (the slots) or the stated ratio the inputs come from."""
        if den > 0 and n >= 0:
            return False  # the usual case, decided without a word
        where = source if source == "budget" else self._where(source)

        def at(slot: str | None) -> str:
            return f"budget.{slot}" if where == "budget" and slot and "." not in slot else where

        for slot, v in ((d.budget_numerator, n), (d.budget_denominator, den)):
            msg = input_problem(slot or "", v) if slot else None
            if msg:
                return self._invalid(key, f"{msg}，无法计算{d.label}", at(slot))
        if den == 0:
            what = SLOT_LABEL.get(d.budget_denominator or "", "分母")
            return self._invalid(key, f"{what}为 0，无法计算{d.label}（{num(n)}/0）", at(d.budget_denominator))
        if den < 0:
            return self._invalid(key, f"分母 {num(den)} 为负数，无法计算{d.label}", at(d.budget_denominator))
        return False

    def _invalid(self, key: str, message: str, where: str | None = None) -> bool:
        self.invalid[key] = message
        self.pending.append(RatioProblem("error", "input", message, where=where))
        return True

    def _where(self, r: Any) -> str:
        i = next((i for i, x in enumerate(self.ev.other_rates) if x is r), None)
        return f"other_rates[{i}].stated" if i is not None else "other_rates"

    def _compare_stated(self, d: Any, r: Any, out: RateValue) -> None:
        """A stated ratio computed on another denominator than the framework's: a ``definition`` warning."""
        if r.numerator is None or r.denominator is None or r.denominator == out.denominator or not r.denominator:
            return
        other = self._other_base_of(d, r.denominator, out.base) or "另一"
        theirs = r.numerator * HUNDRED / r.denominator
        if abs(theirs - out.value) < Decimal("0.005"):
            return
        self.pending.append(RatioProblem(
            "warning", "definition",
            f"{r.name} 按{other}口径写为 {pct(r.stated)}（{num(r.numerator)}/{num(r.denominator)}），框架按"
            f"{out.base or '框架'}口径计分：{num(out.numerator)}/{num(out.denominator)} = "
            f"{pct(self.fw.round(out.value))}",
            stated=pct(r.stated), recomputed=pct(self.fw.round(out.value)),
            arithmetic=f"{num(out.numerator)} / {num(out.denominator)} × 100% = {pct(self.fw.round(out.value))}"
                       f"（{out.base or '框架'}口径）；{num(r.numerator)} / {num(r.denominator)}（{other}口径）",
            where=self._where(r)))

    def _other_base_of(self, d: Any, den: Decimal, base: str | None) -> str | None:
        """The other base a stated denominator is known to be (a budget slot of the other base), else None."""
        if not base:
            return None
        slot = d.budget_denominator
        other_slot = _OTHER_SLOT.get(slot or "")
        if other_slot is None:
            for label in ("年初", "调整后"):
                if label != base:
                    return label if den in self._bases_of(label) else None
            return None
        v = self._budget(other_slot)
        if v is not None and v == den and v != self._budget(slot):
            return SLOT_BASE.get(other_slot)
        return None

    def _bases_of(self, label: str) -> tuple[Decimal, ...]:
        b = self.ev.budget
        if label == "年初":
            return tuple(x for x in (b.initial, b.public_initial) if x is not None)
        return tuple(x for x in (b.adjusted, b.public_adjusted) if x is not None)

    def _stated_on_other_base(self, d: Any, v: Decimal, base: str | None) -> bool:
        """A stated 执行率 used for a 年初-base ratio while it measures the adjusted budget: not used."""
        if not base or d.budget_denominator is None or d.budget_numerator is None:
            return False
        other = _OTHER_SLOT.get(d.budget_denominator)
        n, den = self._budget(d.budget_numerator), self._budget(other) if other else None
        if n is None or not den or den <= 0:
            return False
        if abs(n * HUNDRED / den - v) <= Decimal("0.5"):
            self.pending.append(RatioProblem(
                "info", "missing",
                f"文中{SLOT_LABEL.get(d.budget_stated or '', d.label)} {pct(v)} 按{SLOT_BASE.get(other or '')}口径"
                f"计算（{num(n)}/{num(den)}），框架按{base}口径计分，缺少{base}的分母，未按该比率计分",
                stated=pct(v), arithmetic=f"{num(n)} / {num(den)} × 100% ≈ {pct(v)}",
                where=f"budget.{d.budget_stated}"))
            self.invalid[d.key] = f"{d.label}只有{SLOT_BASE.get(other or '')}口径的数字，框架按{base}口径计分"
            return True
        return False

    def _budget(self, attr: str | None) -> Decimal | None:
        if attr is None:
            return None
        if attr.startswith("staffing."):
            n = getattr(self.ev.staffing, attr[9:], None)
            return None if n is None else Decimal(n)
        v = getattr(self.ev.budget, attr, None)
        if v is None and len(self.ev.projects) == 1:
            # a project self-evaluation may give its figures only on the project row
            p = self.ev.projects[0]
            v = {"adjusted": p.budget, "executed": p.executed, "execution_rate": p.execution_rate}.get(attr)
        return v

    def quarters(self, key: str) -> dict[int, RateValue]:
        try:
            return self._qcache[key]
        except KeyError:
            pass
        d = self.fw.ratios[key]
        out: dict[int, RateValue] = {}
        for n, r, q in self._all():
            if not q or q in out or not any(syn in n for syn in d.synonyms):
                continue
            if r.numerator is not None and r.denominator:
                out[q] = RateValue(f"{QUARTERS[q - 1]}季度{d.label}", r.numerator * HUNDRED / r.denominator,
                                   r.stated, r.numerator, r.denominator)
            else:
                out[q] = RateValue(f"{QUARTERS[q - 1]}季度{d.label}", r.stated, r.stated)
        self._qcache[key] = out
        return out
