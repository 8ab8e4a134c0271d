"""Evaluation files (YAML or JSON) ↔ :class:`~jixiao.model.Evaluation`.

The shape mirrors the corpus labels (``*.expected.json``): ``department``, ``year``,
``scope``, ``budget{…}``, ``indicators[…]``, ``score{total, parts}``, ``other_rates[…]`` …
with amounts in 万元 and rates in percent. Numbers are read from their text (a
YAML float never becomes a binary float), and every problem names the line of
the offending key, so a hand-written file is easy to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from jixiao.ingest import IngestError
from jixiao.model import (
    BUDGET_FIELDS,
    FUNDING_FIELDS,
    STAFFING_FIELDS,
    Breakdown,
    Budget,
    Evaluation,
    Funding,
    Indicator,
    Project,
    Ratio,
    ScoreSummary,
    Staffing,
)
from jixiao.numbers import D, NumberError

__all__ = ["EvaluationFileError", "load_evaluation_file", "parse_evaluation", "evaluation_to_dict",
           "dump_evaluation"]

BUDGET_KEYS = (*BUDGET_FIELDS, "initial_basic", "initial_project", "public_initial", "public_adjusted")
INDICATOR_TEXT = ("name", "level1", "level2", "target", "actual", "deviation", "nature", "project")
INDICATOR_NUM = ("weight", "score", "level1_weight", "level2_weight")
TOP_TEXT = ("doc", "department", "implementer", "supervisor", "title", "form", "problems", "measures", "summary", "goal",
            "signed_date")
IGNORED = ("inconsistencies", "notes", "evidence", "framework")
TOP_KEYS = {*TOP_TEXT, "year", "scope", "budget", "funding", "projects", "indicators", "score", "staffing",
            "other_rates", "breakdowns", "deductions", *IGNORED}


class EvaluationFileError(IngestError):
    """An evaluation file that cannot be used; ``reason`` names line and key of each problem."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None, key: str | None = None):
        self.line = line
        self.key = key
        super().__init__(path, reason)


class _Reader:
    """Converts YAML nodes with key paths, collecting ``line N: key: problem`` messages."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str, str]] = []

    def err(self, node: yaml.Node, key: str, msg: str) -> None:
        self.problems.append((node.start_mark.line + 1, key, msg))

    def mapping(self, node: yaml.Node, key: str, allowed: set[str] | None = None) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.err(node, key, "应为映射（键: 值）")
            return {}
        out: dict[str, yaml.Node] = {}
        for k, v in node.value:
            name = str(k.value)
            full = f"{key}.{name}" if key else name
            if allowed is not None and name not in allowed:
                import difflib

                hint = difflib.get_close_matches(name, sorted(allowed), n=1)
                self.err(k, full, "未知的键" + (f"（是否为 {hint[0]}？）" if hint else ""))
                continue
            out[name] = v
        return out

    def seq(self, node: yaml.Node, key: str) -> list[yaml.Node]:
        if _is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, key, "应为列表")
            return []
        return list(node.value)

    def text(self, node: yaml.Node, key: str) -> str | None:
        if _is_null(node):
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.err(node, key, "应为文字")
            return None
        return str(node.value)

    def number(self, node: yaml.Node, key: str) -> Decimal | None:
        if _is_null(node):
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":bool"):
            self.err(node, key, "应为数字")
            return None
        s = str(node.value).strip()
        if s.endswith(("%", "％")):
            s = s[:-1]
        for unit in ("万元", "万"):
            if s.endswith(unit):
                s = s[: -len(unit)]
        try:
            return D(s)
        except (NumberError, TypeError):
            self.err(node, key, f"应为数字，而不是 {node.value!r}")
            return None

    def integer(self, node: yaml.Node, key: str) -> int | None:
        d = self.number(node, key)
        if d is None:
            return None
        if d != d.to_integral_value():
            self.err(node, key, f"应为整数，而不是 {node.value}")
            return None
        return int(d)

    def numbers_map(self, node: yaml.Node, key: str) -> dict[str, Decimal]:
        out = {}
        for k, v in self.mapping(node, key).items():
            d = self.number(v, f"{key}.{k}")
            if d is not None:
                out[k] = d
        return out


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


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
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        where = f"第 {line} 行: " if line else ""
        raise EvaluationFileError(name, f"{where}不是有效的 YAML/JSON（{getattr(exc, 'problem', None) or exc}）",
                                  line) from None
    if root is None:
        raise EvaluationFileError(name, "文件为空")
    r = _Reader()
    ev = _evaluation(r, root, default_doc or Path(name).stem)
    if r.problems:
        line, key, _ = r.problems[0]
        reason = "；".join(f"第 {ln} 行 {k}: {m}" for ln, k, m in r.problems[:20])
        if len(r.problems) > 20:
            reason += f"；另有 {len(r.problems) - 20} 处问题"
        raise EvaluationFileError(name, reason, line, key)
    return ev


def _evaluation(r: _Reader, root: yaml.Node, default_doc: str) -> Evaluation:
    top = r.mapping(root, "", TOP_KEYS)
    kw: dict[str, Any] = {}
    for key in TOP_TEXT:
        if key in top:
            kw[key] = r.text(top[key], key)
    kw["doc"] = kw.get("doc") or default_doc
    if "year" in top:
        kw["year"] = r.integer(top["year"], "year")
    if "scope" in top:
        s = r.text(top["scope"], "scope")
        if s is not None and s not in ("department", "project"):
            r.err(top["scope"], "scope", f"应为 department 或 project，而不是 {s!r}")
        else:
            kw["scope"] = s
    if "budget" in top:
        m = r.mapping(top["budget"], "budget", set(BUDGET_KEYS))
        kw["budget"] = Budget(**{k: r.number(v, f"budget.{k}") for k, v in m.items()})
    if "funding" in top:
        m = r.mapping(top["funding"], "funding", set(FUNDING_FIELDS))
        kw["funding"] = Funding(**{k: r.number(v, f"funding.{k}") for k, v in m.items()})
    if "staffing" in top:
        m = r.mapping(top["staffing"], "staffing", set(STAFFING_FIELDS))
        kw["staffing"] = Staffing(**{k: r.integer(v, f"staffing.{k}") for k, v in m.items()})
    if "projects" in top:
        out = []
        for i, n in enumerate(r.seq(top["projects"], "projects")):
            key = f"projects[{i}]"
            m = r.mapping(n, key, {"name", "budget", "executed", "execution_rate"})
            name = r.text(m["name"], f"{key}.name") if "name" in m else None
            if not name:
                r.err(n, f"{key}.name", "缺少项目名称")
                continue
            out.append(Project(name, **{k: r.number(v, f"{key}.{k}") for k, v in m.items() if k != "name"}))
        kw["projects"] = tuple(out)
    if "indicators" in top:
        kw["indicators"] = tuple(_indicators(r, top["indicators"]))
    if "score" in top:
        m = r.mapping(top["score"], "score", {"total", "parts", "grade"})
        kw["score"] = ScoreSummary(
            total=r.number(m["total"], "score.total") if "total" in m else None,
            parts=r.numbers_map(m["parts"], "score.parts") if "parts" in m else {},
            grade=r.text(m["grade"], "score.grade") if "grade" in m else None)
    if "other_rates" in top:
        out = []
        for i, n in enumerate(r.seq(top["other_rates"], "other_rates")):
            key = f"other_rates[{i}]"
            m = r.mapping(n, key, {"name", "stated", "numerator", "denominator", "bases"})
            name = r.text(m["name"], f"{key}.name") if "name" in m else None
            stated = r.number(m["stated"], f"{key}.stated") if "stated" in m else None
            if not name or stated is None:
                r.err(n, key, "比率须有 name 与 stated")
                continue
            out.append(Ratio(name, stated,
                             r.number(m["numerator"], f"{key}.numerator") if "numerator" in m else None,
                             r.number(m["denominator"], f"{key}.denominator") if "denominator" in m else None,
                             r.numbers_map(m["bases"], f"{key}.bases") if "bases" in m else {}))
        kw["other_rates"] = tuple(out)
    if "breakdowns" in top:
        kw["breakdowns"] = tuple(_breakdowns(r, top["breakdowns"]))
    if "deductions" in top:
        kw["deductions"] = tuple(t for i, n in enumerate(r.seq(top["deductions"], "deductions"))
                                 if (t := r.text(n, f"deductions[{i}]")))
    return Evaluation(**{k: v for k, v in kw.items() if v is not None or k == "doc"})


def _indicators(r: _Reader, node: yaml.Node) -> list[Indicator]:
    out = []
    for i, n in enumerate(r.seq(node, "indicators")):
        key = f"indicators[{i}]"
        m = r.mapping(n, key, {*INDICATOR_TEXT, *INDICATOR_NUM})
        if not m:
            continue
        if "name" not in m or not r.text(m["name"], f"{key}.name"):
            r.err(n, f"{key}.name", "缺少指标名称")
            continue
        kw: dict[str, Any] = {}
        for k in INDICATOR_TEXT:
            if k in m:
                kw[k] = r.text(m[k], f"{key}.{k}")
        for k in INDICATOR_NUM:
            if k in m:
                kw[k] = r.number(m[k], f"{key}.{k}")
        out.append(Indicator(**kw))
    return out


def _breakdowns(r: _Reader, node: yaml.Node) -> list[Breakdown]:
    out = []
    for i, n in enumerate(r.seq(node, "breakdowns")):
        key = f"breakdowns[{i}]"
        m = r.mapping(n, key, {"name", "total", "parts", "unit", "exhaustive"})
        name = r.text(m["name"], f"{key}.name") if "name" in m else None
        total = r.number(m["total"], f"{key}.total") if "total" in m else None
        if not name or total is None:
            r.err(n, key, "须有 name 与 total")
            continue
        parts: list[tuple[str, Decimal]] = []
        if "parts" in m:
            pn = m["parts"]
            if isinstance(pn, yaml.MappingNode):
                parts = list(r.numbers_map(pn, f"{key}.parts").items())
            else:
                for j, it in enumerate(r.seq(pn, f"{key}.parts")):
                    if isinstance(it, yaml.SequenceNode) and len(it.value) == 2:
                        nm, val = r.text(it.value[0], f"{key}.parts[{j}]"), r.number(it.value[1], f"{key}.parts[{j}]")
                    else:
                        pm = r.mapping(it, f"{key}.parts[{j}]", {"name", "value"})
                        nm = r.text(pm["name"], f"{key}.parts[{j}].name") if "name" in pm else None
                        val = r.number(pm["value"], f"{key}.parts[{j}].value") if "value" in pm else None
                    if nm and val is not None:
                        parts.append((nm, val))
        exhaustive = False
        if "exhaustive" in m:
            exhaustive = str(m["exhaustive"].value).lower() in ("true", "yes", "1")
        out.append(Breakdown(name, total, tuple(parts), (r.text(m["unit"], f"{key}.unit") or "") if "unit" in m
                             else "", exhaustive))
    return out


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
