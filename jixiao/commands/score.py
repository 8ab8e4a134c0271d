"""``jixiao score FILE...``: score evaluation files or any reports under a framework, every point explained.

``--format json`` prints one array, one object per FILE (``{"file": …}`` and the score tree, or
``{"file": …, "error": …}``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from jixiao.cli import Exit, app, echo_json
from jixiao.commands._options import options
from jixiao.settings import Settings


@app.command("score")
@options(("table", "json"), framework=True, frameworks=True)
def score(
    files: list[Path] = typer.Argument(..., metavar="FILE...",
                                       help="评价文件（YAML/JSON）或任意自评报告（txt/docx/pdf/xlsx/html）"),
    *, fmt: str, settings: Settings,
) -> None:
    """按评分框架重算得分：每项给出规则、输入、算式与扣分原因。"""
    from jixiao.commands._read import any_unreadable, loaded_files
    from jixiao.scoring import FrameworkError, score_evaluation

    out: list[dict] = []
    for file, ev, _doc in loaded_files(files, out):
        try:
            result = score_evaluation(ev, settings.framework, settings.frameworks)
        except FrameworkError as exc:
            for line in exc.problems:
                typer.echo(line, err=True)
            raise typer.Exit(Exit.UNREADABLE) from None
        out.append({"file": str(file), **result.to_json()})
        if fmt != "json":
            print_score_table(result, str(file), ev.department)
    if fmt == "json":
        echo_json(out)
    raise typer.Exit(Exit.UNREADABLE if any_unreadable(out) else Exit.OK)


def print_score_table(result, title: str, department: str | None = None) -> None:
    """The score tree as the seeds print it: 一级 / 二级 / 三级, 分值, 得分, reason."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from jixiao.scoring.fmt import num

    console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 180)
    head = f"{department or ''} {title}".strip()
    t = Table(title=f"{head}｜框架 {result.framework}（{result.framework_name}，{result.rounding}）", show_lines=False)
    for col, kw in (("一级指标", {}), ("二级指标", {}), ("三级指标", {}), ("分值", {"justify": "right"}),
                    ("得分", {"justify": "right"}), ("自评", {"justify": "right"}), ("规则", {}),
                    ("说明", {"overflow": "fold", "max_width": 70})):
        t.add_column(col, **kw)
    last1 = last2 = None
    for it in result.items:
        l1 = it.level1 if it.level1 != last1 else ""
        l2 = it.level2 if (it.level2 != last2 or l1) else ""
        last1, last2 = it.level1, it.level2
        score = num(it.score) if it.score is not None else "—"
        if it.stated is not None and it.score is not None and it.stated != it.score:
            score = f"[bold red]{score}[/]"
        rule = it.rule + ("" if it.recomputed else "（保留）")
        reason = escape(it.reason)
        for p in it.problems:
            colour = {"error": "red", "warning": "yellow"}.get(p.severity, "cyan")
            reason += f"\n[{colour}]{p.severity}: {escape(p.message)}[/]"
        t.add_row(escape(l1 or ""), escape(l2 or ""), escape(it.name), num(it.weight) if it.weight is not None else "—", score,
                  num(it.stated) if it.stated is not None else "", rule, reason)
    if result.items:
        console.print(t)
    else:
        console.print(f"{escape(head)}｜框架 {result.framework}（{result.framework_name}）")
    if result.others:
        console.print(_others_table(result.others))
    parts = "，".join(f"{k} {num(v)}" for k, v in result.parts.items())
    partial = result.partial
    if result.total is not None:
        total = num(result.total)
    elif partial is not None:
        total = f"—（部分评分：{partial.text()}）"
    else:
        total = "—（未能计算）" if result.scored else "—（不计分）"
    console.print(f"合计 {total}" + (f"（{result.grade}）" if result.grade else "") + (f"；{parts}" if parts else ""))
    if result.why:
        console.print(f"[dim]框架选择：{escape(result.why)}[/]")
    for p in result.problems:
        colour = {"error": "red", "warning": "yellow"}.get(p.severity, "cyan")
        console.print(f"[{colour}]{p.severity}[/]: {escape(p.message)}")


def _others_table(others):
    """The report's indicators that the framework does not have, with their project (not counted)."""
    from rich.markup import escape
    from rich.table import Table

    from jixiao.scoring.fmt import num

    t = Table(title="报告所列其他指标（不在评分框架中，不计入得分）")
    for col, kw in (("项目", {}), ("一级指标", {}), ("二级指标", {}), ("指标", {}), ("目标", {}), ("实际", {}),
                    ("分值", {"justify": "right"}), ("自评", {"justify": "right"})):
        t.add_column(col, **kw)
    for it in others:
        row = it.inputs
        t.add_row(escape(it.project or ""), escape(it.level1 or ""), escape(it.level2 or ""), escape(it.name),
                  escape(str(row.get("target") or "")), escape(str(row.get("actual") or "")),
                  num(it.weight) if it.weight is not None else "", num(it.stated) if it.stated is not None else "")
    return t
