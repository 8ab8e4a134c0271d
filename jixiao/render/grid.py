"""Layouts as data: a YAML cell map + the view model → a format-neutral grid of cells.

A layout (``templates/<name>.yaml``) lists rows of cells placed left to right the
way an HTML table places them: a cell skips columns still covered by a ``rowspan``
from above. ``repeat: <list>`` emits one row per item of a context list, and a
cell's ``group`` merges equal consecutive values vertically (一级/二级 指标).
xlsx, docx and html all draw the same :class:`Grid`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_FIELD_RE = re.compile(r"\{([A-Za-z_][\w.]*)\}")
_SPAN_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\+\s*(\d+))?\s*$")


class LayoutError(ValueError):
    """A layout file that is missing or malformed."""


@dataclass(slots=True)
class GridCell:
    row: int
    col: int
    value: Any = None
    rowspan: int = 1
    colspan: int = 1
    fmt: str | None = None
    style: str = "cell"


@dataclass(slots=True)
class Grid:
    layout: dict[str, Any]
    widths: list[float]
    cells: list[GridCell] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    nrows: int = 0
    table_start: int = 0  # first bordered row (after title rows)

    @property
    def ncols(self) -> int:
        return len(self.widths)


def layout_names() -> list[str]:
    """Ids of the report forms that have a layout of their own (``jixiao.forms``)."""
    from jixiao.forms import all_forms

    return sorted(f.id for f in all_forms() if isinstance(f.layout, Path))


def _layout_owner(name: str, seen: tuple[str, ...] = ()) -> str | None:
    """The id of the form whose layout file the form ``name`` prints with (a form may borrow another's)."""
    from jixiao.forms import get

    form = get(name)
    if form is None or form.layout is None or name in seen:
        return None
    if isinstance(form.layout, Path):
        return form.id
    return _layout_owner(form.layout, (*seen, name))


def _layout_file(name: str) -> Path | None:
    from jixiao.forms import get

    owner = _layout_owner(name)
    return get(owner).layout if owner else None  # type: ignore[union-attr]


@lru_cache(maxsize=32)
def load_layout(name: str) -> dict[str, Any]:
    from jixiao.forms import on_reset

    on_reset(load_layout.cache_clear)
    return _load_layout(name)


def _load_layout(name: str) -> dict[str, Any]:
    """A layout by form id (``mof-project-2020``) or by path to a YAML file."""
    if name.endswith((".yaml", ".yml")):
        path = Path(name)
    else:
        path = _layout_file(name)
        if path is None:
            raise LayoutError(f"未知的版式 {name!r}（可用：{', '.join(layout_names())}）")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "rows" not in data or "columns" not in data:
        raise LayoutError(f"版式 {name!r} 缺少 columns 或 rows")
    return data


def choose_layout(scope: str | None, framework: str | None, layout: str | None = None,
                  form: str | None = None) -> str:
    """The layout to use: the one named, else the report form's, else that of the form whose framework is
    ``framework``, else that of the form that is the default for the scope."""
    from jixiao.forms import all_forms
    from jixiao.scoring.framework import form_frameworks

    if layout:
        return layout
    if form and _layout_owner(form):
        return _layout_owner(form)  # type: ignore[return-value]
    if framework:
        for f in all_forms():
            if form_frameworks().get(f.id) == framework and _layout_owner(f.id):
                return _layout_owner(f.id)  # type: ignore[return-value]
    for f in all_forms():
        if f.detect.default_for == (scope or "project") and _layout_owner(f.id):
            return _layout_owner(f.id)  # type: ignore[return-value]
    return "dept-shenzhen" if scope == "department" else "mof-project-2020"


def lookup(ctx: Any, path: str) -> Any:
    """``budget.adjusted`` in a nested dict (None when any part is missing)."""
    cur = ctx
    for part in path.split("."):
        if isinstance(cur, dict):
            cur = cur.get(part)
        else:
            cur = getattr(cur, part, None)
        if cur is None:
            return None
    return cur


def _text(template: str, ctx: Any) -> str:
    def sub(m: re.Match[str]) -> str:
        v = lookup(ctx, m.group(1))
        if v is None:
            return ""
        from jixiao.render.context import fmt_value

        return fmt_value(v, None)

    return _FIELD_RE.sub(sub, template)


def _span(spec: Any, ctx: dict[str, Any]) -> int:
    if spec is None:
        return 1
    if isinstance(spec, int):
        return max(spec, 1)
    m = _SPAN_RE.match(str(spec))
    if not m:
        raise LayoutError(f"rowspan {spec!r}: use a number or '<list>+<n>'")
    items = lookup(ctx, m.group(1)) or []
    rows = max(len(items), int((ctx.get("_min_rows") or {}).get(m.group(1), 0)))
    return max(rows + int(m.group(2) or 0), 1)


def build_grid(layout: dict[str, Any], ctx: dict[str, Any]) -> Grid:
    """Place the layout's cells for this context."""
    grid = Grid(layout=layout, widths=[float(w) for w in layout["columns"]])
    ncols = grid.ncols
    occupied: set[tuple[int, int]] = set()
    r = 0
    min_rows = {row["repeat"]: int(row.get("min_rows", 0)) for row in layout["rows"] if "repeat" in row}
    ctx = {**ctx, "_min_rows": min_rows}
    table_start = None

    def place(r: int, specs: list[dict[str, Any]], item: dict[str, Any] | None, skip: set[int]) -> None:
        c = 0
        for n, spec in enumerate(specs):
            while (r, c) in occupied:
                c += 1
            if n in skip:  # covered by a group merge from above: occupancy already holds it
                continue
            rowspan = spec["_rowspan"] if "_rowspan" in spec else _span(spec.get("rowspan"), ctx)
            colspan = int(spec.get("span", 1))
            if c + colspan > ncols:
                raise LayoutError(f"版式 {layout.get('name')}: 第 {r + 1} 行超出 {ncols} 列")
            if "value" in spec:
                value = lookup(item if item is not None and not spec["value"].startswith("$") else ctx,
                               spec["value"].lstrip("$"))
            else:
                value = _text(str(spec.get("text", "")), item if item is not None else ctx)
            grid.cells.append(GridCell(r, c, value, rowspan, colspan, spec.get("fmt"), spec.get("style", "cell")))
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied.add((r + dr, c + dc))
            c += colspan

    for row in layout["rows"]:
        if row.get("when") and not lookup(ctx, row["when"]):
            continue
        if table_start is None and row.get("table", True) and not row.get("plain"):
            table_start = r
        specs = row["cells"]
        if "repeat" in row:
            items = list(lookup(ctx, row["repeat"]) or [])
            while len(items) < int(row.get("min_rows", 0)):
                items.append({})
            runs = _group_runs(specs, items)
            for i, item in enumerate(items):
                skip = set()
                item_specs = []
                for n, spec in enumerate(specs):
                    run = runs.get((n, i))
                    if run == 0:
                        skip.add(n)
                        item_specs.append(spec)
                    elif run:
                        item_specs.append({**spec, "_rowspan": run})
                    else:
                        item_specs.append(spec)
                place(r, item_specs, item, skip)
                if row.get("height"):
                    grid.heights[r] = float(row["height"])
                r += 1
        else:
            place(r, specs, None, set())
            if row.get("height"):
                grid.heights[r] = float(row["height"])
            r += 1
    grid.nrows = r
    grid.table_start = table_start or 0
    return grid


def _group_runs(specs: list[dict[str, Any]], items: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """(cell index, item index) → run length at a run's first row, 0 inside a run."""
    out: dict[tuple[int, int], int] = {}
    for n, spec in enumerate(specs):
        keys = spec.get("group")
        if not keys:
            continue
        i = 0
        while i < len(items):
            key = tuple(items[i].get(k) for k in keys)
            j = i + 1
            if all(key):
                while j < len(items) and tuple(items[j].get(k) for k in keys) == key:
                    j += 1
            out[(n, i)] = j - i
            for k in range(i + 1, j):
                out[(n, k)] = 0
            i = j
    return out
