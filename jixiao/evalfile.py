"""Evaluation files (YAML or JSON) ↔ :class:`~jixiao.model.Evaluation`.

The shape mirrors the corpus labels (``*.expected.json``): ``department``, ``year``,
``scope``, ``budget{…}``, ``indicators[…]``, ``score{total, parts}``, ``other_rates[…]`` …
with amounts in 万元 and rates in percent. Numbers are read from their text (a
YAML float never becomes a binary float), and every problem names the line of
the offending key, so a hand-written file is easy to fix. The shape is a set of
pydantic models validated through :mod:`jixiao.yamlschema` (the path framework
files take too); an impossible value (a negative amount or 分值) is refused here
with the words of :func:`jixiao.model.input_problem`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar

import yaml
from pydantic import BeforeValidator, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from jixiao.ingest import IngestError
from jixiao.model import (
    BUDGET_FIELDS,
    FUNDING_FIELDS,
    STAFFING_FIELDS,
    Breakdown,
    Budget,
    Evaluation,
    Funding,
    FundingSource,
    Indicator,
    Project,
    Ratio,
    ScoreSummary,
    Staffing,
    input_problem,
)
from jixiao.numbers import D, NumberError
from jixiao.yamlschema import Strict, Style, YamlSyntaxError, compose, validate
from jixiao.yamlschema import text_or_none as _text_or_none

__all__ = ["EvaluationFileError", "load_evaluation_file", "parse_evaluation", "evaluation_to_dict",
           "dump_evaluation"]

BUDGET_KEYS = (*BUDGET_FIELDS, "initial_basic", "initial_project", "public_initial", "public_adjusted")
INDICATOR_TEXT = ("name", "level1", "level2", "target", "actual", "deviation", "nature", "project")
INDICATOR_NUM = ("weight", "score", "level1_weight", "level2_weight")
TOP_TEXT = ("doc", "department", "implementer", "supervisor", "title", "form", "problems", "measures", "summary", "goal",
            "signed_date")
IGNORED = ("inconsistencies", "notes", "evidence", "framework")
TOP_KEYS = {*TOP_TEXT, "year", "scope", "budget", "funding", "funding_sources", "projects", "indicators", "score", "staffing",
            "other_rates", "breakdowns", "deductions", *IGNORED}


class EvaluationFileError(IngestError):
    """An evaluation file that cannot be used; ``reason`` names line and key of each problem."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None, key: str | None = None):
        self.line = line
        self.key = key
        super().__init__(path, reason)


# --------------------------------------------------------------------------- the file's shape


def _amount(v: Any) -> Any:
    """A number as people write it in a file: ``"2,377.56"``, ``99.9%``, ``130.44万元`` (never a float)."""
    if v is None or isinstance(v, Decimal):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return Decimal(v)
    if not isinstance(v, str):
        raise PydanticCustomError("jx", "应为数字")
    s = v.strip()
    if s.endswith(("%", "％")):
        s = s[:-1]
    for unit in ("万元", "万"):
        if s.endswith(unit):
            s = s[: -len(unit)]
    try:
        return D(s)
    except (NumberError, TypeError):
        raise PydanticCustomError("jx", "应为数字，而不是 {v}", {"v": repr(v)}) from None


def _integer(v: Any) -> Any:
    d = _amount(v)
    if d is not None and d != d.to_integral_value():
        raise PydanticCustomError("jx", "应为整数，而不是 {v}", {"v": format(d, "f")})
    return None if d is None else int(d)


def _nonneg(info: ValidationInfo, v: Any) -> Any:
    msg = input_problem(info.field_name or "", v)
    if msg:
        raise PydanticCustomError("jx", msg)
    return v


def _list(v: Any) -> Any:
    if v is None:
        return []
    if not isinstance(v, list):
        raise PydanticCustomError("jx", "应为列表")
    return v


Amount = Annotated[Decimal | None, BeforeValidator(_amount)]
Count = Annotated[int | None, BeforeValidator(_integer)]
Txt = Annotated[str | None, BeforeValidator(_text_or_none)]


class _Signed(Strict):
    """A mapping of amounts that cannot be negative (the one message of :func:`jixiao.model.input_problem`)."""

    @field_validator("*", mode="after")
    @classmethod
    def _sign(cls, v: Any, info: ValidationInfo) -> Any:
        return _nonneg(info, v)


class BudgetIn(_Signed):
    initial: Amount = None
    adjusted: Amount = None
    executed: Amount = None
    execution_rate: Amount = None
    basic: Amount = None
    project: Amount = None
    personnel: Amount = None
    public: Amount = None
    carryover_start: Amount = None
    carryover_end: Amount = None
    adjustment: Amount = None
    adjustment_rate: Amount = None
    initial_basic: Amount = None
    initial_project: Amount = None
    public_initial: Amount = None
    public_adjusted: Amount = None


class FundingIn(_Signed):
    general_public: Amount = None
    gov_fund: Amount = None
    state_capital: Amount = None
    other: Amount = None


class StaffingIn(Strict):
    authorized: Count = None
    actual: Count = None
    retired: Count = None

    @field_validator("*", mode="after")
    @classmethod
    def _sign(cls, v: Any, info: ValidationInfo) -> Any:
        msg = input_problem(f"staffing.{info.field_name}", v)
        if msg:
            raise PydanticCustomError("jx", msg)
        return v


class ProjectIn(_Signed):
    name: Txt = None
    budget: Amount = None
    executed: Amount = None
    execution_rate: Amount = None

    missing_messages: ClassVar[Mapping[str, str]] = {"name": "缺少项目名称"}

    @model_validator(mode="after")
    def _named(self) -> ProjectIn:
        if not self.name:
            raise PydanticCustomError("jx", self.missing_messages["name"], {"at": "name"})
        return self


class FundingSourceIn(ProjectIn):
    missing_messages: ClassVar[Mapping[str, str]] = {"name": "缺少资金来源名称"}


class IndicatorIn(Strict):
    name: Txt = None
    level1: Txt = None
    level2: Txt = None
    target: Txt = None
    actual: Txt = None
    deviation: Txt = None
    nature: Txt = None
    project: Txt = None
    weight: Amount = None
    score: Amount = None
    level1_weight: Amount = None
    level2_weight: Amount = None

    @field_validator("weight", "level1_weight", "level2_weight", mode="after")
    @classmethod
    def _sign(cls, v: Any, info: ValidationInfo) -> Any:
        msg = input_problem("weight", v)
        if msg:
            raise PydanticCustomError("jx", msg)
        return v

    @model_validator(mode="after")
    def _named(self) -> IndicatorIn:
        if not self.name:
            raise PydanticCustomError("jx", "缺少指标名称", {"at": "name"})
        return self


class ScoreIn(Strict):
    total: Amount = None
    parts: dict[str, Amount] | None = None
    grade: Txt = None


class RatioIn(Strict):
    name: Txt = None
    stated: Amount = None
    numerator: Amount = None
    denominator: Amount = None
    bases: dict[str, Amount] | None = None

    @model_validator(mode="after")
    def _complete(self) -> RatioIn:
        if not self.name or self.stated is None:
            raise PydanticCustomError("jx", "比率须有 name 与 stated")
        return self


class PartIn(Strict):
    name: Txt = None
    value: Amount = None


def _parts(v: Any) -> Any:
    """``{甲: 4}``, ``[[甲, 4]]`` and ``[{name: 甲, value: 4}]`` all mean the part 甲 of 4."""
    if isinstance(v, dict):
        return [{"name": k, "value": x} for k, x in v.items()]
    if isinstance(v, list):
        return [{"name": x[0], "value": x[1]} if isinstance(x, list) and len(x) == 2 else x for x in v]
    return _list(v)


class BreakdownIn(Strict):
    name: Txt = None
    total: Amount = None
    parts: Annotated[list[PartIn], BeforeValidator(_parts)] = []
    unit: Txt = None
    exhaustive: Any = None

    @model_validator(mode="after")
    def _complete(self) -> BreakdownIn:
        if not self.name or self.total is None:
            raise PydanticCustomError("jx", "须有 name 与 total")
        return self


def _scope(v: Any) -> Any:
    if v is not None and v not in ("department", "project"):
        raise PydanticCustomError("jx", "应为 department 或 project，而不是 {v}", {"v": repr(_text_or_none(v))})
    return v


class EvaluationIn(Strict):
    doc: Txt = None
    department: Txt = None
    implementer: Txt = None
    supervisor: Txt = None
    title: Txt = None
    form: Txt = None
    problems: Txt = None
    measures: Txt = None
    summary: Txt = None
    goal: Txt = None
    signed_date: Txt = None
    year: Count = None
    scope: Annotated[str | None, BeforeValidator(_scope)] = None
    budget: BudgetIn | None = None
    funding: FundingIn | None = None
    staffing: StaffingIn | None = None
    funding_sources: Annotated[list[FundingSourceIn], BeforeValidator(_list)] = []
    projects: Annotated[list[ProjectIn], BeforeValidator(_list)] = []
    indicators: Annotated[list[IndicatorIn], BeforeValidator(_list)] = []
    score: ScoreIn | None = None
    other_rates: Annotated[list[RatioIn], BeforeValidator(_list)] = []
    breakdowns: Annotated[list[BreakdownIn], BeforeValidator(_list)] = []
    deductions: Annotated[list[Txt], BeforeValidator(_list)] = []
    inconsistencies: Any = None
    notes: Any = None
    evidence: Any = None
    framework: Any = None


STYLE = Style(unknown_key=lambda k, allowed: "未知的键" + (f"（是否为 {m[0]}？）" if (
    m := difflib.get_close_matches(k, sorted(allowed), n=1)) else ""))


# --------------------------------------------------------------------------- reading


def load_evaluation_file(path: str | Path) -> Evaluation:
    """Read a YAML/JSON evaluation file, or raise EvaluationFileError (one line, with line numbers)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EvaluationFileError(path, "文件不存在 (file not found)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationFileError(path, f"无法读取 ({exc})") from None
    return parse_evaluation(text, str(path), default_doc=p.stem)


def parse_evaluation(text: str, name: str = "<evaluation>", default_doc: str | None = None) -> Evaluation:
    """Parse evaluation-file text (YAML, or JSON which YAML reads too)."""
    try:
        data, lines = compose(text)
    except YamlSyntaxError as exc:
        where = f"第 {exc.line} 行: " if exc.line else ""
        raise EvaluationFileError(name, f"{where}不是有效的 YAML/JSON（{exc.problem}）", exc.line) from None
    if data is None:
        raise EvaluationFileError(name, "文件为空")
    spec, problems = validate(EvaluationIn, data, lines, STYLE)
    if problems or spec is None:
        first = problems[0]
        reason = "；".join(f"第 {p.line} 行 {p.key}: {p.message}" for p in problems[:20])
        if len(problems) > 20:
            reason += f"；另有 {len(problems) - 20} 处问题"
        raise EvaluationFileError(name, reason, first.line, first.key)
    return _evaluation(spec, default_doc or Path(name).stem)


def _evaluation(f: EvaluationIn, default_doc: str) -> Evaluation:
    kw: dict[str, Any] = {k: getattr(f, k) for k in (*TOP_TEXT, "year", "scope")}
    kw["doc"] = f.doc or default_doc
    if f.budget is not None:
        kw["budget"] = Budget(**f.budget.model_dump(exclude_unset=True))
    if f.funding is not None:
        kw["funding"] = Funding(**f.funding.model_dump(exclude_unset=True))
    if f.staffing is not None:
        kw["staffing"] = Staffing(**f.staffing.model_dump(exclude_unset=True))
    kw["projects"] = tuple(Project(**p.model_dump(exclude_unset=True)) for p in f.projects)
    kw["funding_sources"] = tuple(FundingSource(**p.model_dump(exclude_unset=True)) for p in f.funding_sources)
    kw["indicators"] = tuple(Indicator(**i.model_dump(exclude_unset=True)) for i in f.indicators)
    if f.score is not None:
        kw["score"] = ScoreSummary(total=f.score.total, grade=f.score.grade,
                                   parts={k: v for k, v in (f.score.parts or {}).items() if v is not None})
    kw["other_rates"] = tuple(Ratio(r.name, r.stated, r.numerator, r.denominator,
                                    {k: v for k, v in (r.bases or {}).items() if v is not None})
                              for r in f.other_rates)
    kw["breakdowns"] = tuple(Breakdown(b.name, b.total, tuple((p.name, p.value) for p in b.parts
                                                              if p.name and p.value is not None),
                                       b.unit or "", str(b.exhaustive).lower() in ("true", "yes", "1"))
                             for b in f.breakdowns)
    kw["deductions"] = tuple(t for t in f.deductions if t)
    return Evaluation(**{k: v for k, v in kw.items() if v is not None or k == "doc"})


# --------------------------------------------------------------------------- writing


def evaluation_to_dict(ev: Evaluation) -> dict[str, Any]:
    """The file shape of an evaluation (Decimals kept; empty sections left out)."""
    out: dict[str, Any] = {"doc": ev.doc}
    for key in ("department", "implementer", "supervisor", "year", "scope", "title", "form"):
        if getattr(ev, key) is not None:
            out[key] = getattr(ev, key)
    budget = {k: getattr(ev.budget, k) for k in BUDGET_KEYS if getattr(ev.budget, k) is not None}
    if budget:
        out["budget"] = budget
    funding = {k: getattr(ev.funding, k) for k in FUNDING_FIELDS if getattr(ev.funding, k) is not None}
    if funding:
        out["funding"] = funding
    if ev.funding_sources:
        out["funding_sources"] = [_drop_none({"name": f.name, "budget": f.budget, "executed": f.executed,
                                              "execution_rate": f.execution_rate}) for f in ev.funding_sources]
    if ev.projects:
        out["projects"] = [_drop_none({"name": p.name, "budget": p.budget, "executed": p.executed,
                                       "execution_rate": p.execution_rate}) for p in ev.projects]
    if ev.indicators:
        out["indicators"] = [_drop_none({k: getattr(i, k) for k in (*INDICATOR_TEXT, *INDICATOR_NUM)})
                             for i in ev.indicators]
    score = _drop_none({"total": ev.score.total, "parts": dict(ev.score.parts) or None, "grade": ev.score.grade})
    if score:
        out["score"] = score
    staffing = {k: getattr(ev.staffing, k) for k in STAFFING_FIELDS if getattr(ev.staffing, k) is not None}
    if staffing:
        out["staffing"] = staffing
    if ev.other_rates:
        out["other_rates"] = [_drop_none({"name": r.name, "stated": r.stated, "numerator": r.numerator,
                                          "denominator": r.denominator, "bases": dict(r.bases) or None})
                              for r in ev.other_rates]
    if ev.breakdowns:
        out["breakdowns"] = [_drop_none({"name": b.name, "total": b.total,
                                         "parts": [{"name": n, "value": v} for n, v in b.parts],
                                         "unit": b.unit or None, "exhaustive": b.exhaustive or None})
                             for b in ev.breakdowns]
    if ev.deductions:
        out["deductions"] = list(ev.deductions)
    for key in ("goal", "summary", "problems", "measures", "signed_date"):
        if getattr(ev, key):
            out[key] = getattr(ev, key)
    return out


def _drop_none(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class _Dumper(yaml.SafeDumper):
    pass


def _repr_decimal(dumper: yaml.SafeDumper, d: Decimal) -> yaml.Node:
    if d == d.to_integral_value():
        return dumper.represent_scalar("tag:yaml.org,2002:int", str(d.quantize(Decimal(1))))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(d, "f"))


_Dumper.add_representer(Decimal, _repr_decimal)


def dump_evaluation(ev: Evaluation) -> str:
    """YAML text that :func:`load_evaluation_file` reads back to an equal Evaluation (evidence aside)."""
    return yaml.dump(evaluation_to_dict(ev), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
