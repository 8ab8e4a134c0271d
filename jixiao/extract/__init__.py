"""Document → :class:`~jixiao.model.Evaluation`, every figure with its evidence.

The passes run in a fixed order so that structured regions claim their text
first: tables and forms, then project sections and expense lists, then the
narrative budget, ratios and breakdowns, then identity and sections.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

from jixiao.extract.collect import Context
from jixiao.extract.formcells import read_money_cells, read_staffing_cells
from jixiao.extract.funding_text import numbered_projects, read_fund_statements, read_funding_sources
from jixiao.extract.funding_text import read_project_name as read_fund_project
from jixiao.extract.identity import (
    read_overall_goal,
    read_score_statements,
    read_sections,
    read_signed_date,
)
from jixiao.extract.narrative import (
    Found,
    find_project_sections,
    projects_from,
    read_breakdowns,
    read_budget,
    read_expense_lists,
    read_ratios,
)
from jixiao.extract.narrind import read_prose_indicators
from jixiao.extract.projtable import read_project_tables
from jixiao.extract.script import read_through
from jixiao.extract.seedforms import read_indicator_lists, read_mof_text_form, read_tab_tables
from jixiao.extract.tables import block_budget, block_sources, read_funds_block, read_grid_indicators
from jixiao.extract.unit import (
    read_department,
    read_implementer,
    read_project_name,
    read_scope,
    read_supervisor,
    read_title,
    read_year,
)
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.extract.yearcols import read_year_columns
from jixiao.forms import resolve as resolve_form
from jixiao.ingest.base import Document
from jixiao.model import (
    Budget,
    Evaluation,
    Funding,
    FundingSource,
    Indicator,
    Project,
    ScoreSummary,
    Staffing,
    plain,
)

__all__ = ["extract", "evaluation_to_json"]


def extract(doc: Document) -> Evaluation:
    """Read every fact the document states; state nothing it does not."""
    return read_through(doc, _extract)


def _extract(doc: Document) -> Evaluation:
    ctx = Context(doc)
    title, title_pos = read_title(ctx)
    year, y0, y1 = read_year(ctx, title, title_pos)

    # 1. structured regions
    funds = read_funds_block(ctx)
    mof = read_mof_text_form(ctx)
    if funds is not None:
        mof = {"indicators": [], **(mof or {})}
    tab_indicators, tab_extra = read_tab_tables(ctx)
    grid_indicators = read_grid_indicators(ctx, fallback_from=funds["block"].end if funds else None)
    find_project_sections(ctx)
    numbered = numbered_projects(ctx)
    list_indicators = read_indicator_lists(ctx)
    dept_form = funds is not None and _department_total().search(funds["block"].total_label or "")
    scope = read_scope(ctx, title, project_form=mof is not None and not dept_form)

    indicators: list[Indicator] = []
    moved: dict[str, str] = {}
    found = Found()
    if not list_indicators:
        list_indicators = read_prose_indicators(ctx, found.ratios)
    form = None
    if funds is not None:
        row = funds.get("row")
        if row is not None:
            indicators.append(row["indicator"])
            for key, (a, b) in row["spans"].items():
                ctx.mark(f"indicators[0].{key}", a, b)
        for slot, (v, a, b) in funds["budget"].items():
            found.budget[slot] = v
            ctx.mark(f"budget.{slot}", a, b)
    if mof is not None:
        base = len(indicators)
        for i, _ind in enumerate(mof["indicators"]):
            moved[f"_mof[{i}]"] = f"indicators[{base + i}]"
        indicators.extend(mof["indicators"])
    base = len(indicators)
    for i in range(len(tab_indicators)):
        moved[f"indicators[{i}]"] = f"indicators[{base + i}]"
    indicators.extend(tab_indicators)
    base = len(indicators)
    for i in range(len(grid_indicators)):
        moved[f"_grid[{i}]"] = f"indicators[{base + i}]"
    indicators.extend(grid_indicators)
    base = len(indicators)
    for i in range(len(list_indicators)):
        moved[f"_list[{i}]"] = f"indicators[{base + i}]"
    indicators.extend(list_indicators)
    _rename_evidence(ctx, moved)
    indicators = [_normalise_levels(i) for i in indicators]

    # 2. prose
    read_expense_lists(ctx, found)
    read_staffing_cells(ctx, found.staffing, found.ratios)
    read_money_cells(ctx, found.budget, found.funding)
    read_year_columns(ctx, year, found.budget, found.projects)
    read_budget(ctx, found)
    if scope == "project" or not found.budget:
        read_fund_statements(ctx, found.budget)
    read_ratios(ctx, found)
    read_breakdowns(ctx, found)
    sources: list[dict] = []
    if scope == "project":  # a department's money by source is ``funding`` (一般公共预算, 政府性基金 …)
        sources = (block_sources(funds["block"]) if funds is not None else []) or read_funding_sources(ctx)
    for i, src in enumerate(sources):
        for key, (a, z) in src.pop("_ev").items():
            ctx.mark(f"funding_sources[{i}].{key}", a, z)
    for i, p in enumerate(numbered):
        ev = ctx.evidence.pop(f"_project_name[{i}]", None)
        if ev is not None:
            p["_ev"]["name"] = (ev.start, ev.end)
    found.projects[:0] = [p for p in numbered if not any(q["name"] == p["name"] for q in found.projects)]
    found.projects.extend(p for p in read_project_tables(ctx) if not any(q["name"] == p["name"] for q in found.projects))
    projects = list(projects_from(found, ctx))

    # 3. identity and sections
    profile, _why = resolve_form(title, ctx.text, [i.level1 for i in indicators if i.level1], scope,
                                 rows=[(i.name, i.weight) for i in indicators], fallback=False)
    form = profile.id if profile is not None else None
    department, d0, d1 = read_department(ctx, title)
    if department:
        ctx.mark("department", d0, d1)
    if year:
        ctx.mark("year", y0, y1)
    if scope == "project" and not projects and funds is not None and funds["more"]:
        # several project forms in one document: a project for each, named by the form's 项目名称
        edges = [funds["block"], *funds["more"]]
        for k, blk in enumerate(edges):
            lo = edges[k - 1].end if k else max(0, blk.start - 3000)
            named = read_project_name(ctx, lo, blk.start)
            if not named:
                continue
            figs = block_budget(blk)
            i = len(projects)
            projects.append(Project(name=named[0], **{key: v for key, (v, _a, _b) in figs.items()}))
            ctx.mark(f"projects[{i}].name", named[1], named[2])
            for key, (_v, a, b) in figs.items():
                ctx.mark(f"projects[{i}].{key}", a, b)
    if scope == "project" and not projects:
        # a project self-evaluation lists its one project with the document's figures
        named = read_project_name(ctx) or read_fund_project(ctx, title)
        if named:
            b = found.budget
            projects.append(Project(name=named[0], budget=b.get("adjusted"), executed=b.get("executed"),
                                    execution_rate=b.get("execution_rate")))
            ctx.mark("projects[0].name", named[1], named[2])
    implementer, i0, i1 = read_implementer(ctx)
    if implementer:
        ctx.mark("implementer", i0, i1)
    supervisor, u0, u1 = read_supervisor(ctx)
    if supervisor == department:
        supervisor = None
    elif supervisor:
        ctx.mark("supervisor", u0, u1)
    overall = read_overall_goal(ctx)
    for key, (_, a, z) in overall.items():
        ctx.mark(key, a, z)
    signed, s0, s1 = read_signed_date(ctx)
    if signed:
        ctx.mark("signed_date", s0, s1)
    sections = read_sections(ctx)
    level1_names = list(dict.fromkeys(i.level1 for i in indicators if i.level1))
    stated = read_score_statements(ctx, level1_names)
    total = tab_extra.get("total") or stated.get("total")
    parts = {}
    for name, (v, a, b) in stated.get("parts", {}).items():
        parts[name] = v
        ctx.mark(f"score.parts.{name}", a, b)
    if total:
        if len(total) == 3:
            ctx.mark("score.total", total[1], total[2])
            total_v = total[0]
        else:
            ctx.mark("score.total", *total[1])
            total_v = total[0]
    else:
        total_v = None
    grade = stated.get("grade")
    if grade:
        ctx.mark("score.grade", grade[1], grade[2])

    b = found.budget
    budget = Budget(**{k: v for k, v in b.items() if k in {f.name for f in fields(Budget)}})
    return Evaluation(
        doc=_doc_id(doc.name),
        department=department,
        implementer=implementer,
        supervisor=supervisor,
        year=year,
        scope=scope,
        title=title,
        form=form,
        budget=budget,
        funding=Funding(**found.funding),
        funding_sources=tuple(FundingSource(**src) for src in sources),
        projects=tuple(projects),
        indicators=tuple(indicators),
        score=ScoreSummary(total=total_v, parts=parts, grade=grade[0] if grade else None),
        staffing=Staffing(**found.staffing),
        other_rates=tuple(found.ratios),
        breakdowns=tuple(found.breakdowns),
        problems=sections.get("problems", (None,))[0],
        measures=sections.get("measures", (None,))[0],
        goal=overall.get("goal", (None,))[0],
        summary=overall.get("summary", (None,))[0],
        signed_date=signed,
        evidence=dict(ctx.evidence),
    )


@vocabulary_cache
def _department_total() -> re.Pattern[str]:
    """Words of a funds block's total row that make the form a department's (部门整体支出总额)."""
    return re.compile(alt(lexicon()["funds"]["department_total"]))


def _doc_id(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r"\.[A-Za-z0-9]+$", "", base)


_MOVED_PATH = re.compile(r"^(_mof\[\d+\]|_list\[\d+\]|_grid\[\d+\]|indicators\[\d+\])(.*)$")


def _rename_evidence(ctx: Context, moved: dict[str, str]) -> None:
    if not moved:
        return
    new: dict = {}
    for path, ev in ctx.evidence.items():
        m = _MOVED_PATH.match(path)
        if m and m.group(1) in moved:
            new[moved[m.group(1)] + m.group(2)] = ev
        elif m and m.group(1).startswith("_"):
            continue
        else:
            new[path] = ev
    ctx.evidence.clear()
    ctx.evidence.update(new)


def _normalise_levels(ind: Indicator) -> Indicator:
    """Level names are written with stray spaces in tables (部门 决策)."""
    from dataclasses import replace

    return replace(ind, level1="".join(ind.level1.split()) if ind.level1 else None,
                   level2="".join(ind.level2.split()) if ind.level2 else None)


def evaluation_to_json(ev: Evaluation, *, evidence: bool = True) -> dict[str, Any]:
    """The labels' JSON shape (../shared/corpus/*.expected.json) plus ``evidence``: keys not stated are omitted.

    The walk over the model is the evaluation file's (:func:`jixiao.evalfile.evaluation_to_dict`);
    this adds JSON numbers and the evidence spans.
    """
    from jixiao.evalfile import evaluation_to_dict

    out = plain(evaluation_to_dict(ev))
    if evidence and ev.evidence:
        out["evidence"] = {k: v.to_json() for k, v in ev.evidence.items()}
    return out
