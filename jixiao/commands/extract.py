"""``jixiao extract``: figures with evidence, as JSON (the labels' shape), a table, or CSV.

``--format json`` prints one array, one object per FILE: ``{"file": …}`` followed by the labels' shape,
or ``{"file": …, "error": …}`` for a file that could not be read.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from jixiao.cli import Exit, app, echo_json
from jixiao.commands._options import options


class OcrMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


@app.command("extract")
@options(("table", "json", "csv"))
def extract_cmd(
    files: list[Path] = typer.Argument(..., help="报告文件 (txt/docx/pdf/xlsx/html/doc) 或评价文件 (yaml/json)"),
    ocr: OcrMode = typer.Option(OcrMode.auto, "--ocr", help="扫描件 OCR: auto|always|never"),
    evidence: bool = typer.Option(True, "--evidence/--no-evidence", help="JSON 中附带证据位置"),
    *, fmt: str,
) -> None:
    """提取报告中的数字与事实，每项附出处 (extract figures with evidence)."""
    from jixiao.commands._read import any_unreadable, loaded_files
    from jixiao.extract import evaluation_to_json

    results = []
    data: list[dict] = []
    for path, ev, _doc in loaded_files(files, data, ocr=ocr.value):
        results.append((path, ev))
        data.append({"file": str(path), **evaluation_to_json(ev, evidence=evidence)})
    if fmt == "json":
        echo_json(data)
    elif fmt == "csv":
        from jixiao.render.export import evaluations_to_csv

        sys.stdout.write(evaluations_to_csv([ev for _, ev in results]))
    else:
        _print_tables(results)
    raise typer.Exit(Exit.UNREADABLE if any_unreadable(data) else Exit.OK)


def _print_tables(results) -> None:
    from rich.console import Console
    from rich.table import Table

    from jixiao.model import BUDGET_FIELDS

    names = {
        "initial": "年初预算数", "adjusted": "调整后/全年预算数", "executed": "执行数/决算数", "execution_rate": "预算执行率(%)",
        "basic": "基本支出", "project": "项目支出", "personnel": "人员经费", "public": "日常公用经费",
        "carryover_start": "年初结转结余", "carryover_end": "年末结转结余", "adjustment": "预算调整数",
        "adjustment_rate": "调整率(%)",
    }
    console = Console()
    for path, ev in results:
        t = Table(title=f"{path}  {ev.department or '（未识别单位）'} {ev.year or ''} "
                        f"{'项目' if ev.scope == 'project' else '部门整体'}", show_lines=False)
        t.add_column("项目")
        t.add_column("数值", justify="right")
        t.add_column("出处", overflow="fold")
        for key in BUDGET_FIELDS:
            v = getattr(ev.budget, key)
            if v is not None:
                e = ev.evidence.get(f"budget.{key}")
                t.add_row(names[key], str(v), f"第{e.line}行 {e.text}" if e else "")
        for i, r in enumerate(ev.other_rates):
            e = ev.evidence.get(f"other_rates[{i}].stated")
            inputs = f" = {r.numerator}/{r.denominator}" if r.numerator is not None else ""
            t.add_row(r.name, f"{r.stated}%{inputs}", f"第{e.line}行" if e else "")
        if ev.indicators:
            t.add_row("指标行数", str(len(ev.indicators)), "")
        if ev.score.total is not None:
            e = ev.evidence.get("score.total")
            t.add_row("自评总分", str(ev.score.total), f"第{e.line}行" if e else "")
        for k, v in ev.score.parts.items():
            t.add_row(f"  {k}", str(v), "")
        console.print(t)
