"""``jixiao report FILE... --to xlsx|docx|html|pdf -o OUT``: the standard form (and 自评报告 draft).

With several FILEs, ``-o`` names a directory (one output per file). ``--datapackage DIR`` also
writes a Fiscal Data Package (datapackage.json + CSV) of all the FILEs.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from jixiao.cli import Exit, app, echo_json, error_line


class To(str, Enum):
    xlsx = "xlsx"
    docx = "docx"
    html = "html"
    pdf = "pdf"


class Format(str, Enum):
    text = "text"
    json = "json"


class Part(str, Enum):
    all = "all"
    form = "form"
    draft = "draft"


@app.command("report")
def report_command(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="评价文件（YAML/JSON）、填报模板或任意报告"),
    to: To = typer.Option(To.xlsx, "--to", "-t", help="输出格式 xlsx | docx | html | pdf"),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="输出文件（多个 FILE 时为目录）；缺省为 FILE 同名加后缀"),
    framework: str | None = typer.Option(None, "--framework", help="评分框架名称（缺省自动识别）"),
    layout: str | None = typer.Option(None, "--layout", help="表式版式名称或 YAML 路径（缺省按框架/评价类型）"),
    part: Part = typer.Option(Part.all, "--part", help="all：表 + 报告草稿（docx/html/pdf）；form：仅表；draft：仅草稿"),
    datapackage: Path | None = typer.Option(None, "--datapackage", help="同时把所有 FILE 导出为数据包到此目录"),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text | json"),
) -> None:
    """生成标准自评表（项目支出/部门整体）及自评报告草稿：xlsx、docx、html 或 pdf。"""
    from jixiao.ingest import IngestError
    from jixiao.pipeline import load_limited
    from jixiao.render import render
    from jixiao.render.grid import LayoutError
    from jixiao.render.pdf import PdfError

    draft = {Part.all: None, Part.form: False, Part.draft: True}[part]
    many = len(files) > 1
    if many and output is not None:
        output.mkdir(parents=True, exist_ok=True)
    results = []
    evaluations = []
    status = Exit.OK
    for path in files:
        try:
            ev, doc = load_limited(path)
        except IngestError as exc:
            error_line(str(path), exc.reason)
            status = Exit.UNREADABLE
            continue
        except (ValueError, OSError) as exc:
            error_line(str(path), str(exc).removeprefix(f"{path}: "))
            status = Exit.UNREADABLE
            continue
        evaluations.append(ev)
        findings = _findings(ev, doc, framework)
        if output is None:
            out = path.with_suffix(f".{to.value}")
            if out == path:
                out = path.with_name(f"{path.stem}.form.{to.value}")
        elif many:
            out = output / f"{path.stem}.{to.value}"
        else:
            out = output
        try:
            data = render(ev, to.value, out, layout=layout, framework=framework, findings=findings, draft=draft)
        except (LayoutError, PdfError, ValueError) as exc:  # unknown layout/framework, no PDF engine
            error_line(str(path), str(exc))
            raise typer.Exit(int(Exit.UNREADABLE)) from None
        results.append({"file": str(path), "output": str(out), "bytes": len(data), "to": to.value})
    if datapackage is not None and evaluations:
        from jixiao.render.export import write_datapackage

        pkg = write_datapackage(evaluations, datapackage)
        if format is Format.text:
            sys.stdout.write(f"数据包：{pkg}\n")
    if format is Format.json:
        echo_json(results[0] if len(files) == 1 and results else results)
    else:
        for r in results:
            sys.stdout.write(f"{r['file']} → {r['output']}（{r['to']}，{r['bytes']} 字节）\n")
    raise typer.Exit(int(status))


def _findings(ev, doc, framework):
    """The auditor's findings for the draft's open-issues list."""
    from jixiao.audit import check

    try:
        return check(ev, doc, framework=framework)
    except Exception as exc:  # the form is still worth producing; say why the list is empty
        sys.stderr.write(f"警告：审核失败，草稿不含审核发现（{type(exc).__name__}: {exc}）\n")
        return []
