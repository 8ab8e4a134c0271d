"""Report forms (xlsx / docx / html / pdf), the 自评报告 draft, the 填报模板 workbook and exports.

One entry point, :func:`render`. A layout (``templates/<name>.yaml``) is a cell map
in data; the view model (:mod:`jixiao.render.context`) is filled from the
evaluation and its recomputed :class:`~jixiao.scoring.ScoreResult`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jixiao.model import Evaluation, Finding

__all__ = ["FORMATS", "render", "render_many", "prepare"]

FORMATS = ("xlsx", "docx", "html", "pdf")


def prepare(ev: Evaluation, *, layout: str | None = None, framework: str | None = None,
            score_result: Any = None, findings: Iterable[Finding] | None = None) -> tuple[Any, dict[str, Any]]:
    """(grid, context) for an evaluation: score it when no result is given and scoring is available."""
    from jixiao.render.context import build_context, compute_score
    from jixiao.render.grid import build_grid, choose_layout, load_layout

    if score_result is None:
        score_result = compute_score(ev, framework)
    ctx = build_context(ev, score_result, list(findings or ()))
    fw = framework or ctx.get("framework")
    name = choose_layout(ev.scope, str(fw) if fw else None, layout, form=ev.form)
    data = load_layout(name)
    grid = build_grid(data, ctx)
    return grid, ctx


def render(ev: Evaluation, to: str, out: Path | None = None, *, layout: str | None = None,
           framework: str | None = None, score_result: Any = None, findings: Iterable[Finding] | None = None,
           draft: bool | None = None) -> bytes:
    """Render the form for ``ev`` as ``to`` (xlsx, docx, html, pdf); write ``out`` when given; return the bytes.

    ``draft``: None = the form, plus the 自评报告 draft for docx/html/pdf; True = the draft only
    (docx/html/pdf); False = the form only.
    """
    to = to.lower().lstrip(".")
    if to not in FORMATS:
        raise ValueError(f"不支持的输出格式 {to!r}（可选：{', '.join(FORMATS)}）")
    grid, ctx = prepare(ev, layout=layout, framework=framework, score_result=score_result, findings=findings)
    with_draft = draft is not False
    if to == "xlsx":
        from jixiao.render.xlsx import grid_to_xlsx

        data = grid_to_xlsx(grid)
    elif to == "docx":
        data = _docx(grid, ctx, form=draft is not True, with_draft=with_draft)
    elif to == "html":
        data = _html(grid, ctx, with_draft)
    else:
        data = _pdf(grid, ctx, draft)
    if out is not None:
        Path(out).write_bytes(data)
    return data


def _docx(grid: Any, ctx: dict[str, Any], *, form: bool, with_draft: bool) -> bytes:
    from jixiao.render.docx import draw_form, new_doc, page_break, to_bytes
    from jixiao.render.draft import draw_draft

    doc = new_doc(grid.layout)
    if form:
        draw_form(doc, grid)
    if with_draft:
        if form:
            page_break(doc)
        draw_draft(doc, ctx)
    return to_bytes(doc)


def _html(grid: Any, ctx: dict[str, Any], with_draft: bool) -> bytes:
    from jixiao.render.html import grid_to_html

    return grid_to_html(grid, ctx, with_draft=with_draft).encode("utf-8")


def _pdf(grid: Any, ctx: dict[str, Any], draft: bool | None) -> bytes:
    from jixiao.render.pdf import convert_with_soffice, html_to_pdf, weasyprint_available

    if weasyprint_available():
        return html_to_pdf(_html(grid, ctx, draft is not False).decode("utf-8"))
    return convert_with_soffice(_docx(grid, ctx, form=draft is not True, with_draft=draft is not False), ".docx")


def render_many(evs: Iterable[Evaluation], to: str, out_dir: Path, **kw: Any) -> list[Path]:
    """Render each evaluation to ``out_dir/<doc>.<to>``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ev in evs:
        p = out_dir / f"{Path(ev.doc).stem or 'form'}.{to}"
        render(ev, to, p, **kw)
        paths.append(p)
    return paths
