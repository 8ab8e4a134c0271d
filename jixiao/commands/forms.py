"""``jixiao forms``: the report forms that are loaded (built-in folders, ``--forms DIR``, $JIXIAO_FORMS,
entry points), what each one brings and where it came from, as ``datasette plugins`` lists its plugins."""

from __future__ import annotations

import sys

import typer

from jixiao.cli import Exit, app, echo_json, error_line
from jixiao.commands._options import options


def _row(f) -> dict:
    """One form as plain data: what it detects on and which parts (framework, layout, words) it brings."""
    layout = f.layout if isinstance(f.layout, str) or f.layout is None else f.layout.name
    return {"id": f.id, "title": f.title, "scope": f.scope, "builtin": f.builtin, "folder": str(f.folder),
            "framework": f.framework.name if f.framework else None, "layout": layout,
            "lexicon": sorted(f.lexicon), "detect_title": f.detect.title.pattern if f.detect.title else None,
            "priority": f.detect.priority, "ratio_base": f.ratio_base, "description": f.description}


@app.command("forms")
@options(("table", "json"))
def forms_cmd(*, fmt: str) -> None:
    """列出已加载的报表格式（form）：内置的、--forms 目录、JIXIAO_FORMS 与插件包提供的。"""
    from jixiao import forms

    try:
        rows = [_row(f) for f in forms.all_forms()]
    except forms.FormError as exc:
        error_line("jixiao forms", str(exc))
        raise typer.Exit(Exit.UNREADABLE) from None
    if fmt == "json":
        echo_json(rows)
        raise typer.Exit(Exit.OK)
    from rich.console import Console
    from rich.table import Table

    t = Table(title="报表格式")
    for col in ("名称", "标题", "范围", "评分框架", "版式", "词表", "来源"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["id"], r["title"], "项目" if r["scope"] == "project" else "部门整体", r["framework"] or "—",
                  r["layout"] or "—", "、".join(r["lexicon"]) or "—", "内置" if r["builtin"] else r["folder"])
    Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160).print(t)
    raise typer.Exit(Exit.OK)
