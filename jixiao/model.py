"""The pure data model of a 绩效自评 evaluation.

Everything here is a frozen dataclass holding ``Decimal`` amounts (in 万元) and
percent rates (``99.76`` means 99.76 %). No I/O, no parsing: ingest and extract
build these, scoring/audit/render read them.

Evidence is kept beside the values, in ``Evaluation.evidence``: a mapping from a
field path (``"budget.executed"``, ``"indicators[3].score"``,
``"other_rates[0].stated"``) to the :class:`Evidence` it was read from. That keeps
the value types small while every figure can still say where it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

Scope = Literal["department", "project"]

#: The budget slots, in the order the labels and the reports use.
BUDGET_FIELDS = (
    "initial",
    "adjusted",
    "executed",
    "execution_rate",
    "basic",
    "project",
    "personnel",
    "public",
    "carryover_start",
    "carryover_end",
    "adjustment",
    "adjustment_rate",
)

FUNDING_FIELDS = ("general_public", "gov_fund", "state_capital", "other")
STAFFING_FIELDS = ("authorized", "actual", "retired")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a value was read: document, character span, line, page or cell, source text.

    ``start``/``end`` index the document's full text (``Document.text``); ``line`` is
    1-based. ``cell`` names a table cell (``"表1!R3C5"`` or ``"指标!F7"``).
    ``confidence`` is set for OCR-read figures (0-1).
    """

    doc: str
    start: int
    end: int
    line: int
    text: str
    page: int | None = None
    cell: str | None = None
    confidence: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "line": self.line, "text": self.text}
        if self.page is not None:
            out["page"] = self.page
        if self.cell is not None:
            out["cell"] = self.cell
        if self.confidence is not None:
            out["confidence"] = str(self.confidence)
        return out


@dataclass(frozen=True, slots=True)
class Budget:
    """Budget and execution, all in 万元 except the two rates (percent).

    ``adjusted`` is also the 全年/年度预算数 against which the execution rate is
    measured. ``basic``/``project`` hold the split the text gives (of the adjusted
    budget, or of the spend when no budget split is stated); ``initial_basic`` /
    ``initial_project`` the 年初 split when the text gives both.
    """

    initial: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None
    execution_rate: Decimal | None = None
    basic: Decimal | None = None
    project: Decimal | None = None
    personnel: Decimal | None = None
    public: Decimal | None = None
    carryover_start: Decimal | None = None
    carryover_end: Decimal | None = None
    adjustment: Decimal | None = None
    adjustment_rate: Decimal | None = None
    initial_basic: Decimal | None = None
    initial_project: Decimal | None = None
    public_initial: Decimal | None = None
    public_adjusted: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Funding:
    """Spending by source of funds (万元)."""

    general_public: Decimal | None = None
    gov_fund: Decimal | None = None
    state_capital: Decimal | None = None
    other: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FundingSource:
    """One source of a fund's money as the report lists it (中央财政资金, 省级资金转移支付, 当年财政拨款 …), 万元:
    what was budgeted from it, spent of it, and the stated rate."""

    name: str
    budget: Decimal | None = None
    executed: Decimal | None = None
    execution_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    budget: Decimal | None = None
    executed: Decimal | None = None
    execution_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Indicator:
    """One row of an indicator / score table.

    ``target`` and ``actual`` are the cell strings as written; ``weight`` is the
    row's 分值 and ``score`` its 得分. ``nature`` is the comparator (``>=``, ``<=``,
    ``=``) when the form states one; ``level1_weight``/``level2_weight`` the parents'
    分值 when the table states them.
    """

    name: str
    level1: str | None = None
    level2: str | None = None
    target: str | None = None
    actual: str | None = None
    weight: Decimal | None = None
    score: Decimal | None = None
    deviation: str | None = None
    nature: str | None = None
    level1_weight: Decimal | None = None
    level2_weight: Decimal | None = None
    project: str | None = None


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """The stated total (总分 / 自评得分), level-1 parts and grade."""

    total: Decimal | None = None
    parts: Mapping[str, Decimal] = field(default_factory=dict)
    grade: str | None = None


@dataclass(frozen=True, slots=True)
class Staffing:
    authorized: int | None = None
    actual: int | None = None
    retired: int | None = None


@dataclass(frozen=True, slots=True)
class Ratio:
    """A stated ratio with the inputs the text gives for it.

    ``bases`` lists other plausible denominators found next to it (for example the
    年初 and 调整后 budget of 日常公用经费), keyed by a short label, so the auditor can
    tell a definition difference from an error.
    """

    name: str
    stated: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    bases: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A total with the parts listed after 其中 (or 线上/线下 …)."""

    name: str
    total: Decimal
    parts: tuple[tuple[str, Decimal], ...]
    unit: str = ""
    exhaustive: bool = False


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything known about one self-evaluation (one document or one input file)."""

    doc: str
    department: str | None = None
    implementer: str | None = None  # 实施单位 of a project as written on its form
    supervisor: str | None = None  # 主管部门 of a project form when it is not the reporting unit itself
    year: int | None = None
    scope: Scope | None = None
    title: str | None = None
    form: str | None = None
    budget: Budget = field(default_factory=Budget)
    funding: Funding = field(default_factory=Funding)
    funding_sources: tuple[FundingSource, ...] = ()
    projects: tuple[Project, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    score: ScoreSummary = field(default_factory=ScoreSummary)
    staffing: Staffing = field(default_factory=Staffing)
    other_rates: tuple[Ratio, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()
    deductions: tuple[str, ...] = ()
    problems: str | None = None
    measures: str | None = None
    summary: str | None = None  # 年度总体目标 实际完成情况 / 自评总结
    goal: str | None = None  # 年度总体目标 预期目标
    signed_date: str | None = None
    evidence: Mapping[str, Evidence] = field(default_factory=dict)

    def with_(self, **changes: Any) -> Evaluation:
        return replace(self, **changes)


#: Figures written as JSON numbers only while they stay exact and in every reader's range.
_JSON_MAX_DIGITS = 17
_JSON_MAX_ADJUSTED = 300


def decimal_to_json(d: Decimal) -> int | float | str | None:
    """Render a Decimal as a JSON value without binary-float surprises; never fails.

    JSON has only one number type; ``json.dumps`` writes ``float(d)`` with the
    shortest repr, which round-trips exactly for the ≤ 15 significant digits these
    reports carry. Integral values are written as ints. A figure no JSON number can
    hold exactly (more than 17 significant digits, beyond ±1e300, or a 4,301-digit
    integer that Python will not even print) becomes its exact decimal string;
    NaN and infinities, which JSON has no spelling for, become null.
    """
    if not d.is_finite():
        return None
    if d.is_zero():
        return 0
    if not -_JSON_MAX_ADJUSTED <= d.adjusted() <= _JSON_MAX_ADJUSTED:
        return str(d)
    if d == d.to_integral_value():
        return int(d) if d.adjusted() < _JSON_MAX_DIGITS else str(d)
    if len(d.normalize().as_tuple().digits) > _JSON_MAX_DIGITS:
        return str(d)
    return float(d)


#: Inputs that cannot be negative: amounts (万元), staffing counts, a percent rate of execution, 分值.
#: (调整数, 变动率 and 调整率 can be negative; a stated score below 0 is a finding, not unreadable input.)
NONNEGATIVE = {
    "initial": "年初预算数", "adjusted": "调整后预算数", "executed": "执行数", "execution_rate": "预算执行率",
    "basic": "基本支出", "project": "项目支出", "personnel": "人员经费", "public": "公用经费",
    "carryover_start": "年初结转结余", "carryover_end": "年末结转结余", "initial_basic": "年初基本支出",
    "initial_project": "年初项目支出", "public_initial": "公用经费年初预算", "public_adjusted": "公用经费调整后预算",
    "staffing.authorized": "编制数", "staffing.actual": "实有人数", "staffing.retired": "退休人数",
    "weight": "分值", "budget": "项目预算数",
}


def input_problem(slot: str, value: Decimal | int | None) -> str | None:
    """The one message for an impossible input (a negative amount or 分值), or None when it is fine.

    Every boundary uses it: the evaluation-file reader rejects the file with it (``第 6 行 budget.executed:
    执行数 -12.5 为负数``), and the scoring engine, which may get an Evaluation built elsewhere, refuses to
    score from such a value and reports the same words.
    """
    if value is None:
        return None
    key = slot.rsplit(".", 1)[-1] if not slot.startswith("staffing.") else slot
    what = NONNEGATIVE.get(key) or NONNEGATIVE.get(slot)
    if what and value < 0:
        shown = format(value, "f") if isinstance(value, Decimal) else str(value)
        return f"{what} {shown} 为负数"
    return None


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """An audit or validation finding: errors are data, not exceptions.

    ``kind`` refines the severity (``definition`` for a ratio that only matches on
    another base, ``rounding`` for a truncated figure, ``breakdown`` …).
    ``stated``/``recomputed`` are display strings; ``arithmetic`` shows the working.
    """

    code: str
    severity: str
    message: str
    path: str | None = None
    stated: str | None = None
    recomputed: str | None = None
    arithmetic: str | None = None
    evidence: Evidence | None = None
    related: tuple[Evidence, ...] = ()
    kind: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message}
        for key in ("kind", "path", "stated", "recomputed", "arithmetic"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        if self.evidence is not None:
            out["evidence"] = self.evidence.to_json()
        if self.related:
            out["related"] = [e.to_json() for e in self.related]
        return out


def plain(value: Any) -> Any:
    """Decimals as JSON numbers (:func:`decimal_to_json`), recursively through dicts, lists and tuples."""
    if isinstance(value, Decimal):
        return decimal_to_json(value)
    if isinstance(value, dict):
        return {k: plain(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [plain(x) for x in value]
    return value


def json_default(o: Any) -> Any:
    """``json.dumps(default=...)`` for the model: Decimals as numbers, objects by their ``to_json()``."""
    if isinstance(o, Decimal):
        return decimal_to_json(o)
    if hasattr(o, "to_json"):
        return o.to_json()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
