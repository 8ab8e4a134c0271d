"""The form (and optionally the draft) as a print-ready HTML page: Jinja2, @page A4, CJK font stack."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from jixiao.render.context import fmt_value
from jixiao.render.grid import Grid
from jixiao.render.xlsx import UNBORDERED


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jixiao.render", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def grid_to_html(grid: Grid, ctx: dict[str, Any], *, with_draft: bool = False) -> str:
    """Render the grid as an HTML table inside the layout's page template."""
    layout = grid.layout
    by_row: dict[int, list[Any]] = {}
    for gc in grid.cells:
        by_row.setdefault(gc.row, []).append(gc)
    plain = {r for r, cells in by_row.items() if all(c.style in UNBORDERED for c in cells)}
    table_rows = [r for r in range(grid.nrows) if r not in plain]
    first = table_rows[0] if table_rows else grid.nrows
    last = table_rows[-1] if table_rows else -1

    def para(r: int) -> list[dict[str, str]]:
        return [{"style": gc.style, "text": fmt_value(gc.value, gc.fmt)} for gc in by_row.get(r, [])]

    rows = []
    for r in table_rows:
        cells = [{"style": gc.style, "rowspan": gc.rowspan, "colspan": gc.colspan, "text": fmt_value(gc.value, gc.fmt)}
                 for gc in sorted(by_row.get(r, []), key=lambda c: c.col)]
        rows.append({"cells": cells, "height": grid.heights.get(r)})
    total = sum(grid.widths)
    draft = None
    if with_draft:
        from jixiao.render.draft import draft_sections

        title, sections = draft_sections(ctx)
        draft = {"title": title, "sections": sections}
    template = _env().get_template(layout.get("html_template", "form.html.j2"))
    return template.render(
        title=layout.get("title", ""),
        orientation=(layout.get("page") or {}).get("orientation", "portrait"),
        widths=[round(w * 100 / total, 2) for w in grid.widths],
        before=[p for r in sorted(plain) if r < first for p in para(r)],
        after=[p for r in sorted(plain) if r > last for p in para(r)],
        rows=rows,
        draft=draft,
    )
