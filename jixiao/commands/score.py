"""``jixiao score FILE``: score an evaluation file or any report under a framework, every point explained."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from jixiao.cli import Exit, app, echo_json, error_line


class ScoreFormat(str, Enum):
    table = "table"
    json = "json"


@app.command("score")
def score(
    file: Path = typer.Argument(..., help="评价文件（YAML/JSON）或任意自评报告（txt/docx/pdf/xlsx/html）"),
    framework: str | None = typer.Option(None, "--framework", "-f", help="评分框架名或 YAML 路径；默认按文档自动选择"),
    frameworks: Path | None = typer.Option(None, "--frameworks", help="用户评分框架所在目录（也可用环境变量 JIXIAO_FRAMEWORKS）",
                                           envvar="JIXIAO_FRAMEWORKS"),
    fmt: ScoreFormat = typer.Option(ScoreFormat.table, "--format", help="table 或 json"),
) -> None:
    """按评分框架重算得分：每项给出规则、输入、算式与扣分原因。"""
    from jixiao.ingest import IngestError
    from jixiao.pipeline import load_limited
    from jixiao.scoring import FrameworkError, score_evaluation

    try:
        ev, _ = load_limited(file)
    except IngestError as exc:
        error_line(str(file), exc.reason)
        raise typer.Exit(Exit.UNREADABLE) from None
    except ImportError:
        error_line(str(file), "无法读取该格式：报告提取器（jixiao.extract）尚未安装")
        raise typer.Exit(Exit.UNREADABLE) from None
    except ValueError as exc:
        error_line(str(file), str(exc).replace("\n", "；"))
        raise typer.Exit(Exit.UNREADABLE) from None
    try:
        result = score_evaluation(ev, framework, frameworks)
    except FrameworkError as exc:
        for line in exc.problems:
            typer.echo(line, err=True)
        raise typer.Exit(Exit.UNREADABLE) from None
    if fmt == ScoreFormat.json:
        echo_json({"file": str(file), **result.to_json()})
    else:
        print_score_table(result, str(file), ev.department)
    raise typer.Exit(Exit.OK)


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
    parts = "，".join(f"{k} {num(v)}" for k, v in result.parts.items())
    total = num(result.total) if result.total is not None else ("—（未能计算）" if result.scored else "—（不计分）")
    console.print(f"合计 {total}" + (f"（{result.grade}）" if result.grade else "") + (f"；{parts}" if parts else ""))
    for p in result.problems:
        colour = {"error": "red", "warning": "yellow"}.get(p.severity, "cyan")
        console.print(f"[{colour}]{p.severity}[/]: {escape(p.message)}")
