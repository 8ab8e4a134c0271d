"""The rule kinds: one registry, one small function per kind.

A framework leaf names a kind and its parameters; the loader validates the
parameters against :data:`RULES` (so a typo is reported with file and line) and
converts numbers to ``Decimal`` once. At scoring time the engine hands each rule
a :class:`Ctx` (the weight, the stated score, the indicator row and lazy access
to the evaluation's ratios) and gets back an :class:`Outcome` that explains
itself: inputs, the formula with numbers filled in, and a Chinese reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jixiao.numbers import NumberError, parse_number
from jixiao.scoring.fmt import frac, num, pct

if TYPE_CHECKING:
    from jixiao.model import Evaluation, Indicator
    from jixiao.scoring.framework import Framework

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
QUARTERS = ("一", "二", "三", "四")


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a rule kind: its type (number, str, bool, ratio, choice, bands, items, words,
    quarter_targets), whether it is required, its default."""

    type: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True, slots=True)
class RuleKind:
    name: str
    fn: Callable[[Ctx, Mapping[str, Any]], Outcome]
    params: Mapping[str, Param]
    title: str  # Chinese one-liner for docs and `frameworks show`
    recomputes: bool = True


RULES: dict[str, RuleKind] = {}


def rule_kind(name: str, title: str, recomputes: bool = True, **params: Param):
    """Register a rule function under ``name`` with its parameter specification."""

    def deco(fn: Callable[[Ctx, Mapping[str, Any]], Outcome]) -> Callable[[Ctx, Mapping[str, Any]], Outcome]:
        RULES[name] = RuleKind(name, fn, params, title, recomputes)
        return fn

    return deco


# --------------------------------------------------------------------------- context and outcome


@dataclass(slots=True)
class Outcome:
    """A rule's answer. The texts may come later: ``explain`` builds (formula, reason) on demand, so
    scoring many evaluations does not pay for explanations nobody reads."""

    score: Decimal | None
    rule: str
    inputs: dict[str, Any]
    formula: str | None
    reason: str | None
    recomputed: bool
    problems: list[tuple[str, str]] = field(default_factory=list)  # (severity, Chinese message)
    explain: Callable[[], tuple[str, str]] | None = None

    def text(self) -> tuple[str, str] | Callable[[], tuple[str, str]]:
        """(formula, reason), or the function that will make them."""
        return self.explain if self.explain is not None else (self.formula or "", self.reason or "")


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

    def show(self, fw: Framework) -> str:
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
        out: dict[str, Any] = {"ratio": self.label, "rate": self.value.quantize(Decimal("0.000001")).normalize()}
        if self.numerator is not None:
            out["numerator"] = self.numerator
            out["denominator"] = self.denominator
        if self.base:
            out["base"] = self.base
        if self.stated is not None:
            out["stated_rate"] = self.stated
        return out


class Ctx:
    """What a rule sees for one item. Ratio lookups go through the per-evaluation index."""

    __slots__ = ("name", "weight", "stated", "row", "ev", "fw", "_index")

    def __init__(self, name: str, weight: Decimal, stated: Decimal | None, row: Indicator | None,
                 ev: Evaluation, fw: Framework, index: RatioIndex):
        self.name = name
        self.weight = weight
        self.stated = stated
        self.row = row
        self.ev = ev
        self.fw = fw
        self._index = index

    def rate(self, key: str) -> RateValue | None:
        return self._index.rate(key)

    def quarters(self, key: str) -> dict[int, RateValue]:
        return self._index.quarters(key)


def norm_name(s: str) -> str:
    """Names compared without whitespace and quotes (“三公”经费 → 三公经费); memoised, names repeat."""
    try:
        return _NORM[s]
    except KeyError:
        if len(_NORM) > 50_000:
            _NORM.clear()
        out = _NORM[s] = _NAME_STRIP.sub("", s)
        return out


_NORM: dict[str, str] = {}


_NAME_STRIP = re.compile(r"[\s“”\"'‘’「」『』]+")
_QUARTER_RE = re.compile(r"(?:第)?([一二三四1234])季度|[Qq]([1-4])")
_QUARTER_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


class RatioIndex:
    """The evaluation's ratios, found by the framework's synonym lists; built once per evaluation."""

    __slots__ = ("ev", "fw", "ctx", "_names", "_exact", "_cache", "_qcache")

    def __init__(self, ev: Evaluation, fw: Framework):
        self.ev = ev
        self.fw = fw
        self.ctx: Ctx | None = None
        self._names: list[tuple[str, Any, int]] | None = None  # (normalised name, Ratio, quarter or 0)
        self._exact: dict[str, Any] = {}
        self._cache: dict[str, RateValue | None] = {}
        self._qcache: dict[str, dict[int, RateValue]] = {}

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
        r = self._find(d.synonyms)
        out: RateValue | None = None
        # a framework that names a base prefers the budget slots over a ratio stated on another base
        budget_first = bool(d.base and d.budget_numerator and (r is None or d.base not in r.bases))
        if r is not None and not budget_first:
            out = self._from_ratio(d, r)
        if out is None and d.budget_numerator:
            n, den = self._budget(d.budget_numerator), self._budget(d.budget_denominator)
            if n is not None and den:
                stated_rate = r.stated if r is not None else self._budget(d.budget_stated)
                out = RateValue(d.label, n * HUNDRED / den, stated_rate, n, den, d.base)
        if out is None and r is not None and budget_first:
            out = self._from_ratio(d, r)
        if out is None and r is not None:
            out = RateValue(d.label, r.stated, r.stated)
        if out is None and d.budget_stated:
            v = self._budget(d.budget_stated)
            if v is not None:
                out = RateValue(d.label, v, v)
        self._cache[key] = out
        return out

    @staticmethod
    def _from_ratio(d: Any, r: Any) -> RateValue | None:
        den, base = r.denominator, None
        if d.base and d.base in r.bases:
            den, base = r.bases[d.base], d.base
        if r.numerator is not None and den:
            return RateValue(d.label, r.numerator * HUNDRED / den, r.stated, r.numerator, den, base)
        return None

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


# --------------------------------------------------------------------------- shared helpers


def raw_text(raw: Decimal) -> str:
    """An unrounded working figure, cut (not rounded) to 6 decimals so the arrow never lies."""
    if raw == raw.quantize(_SIX):
        return num(raw)
    return num(raw.quantize(_SIX, rounding="ROUND_DOWN")) + "…"


_SIX = Decimal("0.000001")


def _shown(fw: Framework, raw: Decimal, s: Decimal) -> str:
    """``1.999935… → 1.99（去尾）`` when rounding changed the figure, else just the figure."""
    if s == raw:
        return num(s)
    return f"{raw_text(raw)} → {num(s)}（{fw.rounding_label}）"


def _verdict(w: Decimal, s: Decimal, what: str, how: str = "") -> str:
    """``…，按比例得 1.99 分，扣 0.01 分`` / ``…，得满分 2 分``."""
    if s >= w:
        return f"{what}，得满分 {num(w)} 分"
    return f"{what}，{how}得 {num(s)} 分，扣 {num(w - s)} 分"


def _missing(ctx: Ctx, rule: str, what: str) -> Outcome:
    """No inputs: fall back to the stated score, marked as not recomputed."""
    out = stated(ctx, {})
    out.reason = f"缺少{what}，未按规则（{rule}）重算；" + out.reason.removeprefix("判断项，")
    return out


def check_range(ctx: Ctx, s: Decimal | None) -> list[tuple[str, str]]:
    if s is None:
        return []
    if s > ctx.weight:
        return [("error", f"得分 {num(s)} 超过分值 {num(ctx.weight)}")]
    if s < 0:
        return [("error", f"得分 {num(s)} 为负数")]
    return []


def _prop_core(w: Decimal, fw: Framework, a: Decimal, t: Decimal):
    """w × min(a/t, 1) → (score, text maker taking (a_txt, t_txt))."""
    if a < 0:
        a = ZERO  # P-Q4: a negative actual counts as 0
    if t <= 0:
        return w, lambda a_txt, t_txt: f"目标 {t_txt} ≤ 0，实际 {a_txt} 视为达成 → {num(w)}"
    ratio = a / t
    if ratio >= 1:
        return w, lambda a_txt, t_txt: f"{_prop_head(w, a_txt, t_txt)} = {num(w)} × 1 = {num(w)}"
    raw = w * ratio
    s = fw.round(raw)
    return s, lambda a_txt, t_txt: (f"{_prop_head(w, a_txt, t_txt)} = {num(w)} × {frac(ratio)} = "
                                    f"{_shown(fw, raw, s)}")


def _prop_head(w: Decimal, a_txt: str, t_txt: str) -> str:
    if a_txt.startswith("("):  # a computed ratio against 100 %: w × min(n / d, 100%)
        return f"{num(w)} × min{a_txt[:-1]}, 100%)"
    return f"{num(w)} × min({a_txt} / {t_txt}, 1)"


def _reverse_core(w: Decimal, fw: Framework, a: Decimal, t: Decimal, variant: str):
    if a < 0:
        a = ZERO
    if a <= t:
        return w, lambda a_txt, t_txt: f"实际 {a_txt} ≤ 目标 {t_txt} → {num(w)}"
    if t <= 0:
        return ZERO, lambda a_txt, t_txt: f"目标 {t_txt} ≤ 0 而实际 {a_txt} > 目标 → 0"
    if variant == "linear":
        if a >= 2 * t:
            return ZERO, lambda a_txt, t_txt: f"实际 {a_txt} ≥ 2 × 目标 {t_txt} → 0"
        raw = w * (ONE - (a - t) / t)
        s = fw.round(raw)
        return s, lambda a_txt, t_txt: f"{num(w)} × (1 − ({a_txt} − {t_txt}) / {t_txt}) = {_shown(fw, raw, s)}"
    raw = w * t / a
    s = fw.round(raw)
    return s, lambda a_txt, t_txt: f"{num(w)} × {t_txt} / {a_txt} = {num(w)} × {frac(t / a)} = {_shown(fw, raw, s)}"


def _row_numbers(ctx: Ctx) -> tuple[str, Decimal, Decimal, str, str] | None:
    """(comparator, actual, target, actual text, target text) of a quantitative indicator row."""
    row = ctx.row
    if row is None or not row.target or not row.actual:
        return None
    tq = parse_quantity(row.target)
    aq = parse_quantity(row.actual)
    if tq is None or aq is None:
        return None
    comp = NATURES.get((row.nature or "").strip()) or tq[0] or ">="
    return comp, aq[1], tq[1], aq[2], tq[2]


def _value_and_target(ctx: Ctx, p: Mapping[str, Any]):
    """Inputs of the proportional family: a framework ratio against ``target``, or the row's figures.

    Returns (a, t, inputs, labels) where ``labels()`` gives (a_txt, t_txt, label) when a text is wanted.
    """
    key = p.get("ratio")
    if key:
        rv = ctx.rate(key)
        if rv is None:
            return None
        t = p.get("target") or HUNDRED
        fw = ctx.fw
        if t == HUNDRED and rv.computed:
            return rv.value, t, rv.inputs(), lambda: (f"({rv.working()})", "100%", rv.show(fw))
        return rv.value, t, rv.inputs(), lambda: (pct(rv.value), pct(t), rv.show(fw))
    nums = _row_numbers(ctx)
    if nums is None:
        return None
    _, a, t, a_txt, t_txt = nums
    name, row = ctx.name, ctx.row
    return a, t, {"actual": a, "target": t}, lambda: (a_txt, t_txt, f"{name}：实际 {row.actual}，目标 {row.target}")


# --------------------------------------------------------------------------- rule kinds

_P_RATIO = Param("ratio", help="框架 ratios 中的比率名；省略时取指标行的目标值与实际值")
_P_TARGET = Param("number", help="目标值（比率时为百分数，默认 100）")


def _against_target(ctx: Ctx, p: Mapping[str, Any], kind: str, core: Any, *verdict: str) -> Outcome:
    """An actual value scored against its target by ``core(w, a, t) -> (score, formula)``."""
    got = _value_and_target(ctx, p)
    if got is None:
        return _missing(ctx, kind, "实际值或目标值")
    a, t, inputs, labels = got
    w = ctx.weight
    s, formula = core(w, a, t)

    def explain() -> tuple[str, str]:
        a_txt, t_txt, label = labels()
        return formula(a_txt, t_txt), _verdict(w, s, label, *verdict)

    return Outcome(s, kind, inputs, None, None, True, [], explain)


@rule_kind("proportional", "正向指标按比例得分（实际/目标，封顶）", ratio=_P_RATIO, target=_P_TARGET)
def proportional(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    return _against_target(ctx, p, "proportional", lambda w, a, t: _prop_core(w, ctx.fw, a, t), "按比例")


@rule_kind("reverse", "反向指标（实际 ≤ 目标得满分，否则 w×t/a，或线性到 2t 为零）",
           ratio=_P_RATIO, target=_P_TARGET,
           variant=Param("choice", default="ratio", choices=("ratio", "linear"),
                         help="ratio: w×t/a（填报说明）；linear: w×(1−(a−t)/t)，a≥2t 为 0（S7）"))
def reverse(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    variant = p.get("variant") or "ratio"
    return _against_target(ctx, p, "reverse", lambda w, a, t: _reverse_core(w, ctx.fw, a, t, variant))


@rule_kind("equal", "等于型指标（目标为 0 时实际 ≤ 0 得满分，否则按正向计）", ratio=_P_RATIO, target=_P_TARGET)
def equal(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    got = _value_and_target(ctx, p)
    if got is None:
        return _missing(ctx, "equal", "实际值或目标值")
    a, t, inputs, labels = got
    w = ctx.weight
    if t == 0:
        full = a <= 0
        s = w if full else ZERO

        def formula(a_txt: str, t_txt: str) -> str:
            return f"目标 0，实际 {a_txt} {'≤' if full else '>'} 0 → {num(s)}"
    else:
        s, formula = _prop_core(w, ctx.fw, a, t)

    def explain() -> tuple[str, str]:
        a_txt, t_txt, label = labels()
        return formula(a_txt, t_txt), _verdict(w, s, label)

    return Outcome(s, "equal", inputs, None, None, True, [], explain)


@rule_kind("budget_execution", "预算执行率：w × min(执行数/预算数, 100%)",
           ratio=Param("ratio", default="预算执行率", help="默认 预算执行率（执行数/调整后全年预算数）"))
def budget_execution(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    rv = ctx.rate(p.get("ratio") or "预算执行率")
    if rv is None:
        return _missing(ctx, "budget_execution", "预算数与执行数")
    w, fw = ctx.weight, ctx.fw
    rate = rv.value / HUNDRED
    raw = w * rate if rate < 1 else w
    s = fw.round(raw) if rate < 1 else w

    def explain() -> tuple[str, str]:
        head = f"{num(w)} × min({rv.working()}, 100%) = {num(w)} × "
        formula = head + (f"1 = {num(w)}" if rate >= 1 else f"{frac(rate)} = {_shown(fw, raw, s)}")
        return formula, _verdict(w, s, rv.show(fw), "按比例")

    return Outcome(s, "budget_execution", rv.inputs(), None, None, True, [], explain)


def _band_text(b: Mapping[str, Any]) -> str:
    """``≤ 90%``, ``(90%, 100%]``, ``≥ 90%`` … (memoised on the band, which the loader built)."""
    t = b.get("_text")
    if t is None:
        t = b["_text"] = _band_text_of(b)  # type: ignore[index]
    return t


def _band_text_of(b: Mapping[str, Any]) -> str:
    f, a, u, bl = b.get("from"), b.get("above"), b.get("upto"), b.get("below")
    lo, lo_open = (a, True) if a is not None else (f, False)
    hi, hi_open = (bl, True) if bl is not None else (u, False)
    if lo is None and hi is None:
        return "其他情况"
    if lo is None:
        return f"{'<' if hi_open else '≤'} {pct(hi)}"
    if hi is None:
        return f"{'>' if lo_open else '≥'} {pct(lo)}"
    return f"{'(' if lo_open else '['}{pct(lo)}, {pct(hi)}{')' if hi_open else ']'}"


def _in_band(v: Decimal, b: Mapping[str, Any]) -> bool:
    f, a, u, bl = b.get("from"), b.get("above"), b.get("upto"), b.get("below")
    return ((f is None or v >= f) and (a is None or v > a) and (u is None or v <= u)
            and (bl is None or v < bl))


@rule_kind("bands", "区间计分：比率落在哪个区间得（或扣）多少分",
           ratio=Param("ratio", required=True),
           bands=Param("bands", required=True, help="[{upto|below|from|above: 百分数, score|deduct: 分}]，按顺序取第一个命中的区间"))
def bands(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    rv = ctx.rate(p["ratio"])
    if rv is None:
        return _missing(ctx, "bands", p["ratio"])
    w, fw = ctx.weight, ctx.fw
    v = fw.round(rv.value)  # the band is judged on the rate as the form shows it
    for b in p["bands"]:
        if _in_band(v, b):
            band = _band_text(b)
            if b.get("score") is not None:
                s = min(w, b["score"])
            else:
                s = max(ZERO, w - b["deduct"])

            def explain(b=b, band=band, s=s) -> tuple[str, str]:
                if b.get("score") is not None:
                    formula = f"{pct(v)} ∈ {band} → {num(s)}"
                else:
                    formula = f"{pct(v)} ∈ {band} → {num(w)} − {num(b['deduct'])} = {num(s)}"
                return formula, _verdict(w, s, f"{rv.show(fw)}，处于 {band} 区间")

            inputs = rv.inputs()
            inputs["band"] = band
            return Outcome(s, "bands", inputs, None, None, True, [], explain)
    out = _missing(ctx, "bands", f"覆盖 {pct(v)} 的区间")
    out.problems.append(("warning", f"{rv.label} {pct(v)} 不在框架的任何区间内"))
    return out


@rule_kind("steps", "超限扣分：每超出（或低于）限值若干百分点扣 x 分，扣完为止",
           ratio=Param("ratio", required=True), limit=Param("number", default=HUNDRED),
           direction=Param("choice", default="above", choices=("above", "below")),
           per=Param("number", default=ONE, help="每多少个百分点"), deduct=Param("number", required=True),
           count=Param("choice", default="exact", choices=("exact", "floor", "ceil"),
                       help="不足一档时：exact 按比例；floor 不扣；ceil 按一档扣"))
def steps(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    rv = ctx.rate(p["ratio"])
    if rv is None:
        return _missing(ctx, "steps", p["ratio"])
    w, fw, limit, per, deduct = ctx.weight, ctx.fw, p["limit"], p["per"], p["deduct"]
    v = rv.value
    gap = v - limit if p["direction"] == "above" else limit - v
    word = "超过" if p["direction"] == "above" else "低于"
    inputs = rv.inputs()
    inputs["limit"] = limit
    if gap <= 0:
        def explain_ok() -> tuple[str, str]:
            return (f"{pct(fw.round(v))} 未{word} {pct(limit)} → {num(w)}",
                    _verdict(w, w, f"{rv.show(fw)}，未{word} {pct(limit)}"))

        return Outcome(w, "steps", inputs, None, None, True, [], explain_ok)
    n = gap / per
    if p["count"] == "floor":
        n = n.to_integral_value(rounding="ROUND_FLOOR")
    elif p["count"] == "ceil":
        n = n.to_integral_value(rounding="ROUND_CEILING")
    d = fw.round(n * deduct)
    s = max(ZERO, w - d)

    def explain() -> tuple[str, str]:
        formula = (f"{num(w)} − {num(deduct)} × ({pct(fw.round(gap))} / {num(per)}) = {num(w)} − {num(d)} = "
                   f"{num(s)}" + ("（扣完为止）" if w - d < 0 else ""))
        what = f"{rv.show(fw)}，{word} {pct(limit)}，每 {num(per)} 个百分点扣 {num(deduct)} 分"
        return formula, _verdict(w, s, what)

    return Outcome(s, "steps", inputs, None, None, True, [], explain)


@rule_kind("quarterly", "季度序时进度：每季度按 系数 ×（1 − 执行率/序时目标）扣分",
           ratio=Param("ratio", required=True), per_quarter=Param("number", required=True),
           target=Param("number", default=HUNDRED, help="各季度序时目标（百分数）"),
           targets=Param("quarter_targets", help="{1: 25, 2: 50, …} 各季度不同的序时目标，覆盖 target"),
           round_deduction=Param("bool", default=True, help="先按框架舍入扣分再相减（深圳口径）"))
def quarterly(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    qs = ctx.quarters(p["ratio"])
    if not qs:
        return _missing(ctx, "quarterly", "各季度序时执行率")
    w, k, fw, name = ctx.weight, p["per_quarter"], ctx.fw, ctx.name
    targets = p.get("targets") or {}
    raw = ZERO
    low: list[tuple[int, Decimal, Decimal]] = []
    inputs: dict[str, Any] = {}
    for q in sorted(qs):
        rv = qs[q]
        t = targets.get(q, p["target"])
        inputs[rv.label] = rv.value
        if rv.value < t:
            raw += k * (t - rv.value) / t
            low.append((q, rv.value, t))
    if not low:
        def explain_ok() -> tuple[str, str]:
            return f"各季度均达到序时目标 → {num(w)}", _verdict(w, w, f"{name}：各季度序时执行率均达到序时进度")

        return Outcome(w, "quarterly", inputs, None, None, True, [], explain_ok)
    if p["round_deduction"]:
        d = fw.round(raw)
        s = max(ZERO, w - d)
    else:
        s = fw.round(max(ZERO, w - raw))

    def explain() -> tuple[str, str]:
        terms = " + ".join(f"{num(k)} × (1 − {pct(v)}/{pct(t)})" for _, v, t in low)
        if p["round_deduction"]:
            d_txt = num(d) if d == raw else f"{raw_text(raw)} → {num(d)}（{fw.rounding_label}）"
            formula = f"{num(w)} − [{terms}] = {num(w)} − {d_txt} = {num(s)}"
        else:
            formula = f"{num(w)} − [{terms}] = {_shown(fw, max(ZERO, w - raw), s)}"
        quarters = "、".join(f"{QUARTERS[q - 1]}季度 {pct(v)}" for q, v, _ in low)
        reason = (f"{quarters} 低于序时进度，每季度按 {num(k)} ×（1 − 执行率）扣分，"
                  f"合计扣 {num(w - s)} 分，得 {num(s)} 分")
        return formula, reason

    return Outcome(s, "quarterly", inputs, None, None, True, [], explain)


GRADE_A, GRADE_B, GRADE_C = "达成", "部分达成", "未达成"


def qualitative_grade(target: str | None, actual: str | None, p: Mapping[str, Any]) -> str | None:
    """达成 / 部分达成 / 未达成 from the actual text; None when it cannot be told."""
    if not actual:
        return None
    a = actual.strip()
    if any(w in a for w in p["fail_words"]):
        return GRADE_C
    if any(w in a for w in p["partial_words"]):
        return GRADE_B
    if (target and a == target.strip()) or any(w in a for w in p["pass_words"]):
        return GRADE_A
    return None


_QUAL_DEFAULTS = {
    "fail_words": ("未达成", "未完成", "未达到", "未实现", "没有完成", "较差"),
    "partial_words": ("部分达成", "部分完成", "部分实现", "一定效果"),
    "pass_words": ("达成", "完成", "达到", "实现", "全部", "基本达成", "已"),
}


@rule_kind("qualitative", "定性指标：保留自评得分，检查是否落在等级区间（达成 [80%,100%]，部分达成 [60%,80%)，未达成 [0,60%)）",
           recomputes=False,
           high=Param("number", default=Decimal("0.8")), low=Param("number", default=Decimal("0.6")),
           fail_words=Param("words", default=_QUAL_DEFAULTS["fail_words"]),
           partial_words=Param("words", default=_QUAL_DEFAULTS["partial_words"]),
           pass_words=Param("words", default=_QUAL_DEFAULTS["pass_words"]))
def qualitative(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    p = _with_defaults("qualitative", p)
    row = ctx.row
    w, s = ctx.weight, ctx.stated
    target, actual = (row.target, row.actual) if row is not None else (None, None)
    grade = qualitative_grade(target, actual, p)
    if grade is None:
        lo, hi, closed = ZERO, w, True
    elif grade == GRADE_A:
        lo, hi, closed = w * p["high"], w, True
    elif grade == GRADE_B:
        lo, hi, closed = w * p["low"], w * p["high"], False
    else:
        lo, hi, closed = ZERO, w * p["low"], False
    problems = check_range(ctx, s) if s is not None and (s > w or s < 0) else []

    def band_txt() -> str:
        return f"[{num(lo)}, {num(hi)}{']' if closed else ')'}"

    if grade is not None and s is not None and not (lo <= s <= hi if closed else lo <= s < hi):
        problems.append(("error", f"{grade}等级的得分应在 {band_txt()} 内，自评得分 {num(s)} 超出区间"))
    bad = bool(problems)

    def explain() -> tuple[str, str]:
        if grade is None:
            why = "定性指标，无法从实际完成情况判断等级"
        else:
            why = f"定性指标，实际“{actual}”对目标“{target or '—'}”为{grade}"
        formula = f"等级 {grade or '未知'} → 区间 {band_txt()}；自评得分 {num(s)}"
        if s is None:
            return formula, f"{why}，未给出得分"
        if not bad:
            return formula, f"{why}，保留自评得分 {num(s)} 分（在区间 {band_txt()} 内）"
        return formula, f"{why}，自评得分 {num(s)} 分不符合评分规则"

    inputs: dict[str, Any] = {"target": target, "actual": actual, "grade": grade}
    return Outcome(s, "qualitative", inputs, None, None, False, problems, explain)


@rule_kind("checklist", "检查清单：每个未做到的事项扣相应分值（依据扣分说明与存在问题）",
           items=Param("items", required=True, help="[{name, points, keywords: [...]}]"))
def checklist(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    texts = [t for t in (*ctx.ev.deductions, ctx.ev.problems or "") if t]
    if not texts:
        return _missing(ctx, "checklist", "扣分说明或存在问题的文字")
    w = ctx.weight
    blob = "\n".join(texts)
    lost, parts = ZERO, []
    inputs: dict[str, Any] = {}
    for item in p["items"]:
        hit = next((k for k in item["keywords"] if k in blob), None)
        inputs[item["name"]] = "未做到" if hit else "做到"
        if hit:
            lost += item["points"]
            parts.append(f"{item['name']}（“{hit}”）扣 {num(item['points'])}")
    s = max(ZERO, w - lost)
    formula = f"{num(w)} − {' − '.join(num(i['points']) for i in p['items'] if inputs[i['name']] == '未做到') or '0'} = {num(s)}"
    what = f"{ctx.name}：" + ("；".join(parts) if parts else "各检查事项均未见问题")
    return Outcome(s, "checklist", inputs, formula, _verdict(w, s, what), True)


@rule_kind("stated", "保留自评得分（评分标准未公开或为判断项），只检查不超过分值", recomputes=False)
def stated(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    s, w = ctx.stated, ctx.weight
    key = (s, w)
    texts = _STATED_TEXT.get(key)
    if texts is None:
        if s is None:
            reason = "判断项，未给出自评得分"
        elif s >= w:
            reason = f"判断项，保留自评得分 {num(s)} 分（满分），未重新计算"
        else:
            reason = f"判断项，保留自评得分 {num(s)} 分（扣 {num(w - s)} 分），未重新计算"
        texts = (f"自评得分 {num(s)}（分值 {num(w)}）", reason)
        if len(_STATED_TEXT) > 10_000:
            _STATED_TEXT.clear()
        _STATED_TEXT[key] = texts
    problems = check_range(ctx, s) if s is not None and (s > w or s < 0) else []
    return Outcome(s, "stated", {"stated": s}, texts[0], texts[1], False, problems)


_STATED_TEXT: dict[tuple[Decimal | None, Decimal], tuple[str, str]] = {}


@rule_kind("auto", "自定义三级指标：按目标值的比较符（≥ ≤ =）或指标性质定量计分，文字目标按定性等级检查",
           variant=Param("choice", default="ratio", choices=("ratio", "linear"), help="反向指标的计分口径"),
           high=Param("number", default=Decimal("0.8")), low=Param("number", default=Decimal("0.6")))
def auto(ctx: Ctx, p: Mapping[str, Any]) -> Outcome:
    nums = _row_numbers(ctx)
    if nums is None:
        if ctx.row is not None and (ctx.row.target or ctx.row.actual):
            key = (p.get("high"), p.get("low"))
            qp = _QUAL_PARAMS.get(key)
            if qp is None:
                qp = _QUAL_PARAMS[key] = _with_defaults("qualitative", {"high": key[0], "low": key[1]})
            return qualitative(ctx, qp)
        return stated(ctx, {})
    comp = nums[0]
    if comp == "<=":
        return reverse(ctx, {"variant": p.get("variant") or "ratio"})
    if comp == "=":
        return equal(ctx, {})
    return proportional(ctx, {})


_QUAL_PARAMS: dict[tuple[Any, Any], Mapping[str, Any]] = {}


def _with_defaults(kind: str, p: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = RULES[kind].params
    if all(p.get(k) is not None for k in spec):
        return p
    return {k: (p.get(k) if p.get(k) is not None else spec[k].default) for k in spec}


# --------------------------------------------------------------------------- quantity parsing

NATURES = {">=": ">=", "≥": ">=", ">": ">=", "正向": ">=", "正向指标": ">=",
           "<=": "<=", "≤": "<=", "<": "<=", "反向": "<=", "反向指标": "<=",
           "=": "=", "＝": "=", "等于": "="}

_COMP_RE = re.compile(
    r"^\s*(≥|>=|＞=|>|＞|大于等于|不低于|不少于|大于|高于|至少|≤|<=|＜=|<|＜|小于等于|不高于|不超过|低于|小于|少于|控制在|=|＝|等于)?\s*(.*?)\s*"
    r"(及以上|以上|及以下|以下|以内)?\s*$")
_COMP_MAP = {"≥": ">=", ">=": ">=", "＞=": ">=", ">": ">=", "＞": ">=", "大于等于": ">=", "不低于": ">=",
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
