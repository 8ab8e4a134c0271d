"""The web layer's only door to the engine: pipeline, scoring, render.

No scoring or parsing here; these functions call :mod:`jixiao.pipeline`,
:mod:`jixiao.scoring` and :mod:`jixiao.render` and turn their results into
JSON-ready dicts, never raising for a bad input (the one-line reason is returned).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jixiao.model import Evaluation

EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}

BUDGET_LABELS = {
    "initial": "年初预算数", "adjusted": "全年预算数", "executed": "执行数", "execution_rate": "预算执行率",
    "basic": "基本支出", "project": "项目支出", "personnel": "人员经费", "public": "日常公用经费",
    "carryover_start": "年初结转", "carryover_end": "年末结转", "adjustment": "预算调整数",
    "adjustment_rate": "预算调整率",
}
FORM_BUDGET_FIELDS = ("initial", "adjusted", "executed", "execution_rate", "basic", "project")
INDICATOR_FIELDS = ("level1", "level2", "name", "target", "actual", "weight", "score")


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def analyse_bytes(name: str, data: bytes, framework: str | None = None) -> tuple[dict[str, Any], str | None]:
    """``Analysis.to_json()`` for uploaded bytes, plus the document text (None for evaluation files)."""
    try:
        from jixiao.pipeline import analyse

        analysis = analyse(name, framework, data=data)
    except Exception as exc:  # the engine must never take the worker down; the file gets its error
        return {"file": name, "error": f"分析失败：{one_line(exc)}"}, None
    if analysis.error:
        return {"file": name, "sha256": analysis.sha256, "error": analysis.error}, None
    try:
        result = analysis.to_json()
    except Exception as exc:
        return {"file": name, "error": f"结果序列化失败：{one_line(exc)}"}, None
    text = analysis.document.text if analysis.document is not None else None
    return result, text


def export_report(name: str, data: bytes, to: str) -> bytes:
    """The 自评表 (or report draft) of a stored upload, re-analysed from its bytes."""
    from jixiao.pipeline import analyse
    from jixiao.render import render

    analysis = analyse(name, data=data)
    if analysis.error or analysis.evaluation is None:
        raise ValueError(analysis.error or "无法读取该文件")
    return render(analysis.evaluation, to, score_result=analysis.score, findings=analysis.findings)


# -- frameworks ----------------------------------------------------------------------------------------
def frameworks(stored: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every framework: uploaded ones (``stored``: id → YAML path) first, then user folders and shipped ones."""
    from jixiao.scoring import list_frameworks, load_framework

    out = []
    seen: set[str] = set()
    for fid, path in (stored or {}).items():
        try:
            fw = load_framework(path)
        except Exception:
            continue
        item = _framework_item(fw)
        item.update(id=fid, stored=True, file=Path(str(path)).name)
        out.append(item)
        seen.add(fid)
    for fw in list_frameworks():
        if fw.id in seen:
            continue
        seen.add(fw.id)
        item = _framework_item(fw)
        item["stored"] = False
        out.append(item)
    return out


def _framework_item(fw: Any) -> dict[str, Any]:
    item = fw.to_json() if hasattr(fw, "to_json") else {"id": str(fw), "name": str(fw)}
    item.setdefault("description", getattr(fw, "description", ""))
    item.setdefault("scope", getattr(fw, "scope", None))
    return item


class UnknownFramework(ValueError):
    """A framework name that is neither uploaded nor shipped (nor in $JIXIAO_FRAMEWORKS)."""


def framework_ids(stored: Mapping[str, Any] | None = None) -> set[str]:
    """Every framework id a request may name: the uploaded ones and those the scoring engine lists."""
    from jixiao.scoring import list_frameworks

    ids = set(stored or {})
    try:
        ids.update(fw.id for fw in list_frameworks())
    except Exception:  # a broken file in $JIXIAO_FRAMEWORKS: the shipped and uploaded ones still count
        from jixiao.forms import BUILTIN_DIR

        ids.update(p.name for p in BUILTIN_DIR.iterdir() if (p / "framework.yaml").is_file())
    return ids


def check_framework(name: str | None, stored: Mapping[str, Any] | None = None) -> str | None:
    """``name`` when it is a known framework id (None stays None); UnknownFramework otherwise.

    Names come from requests: they are looked up among ids only, never opened as paths.
    """
    if not name:
        return None
    if not isinstance(name, str) or name not in framework_ids(stored):
        shown = str(name)[:60]
        raise UnknownFramework(f"未知的指标体系 {shown!r}，请从指标体系列表中选择")
    return name


def resolve_framework(name: str | None, stored: Mapping[str, Any] | None = None) -> str | None:
    """What to hand the engine for a known framework id: an uploaded one's YAML path, else the id itself."""
    name = check_framework(name, stored)
    if name is None:
        return None
    path = (stored or {}).get(name)
    return str(path) if path is not None else name


def framework_detail(name: str, stored: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    try:
        from jixiao.scoring import load_framework

        fw = load_framework(resolve_framework(name, stored) or name)
    except Exception:
        return None
    data = fw.to_json(tree=True)
    data["stored"] = name in (stored or {})
    if data["stored"]:
        data["file"] = Path(str((stored or {})[name])).name
    data["description"] = getattr(fw, "description", "")
    data["rounding_label"] = getattr(fw, "rounding_label", data.get("rounding"))
    data["source"] = getattr(fw, "source", None)
    rules = {}
    for node in fw.nodes():
        if node.rule is not None:
            rules[node.path] = {"kind": node.rule.kind, "title": _describe(node.rule),
                                "params": {k: _plain(v) for k, v in node.rule.params.items()},
                                "note": node.note}
    data["rules"] = rules
    data["nodes"] = [_flat(n, 1) for n in fw.tree]
    return data


def _describe(rule: Any) -> str:
    try:
        return rule.describe()
    except Exception:
        return rule.kind


def _flat(node: Any, level: int) -> dict[str, Any]:
    out = {"name": node.name, "weight": node.weight, "path": node.path, "level": level,
           "rule": node.rule.kind if node.rule else None, "rule_title": _describe(node.rule) if node.rule else None,
           "params": {k: _plain(v) for k, v in node.rule.params.items()} if node.rule else {},
           "params_text": [f"{k} = {param_text(v)}" for k, v in node.rule.params.items()] if node.rule else [],
           "note": node.note, "aliases": list(node.aliases)}
    out["children"] = [_flat(c, level + 1) for c in node.children]
    return out


_BOUND_KEYS = ("upto", "above", "from", "below")


def param_text(v: Any) -> str:
    """A rule parameter as short readable text (Decimals plain, bands by their own label when they have one)."""
    if isinstance(v, Decimal):
        text = format(v, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(v, Mapping):
        label = v.get("_text")
        rest = [f"{k}={param_text(x)}" for k, x in v.items()
                if not str(k).startswith("_") and not (label and k in _BOUND_KEYS)]
        return f"{label}：{'，'.join(rest)}" if label else "，".join(rest)
    if isinstance(v, list | tuple):
        return "；".join(param_text(x) for x in v)
    return str(v)


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal | int | float | str | bool) or v is None:
        return v
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return str(v)


# -- departments ---------------------------------------------------------------------------------------
def dept_types() -> tuple[str, ...]:
    """The 单位类型 vocabulary (jixiao.region), 其他 last."""
    from jixiao.region import dept_types

    return dept_types()


# -- 填报 forms ----------------------------------------------------------------------------------------
def dec(value: Any) -> Decimal | None:
    """A form field as Decimal (None when blank); ValueError with a Chinese reason when not a number."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    s = str(value).strip().replace(",", "").replace("，", "").rstrip("%％")
    if not s:
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"“{value}” 不是数字") from None
    if not d.is_finite():
        raise ValueError(f"“{value}” 不是数字")
    return d


def form_to_data(form: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The 填报 form's fields → evaluation-file dict (expected.json shape); errors per field."""
    errors: list[str] = []

    def num(key: str, label: str) -> Decimal | None:
        try:
            return dec(form.get(key))
        except ValueError as exc:
            errors.append(f"{label}：{exc}")
            return None

    year_raw = str(form.get("year") or "").strip()
    year = None
    if year_raw:
        if year_raw.isdigit() and 1990 <= int(year_raw) <= 2100:
            year = int(year_raw)
        else:
            errors.append(f"年度：“{year_raw}” 不是有效年份")
    data: dict[str, Any] = {
        "department": str(form.get("department") or "").strip() or None,
        "implementer": str(form.get("implementer") or "").strip() or None,
        "year": year,
        "scope": form.get("scope") if form.get("scope") in ("department", "project") else "project",
        "title": str(form.get("title") or "").strip() or None,
    }
    budget = {k: num(f"budget.{k}", BUDGET_LABELS[k]) for k in FORM_BUDGET_FIELDS}
    data["budget"] = {k: v for k, v in budget.items() if v is not None}
    total = num("score.total", "自评总分")
    data["score"] = {"total": total} if total is not None else {}
    rows = []
    names = _getlist(form, "ind.name")
    n = len(names)
    cols = {f: _getlist(form, f"ind.{f}") for f in INDICATOR_FIELDS}
    for i in range(n):
        row: dict[str, Any] = {}
        for f in INDICATOR_FIELDS:
            vals = cols[f]
            v = vals[i] if i < len(vals) else ""
            v = str(v).strip()
            if f in ("weight", "score"):
                try:
                    d = dec(v)
                except ValueError as exc:
                    errors.append(f"第 {i + 1} 行{'分值' if f == 'weight' else '得分'}：{exc}")
                    d = None
                if d is not None:
                    row[f] = d
            elif v:
                row[f] = v
        if row.get("name"):
            rows.append(row)
    data["indicators"] = rows
    for key in ("goal", "summary", "problems", "measures"):
        v = str(form.get(key) or "").strip()
        if v:
            data[key] = v
    return data, errors


def _getlist(form: Mapping[str, Any], key: str) -> list[Any]:
    if hasattr(form, "getlist"):
        return list(form.getlist(key))
    v = form.get(key)
    if v is None:
        return []
    return list(v) if isinstance(v, list | tuple) else [v]


#: What the 填报 form holds (see ``form_to_data``): a report's evaluation is cut down to these to prefill it.
FILL_KEYS = ("department", "implementer", "year", "scope", "title", "goal", "summary", "problems", "measures")


def evaluation_to_fill_data(ev: Mapping[str, Any]) -> dict[str, Any]:
    """An extracted evaluation (``evaluation_to_json`` shape) → the data of a new 填报 form, prefilled.

    The 填报人 starts from what a report (or last year's form, or a filled template) says and edits it; only
    the fields the form shows are carried over, and nothing is saved until the form is.
    """
    data: dict[str, Any] = {k: ev[k] for k in FILL_KEYS if ev.get(k) not in (None, "")}
    if not data.get("title"):
        projects = ev.get("projects") or []
        if data.get("scope") == "project" and projects and projects[0].get("name"):
            data["title"] = projects[0]["name"]
    data.setdefault("scope", "project")
    budget = ev.get("budget") or {}
    data["budget"] = {k: dec(budget[k]) for k in FORM_BUDGET_FIELDS if budget.get(k) is not None}
    total = (ev.get("score") or {}).get("total")
    data["score"] = {"total": dec(total)} if total is not None else {}
    data["indicators"] = [{f: (dec(row[f]) if f in ("weight", "score") else row[f])
                           for f in INDICATOR_FIELDS if row.get(f) not in (None, "")}
                          for row in ev.get("indicators") or [] if row.get("name")]
    return data


def data_to_evaluation(data: Mapping[str, Any]) -> Evaluation:
    """An evaluation-file dict → Evaluation via :mod:`jixiao.evalfile` (the same reader the CLI uses)."""
    data = dict(data, indicators=[r for r in data.get("indicators") or () if (r.get("name") or "").strip()])
    from jixiao.evalfile import parse_evaluation

    return parse_evaluation(json.dumps(_jsonable(data), ensure_ascii=False), "填报",
                            default_doc=str(data.get("title") or data.get("department") or "填报"))


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, Mapping):
        return {k: _jsonable(x) for k, x in v.items() if x is not None}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


def score_data(data: Mapping[str, Any], framework: str | None = None,
               stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Score a 填报 evaluation: ``{"score": ScoreResult JSON}`` or ``{"error": reason}``.

    ``stored``: uploaded frameworks (id → YAML path), found before user folders and shipped ones.
    """
    try:
        handle = resolve_framework(framework, stored)
    except UnknownFramework as exc:
        return {"error": str(exc)}
    try:
        ev = data_to_evaluation(data)
        from jixiao.scoring import score_evaluation

        result = score_evaluation(ev, handle)
    except Exception as exc:
        return {"error": f"评分失败：{one_line(exc)}"}
    findings: list[Any] = []
    try:
        from jixiao.audit import check

        findings = [f.to_json() for f in check(ev, None, framework=framework or None, score_result=result)]
    except Exception:
        findings = []
    return {"score": result.to_json(), "findings": findings}


def export_data(data: Mapping[str, Any], to: str, framework: str | None = None, draft: bool | None = None,
                stored: Mapping[str, Any] | None = None) -> bytes:
    from jixiao.render import render

    ev = data_to_evaluation(data)
    handle = resolve_framework(framework, stored)
    score_result = None
    if framework and framework in (stored or {}):
        from jixiao.scoring import score_evaluation

        score_result = score_evaluation(ev, handle)
    return render(ev, to, framework=framework or None, draft=draft, score_result=score_result)
