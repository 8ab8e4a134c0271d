"""``jixiao frameworks`` (list) and ``jixiao frameworks show NAME`` (the tree with weights and rules)."""

from __future__ import annotations

import sys

import typer

from jixiao.cli import Exit, app, echo_json
from jixiao.commands._options import options
from jixiao.settings import Settings

frameworks_app = typer.Typer(help="评分框架：列出可用框架，或显示某个框架的指标树。", no_args_is_help=False)
app.add_typer(frameworks_app, name="frameworks")


@frameworks_app.callback(invoke_without_command=True)
@options(("table", "json"), frameworks=True)
def frameworks(ctx: typer.Context, *, fmt: str, settings: Settings) -> None:
    """列出可用的评分框架（内置与用户目录中的）。"""
    if ctx.invoked_subcommand:
        return
    from jixiao.scoring import FrameworkError, list_frameworks

    try:
        fws = list_frameworks(settings.frameworks)
    except FrameworkError as exc:
        for line in exc.problems:
            typer.echo(line, err=True)
        raise typer.Exit(Exit.UNREADABLE) from None
    if fmt == "json":
        echo_json([fw.to_json() for fw in fws])
        raise typer.Exit(Exit.OK)
    from rich.console import Console
    from rich.table import Table

    from jixiao.scoring.fmt import num

    t = Table(title="评分框架")
    for col in ("名称", "说明", "一级指标（分值）", "舍入", "来源"):
        t.add_column(col, overflow="fold")
    for fw in fws:
        parts = "、".join(f"{n.name} {num(n.weight)}" for n in fw.tree) if fw.scored else "不计分"
        t.add_row(fw.id, fw.name, parts, f"{fw.rounding} {fw.places} 位", "内置" if fw.builtin else fw.file)
    Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160).print(t)
    raise typer.Exit(Exit.OK)


@frameworks_app.command("show")
@options(("table", "json"), frameworks=True)
def show(name: str = typer.Argument(..., help="框架名或 YAML 路径"), *, fmt: str, settings: Settings) -> None:
    """显示框架的指标树：每个指标的分值、计分规则与依据等级（V/S/M/I）。"""
    from jixiao.scoring import FrameworkError, load_framework

    try:
        fw = load_framework(name, settings.frameworks)
    except FrameworkError as exc:
        for line in exc.problems:
            typer.echo(line, err=True)
        raise typer.Exit(Exit.UNREADABLE) from None
    if fmt == "json":
        echo_json(fw.to_json(tree=True))
        raise typer.Exit(Exit.OK)
    from rich.console import Console
    from rich.tree import Tree

    from jixiao.scoring.fmt import num

    root = Tree(f"[bold]{fw.id}[/] {fw.name}（总分 {num(fw.total)}，{fw.rounding} {fw.places} 位，"
                f"等级 {'/'.join(f'{g}≥{num(lo)}' for g, lo in fw.grades)}）")

    def add(parent, node) -> None:
        label = f"{node.name} [cyan]{num(node.weight)}[/]"
        if node.rule is not None:
            label += f" — {node.rule.kind}：{node.rule.describe()}"
        if node.user_defined is not None:
            label += f" — 自定义三级指标（{node.user_defined.kind}）"
        if node.tag:
            label += f" [dim][{node.tag}][/]"
        if node.note:
            label += f" [dim]{node.note}[/]"
        branch = parent.add(label)
        for c in node.children:
            add(branch, c)

    for top in fw.tree:
        add(root, top)
    console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    console.print(root)
    if fw.weights_source:
        console.print(f"分值来源：{fw.weights_source}")
    raise typer.Exit(Exit.OK)
